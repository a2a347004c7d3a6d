/* Host metrics from /proc text: pure parsers, a reader rooted at a configurable directory,
 * and the delta computation that turns two raw readings into a sample of rates. No libuv, no
 * global state: the caller owns every struct. See docs/METRICS.md for the rules. */
#ifndef PULSE_COLLECTOR_H
#define PULSE_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/procfs_parse.h"

#define PULSE_READ_BUF_DEFAULT (64 * 1024)
/* The collector lists /proc for the process count only when the kernel's fork counter or task
 * count moved since the last listing, and at least this often. */
#define PULSE_COUNT_RECHECK_MS 10000

/* Bits of pulse_raw.have: which files were read and parsed. */
enum {
    PULSE_HAVE_STAT = 1u << 0,
    PULSE_HAVE_MEMINFO = 1u << 1,
    PULSE_HAVE_NETDEV = 1u << 2,
    PULSE_HAVE_DISKSTATS = 1u << 3,
    PULSE_HAVE_LOADAVG = 1u << 4,
    PULSE_HAVE_UPTIME = 1u << 5,
    PULSE_HAVE_PROCESSES = 1u << 6,
};

#define PULSE_MAX_TEMPS 32
#define PULSE_TEMP_NAME 72

/* One hwmon temperature sensor: "chip/label" (label = tempN when the driver gives none). */
typedef struct {
    char name[PULSE_TEMP_NAME];
    double celsius;
} pulse_temp;

typedef struct {
    uint64_t mono_ms;
    unsigned have; /* PULSE_HAVE_* */
    pulse_stat_raw stat;
    pulse_meminfo mem;
    pulse_netdev_raw net;
    pulse_disk_raw disk;
    pulse_loadavg load;
    double uptime_s;
    uint32_t processes;
    uint64_t counted_mono_ms; /* when /proc was last listed for `processes` */
    pulse_cgroup_mem cgroup;
} pulse_raw;

typedef struct {
    bool valid; /* false: no delta for this interval */
    double usage, user, system, iowait, idle, steal;
} pulse_cpu_pct;

typedef struct {
    char name[PULSE_NAME_LEN];
    bool valid;
    double rx_bps, tx_bps;
} pulse_iface_rate;

typedef struct {
    char name[PULSE_NAME_LEN];
    bool valid;
    double read_bps, write_bps;
} pulse_disk_rate;

typedef struct {
    uint64_t total, used, available, cached, buffers, swap_total, swap_used;
    double usage, swap_usage;
    bool cgroup_limited;
    uint64_t cgroup_limit, cgroup_usage;
    double cgroup_pct;
} pulse_mem_sample;

typedef struct {
    int64_t ts_ms;
    bool has_rates; /* false for the first sample: no CPU percents, no bytes/s */
    pulse_cpu_pct cpu;
    int ncores;       /* length of cores: highest CPU number + 1 */
    int online_cores; /* CPUs present in this reading (for the load alert) */
    pulse_cpu_pct cores[PULSE_MAX_CORES];
    pulse_mem_sample mem;
    struct {
        double rx_bps, tx_bps; /* valid interfaces except "lo" */
        int count;
        pulse_iface_rate ifaces[PULSE_MAX_IFACES];
    } net;
    struct {
        double read_bps, write_bps;
        int count;
        pulse_disk_rate disks[PULSE_MAX_DISKS];
    } disk;
    double load1, load5, load15;
    double uptime_s;
    uint32_t processes;
    int ntemps; /* filled by the daemon from the slow scan (pulse_read_temps), not per tick */
    pulse_temp temps[PULSE_MAX_TEMPS];
} pulse_sample;

/* History metric ids; the names are the SPEC's dotted paths (see pulse_metric_name). */
enum pulse_metric {
    PULSE_M_CPU_USAGE,
    PULSE_M_CPU_USER,
    PULSE_M_CPU_SYSTEM,
    PULSE_M_CPU_IOWAIT,
    PULSE_M_CPU_IDLE,
    PULSE_M_MEM_USAGE,
    PULSE_M_MEM_USED,
    PULSE_M_MEM_AVAILABLE,
    PULSE_M_MEM_CACHED,
    PULSE_M_SWAP_USED,
    PULSE_M_SWAP_USAGE,
    PULSE_M_NET_RX,
    PULSE_M_NET_TX,
    PULSE_M_DISK_READ,
    PULSE_M_DISK_WRITE,
    PULSE_M_LOAD1,
    PULSE_M_LOAD5,
    PULSE_M_LOAD15,
    PULSE_M_PROCESSES,
    PULSE_M_CPU_STEAL,
    PULSE_M_MEM_BUFFERS,
    PULSE_METRIC_COUNT
};

typedef struct pulse_collector pulse_collector;

/* Reads every source under root ("/" for the host) into out using buf as scratch. */
int pulse_read_raw(const char *root, char *buf, size_t bufsize, uint64_t mono_ms, pulse_raw *out);
/* Reads hwmon temperatures under root into out (at most PULSE_MAX_TEMPS); none is not an
 * error. Some sensor drivers answer slowly (I2C, drives), so the daemon calls it off the loop. */
int pulse_read_temps(const char *root, char *buf, size_t bufsize, pulse_temp *out);
/* Computes a sample from cur and the previous reading (prev NULL: first sample, no rates). */
int pulse_compute_sample(const pulse_raw *prev, const pulse_raw *cur, int64_t ts_ms,
                         pulse_sample *out);

/* Creates a collector reading under root (NULL = "/") with a read buffer (0 = default). */
int pulse_collector_new(const char *root, size_t bufsize, pulse_collector **out);
/* Frees a collector; NULL is fine. */
void pulse_collector_free(pulse_collector *c);
/* Reads the sources (through descriptors it keeps open) and fills out; ts_ms is wall time,
 * mono_ms a monotonic clock for rates and for PULSE_COUNT_RECHECK_MS. */
int pulse_collector_sample(pulse_collector *c, int64_t ts_ms, uint64_t mono_ms, pulse_sample *out);

/* Dotted name of a history metric id, or NULL when out of range. */
const char *pulse_metric_name(int id);
/* Id of a dotted history metric name, or -ENOENT. */
int pulse_metric_id(const char *name);
/* Value of one history metric: -ENOENT for an unknown name, -ENODATA when it has no value. */
int pulse_sample_metric(const pulse_sample *s, const char *name, double *out);
/* All history metric values of a sample, NaN where there is no value (e.g. first-sample rates). */
void pulse_sample_metrics(const pulse_sample *s, double out[PULSE_METRIC_COUNT]);

#endif
