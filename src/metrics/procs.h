/* The process table: reads /proc/[pid]/stat of every process under a root directory, computes
 * each one's CPU share between two scans, and keeps the top processes by CPU and by memory
 * (docs/METRICS.md section 7). Blocking file I/O on up to thousands of small files, so the
 * daemon runs a scan on a worker thread; a pulse_procs belongs to one thread at a time. */
#ifndef PULSE_PROCS_H
#define PULSE_PROCS_H

#include "metrics/procfs_parse.h"

#include <stdbool.h>
#include <stdint.h>

#define PULSE_PROCS_TOP 15    /* rows in each of the two lists */
#define PULSE_PROCS_MAX 65536 /* processes tracked per scan; more are counted, not ranked */
#define PULSE_USER_LEN 33
/* /proc/[pid]/stat descriptors kept open between scans (reading again through an open one
 * costs half as much as open + read + close); processes past this are opened each scan. */
#define PULSE_PROCS_KEEP_FDS 1024

typedef struct {
    int32_t pid;
    char name[PULSE_COMM_TEXT]; /* comm, valid UTF-8 */
    char user[PULSE_USER_LEN];  /* login name, or the uid as digits, or "" when unknown */
    char state;
    bool cpu_valid; /* false on the first scan that sees the process */
    double cpu_pct; /* percent of one core over the interval (top's convention) */
    uint64_t rss;   /* resident bytes */
    uint32_t threads;
    int64_t start_ms; /* wall-clock start time, ms since the epoch */
} pulse_proc;

typedef struct {
    int64_t ts_ms;
    bool has_rates;      /* false on the first scan: every cpu_pct is null */
    uint32_t total;      /* processes read this scan */
    uint32_t unreadable; /* /proc/[pid] entries that vanished or could not be parsed */
    int n_cpu, n_mem;
    pulse_proc by_cpu[PULSE_PROCS_TOP]; /* highest cpu_pct first (ties: higher rss) */
    pulse_proc by_mem[PULSE_PROCS_TOP]; /* highest rss first */
} pulse_proc_top;

typedef struct pulse_procs pulse_procs;

/* Creates a scanner of root/proc (NULL root = "/"); -ENOMEM, -ENAMETOOLONG. */
int pulse_procs_new(const char *root, pulse_procs **out);
/* Frees a scanner; NULL is fine. */
void pulse_procs_free(pulse_procs *p);
/* Scans every process and fills out; mono_ms times the CPU shares. -errno when /proc cannot be
 * listed; a process that vanishes or cannot be read is counted in unreadable and skipped. */
int pulse_procs_scan(pulse_procs *p, int64_t ts_ms, uint64_t mono_ms, pulse_proc_top *out);
/* Forgets the previous scan, so the next one has no rates (used after a pause), and closes the
 * kept /proc/[pid]/stat descriptors. */
void pulse_procs_reset(pulse_procs *p);

#endif
