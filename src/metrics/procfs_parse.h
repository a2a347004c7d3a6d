/* Pure parsers of /proc, /sys and /etc text: text in, struct out. No file access, no libuv, no
 * global state, so every rule is unit-tested on recorded fixtures (tests/fixtures/proc) and
 * fuzzed (fuzz/fuzz_procfs.c). Reading the files and computing rates is collector.c's job. */
#ifndef PULSE_PROCFS_PARSE_H
#define PULSE_PROCFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds: items past these are ignored (cores past 256 still count in the aggregate "cpu"). */
#define PULSE_MAX_CORES 256
#define PULSE_MAX_IFACES 64
#define PULSE_MAX_DISKS 64
#define PULSE_NAME_LEN 32
#define PULSE_PATH_TEXT 256 /* mount points, sources: longer ones are cut (still valid UTF-8) */
#define PULSE_FSTYPE_LEN 32
#define PULSE_COMM_TEXT 64 /* a sanitized comm: 15 bytes may grow to 45 as U+FFFD */

typedef struct {
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
} pulse_cpu_ticks;

typedef struct {
    bool have_total;
    pulse_cpu_ticks total;
    int ncores; /* highest cpuN seen + 1; offline cores below it have online[i] false */
    bool online[PULSE_MAX_CORES];
    pulse_cpu_ticks cores[PULSE_MAX_CORES];
    uint64_t btime; /* boot time, seconds since the epoch (0 when the line is missing) */
    bool have_forks;
    uint64_t forks; /* the "processes" line: tasks (processes and threads) created since boot */
} pulse_stat_raw;

typedef struct {
    char name[PULSE_NAME_LEN];
    uint64_t a, b; /* net: rx/tx bytes; disk: sectors read/written */
} pulse_counter_pair;

typedef struct {
    int count;
    pulse_counter_pair items[PULSE_MAX_IFACES];
} pulse_netdev_raw;

typedef struct {
    int count;
    pulse_counter_pair items[PULSE_MAX_DISKS];
} pulse_disk_raw;

typedef struct {
    uint64_t total, free, available, buffers, cached, swap_total, swap_free; /* bytes */
} pulse_meminfo;

typedef struct {
    double load1, load5, load15;
    uint32_t running, threads;
} pulse_loadavg;

typedef struct {
    bool limited; /* memory.max held a number rather than "max" */
    uint64_t limit, usage;
} pulse_cgroup_mem;

/* The fields of /proc/[pid]/stat the process table shows. */
typedef struct {
    int32_t pid;
    char comm[PULSE_COMM_TEXT]; /* sanitized: valid UTF-8, control characters as '?' */
    char state;                 /* R, S, D, Z, T, t, X, I, ... */
    uint64_t utime, stime;      /* clock ticks */
    uint32_t threads;
    uint64_t starttime; /* clock ticks after boot */
    uint64_t rss_pages;
} pulse_pid_stat;

/* One line of /proc/self/mountinfo. */
typedef struct {
    uint32_t major, minor;
    char root[PULSE_PATH_TEXT];  /* the directory of the filesystem mounted here ("/" = whole) */
    char mount[PULSE_PATH_TEXT]; /* the mount point, octal escapes decoded */
    char fstype[PULSE_FSTYPE_LEN];
    char source[PULSE_PATH_TEXT];
} pulse_mount_entry;

/* Parses /proc/stat text (aggregate and per-core ticks, btime); -EINVAL without a "cpu " line. */
int pulse_parse_stat(const char *text, size_t len, pulse_stat_raw *out);
/* Parses /proc/meminfo text into bytes; -EINVAL without MemTotal. */
int pulse_parse_meminfo(const char *text, size_t len, pulse_meminfo *out);
/* Parses /proc/net/dev text into per-interface rx/tx byte counters. */
int pulse_parse_netdev(const char *text, size_t len, pulse_netdev_raw *out);
/* Parses /proc/diskstats text, keeping whole disks only (pulse_disk_is_whole). */
int pulse_parse_diskstats(const char *text, size_t len, pulse_disk_raw *out);
/* Parses /proc/loadavg text; -EINVAL when malformed. */
int pulse_parse_loadavg(const char *text, size_t len, pulse_loadavg *out);
/* Parses /proc/uptime text into host uptime seconds; -EINVAL when malformed. */
int pulse_parse_uptime(const char *text, size_t len, double *out);
/* Parses cgroup v2 memory.max and memory.current texts (either may be NULL when absent). */
int pulse_parse_cgroup_mem(const char *max_text, size_t max_len, const char *cur_text,
                           size_t cur_len, pulse_cgroup_mem *out);
/* True for a whole-disk name in /proc/diskstats (the name rule in docs/METRICS.md). */
bool pulse_disk_is_whole(const char *name);
/* True for a non-empty all-digit name (a /proc/[pid] directory). */
bool pulse_is_pid_name(const char *name);

/* Parses /proc/[pid]/stat; comm runs from the first '(' to the last ')'; -EINVAL if malformed. */
int pulse_parse_pid_stat(const char *text, size_t len, pulse_pid_stat *out);
/* Effective uid from /proc/[pid]/status ("Uid:" line, second field); -EINVAL without one. */
int pulse_parse_status_uid(const char *text, size_t len, uint32_t *uid);
/* The login name of uid in /etc/passwd text into name (cap bytes); -ENOENT when absent. */
int pulse_parse_passwd_name(const char *text, size_t len, uint32_t uid, char *name, size_t cap);
/* Copies n bytes as valid UTF-8 into out (cap >= 4): invalid bytes become U+FFFD, control
 * characters '?'; cut at a character boundary. Returns the length written. */
size_t pulse_sanitize_text(const char *in, size_t n, char *out, size_t cap);

/* Parses /proc/self/mountinfo into up to max entries (*n set); malformed lines are skipped. */
int pulse_parse_mountinfo(const char *text, size_t len, pulse_mount_entry *out, int max, int *n);
/* True for a filesystem type that holds no user data on a device (proc, sysfs, tmpfs, ...). */
bool pulse_fstype_is_pseudo(const char *fstype);
/* PRETTY_NAME from /etc/os-release text (quotes and escapes removed); -ENOENT when absent. */
int pulse_parse_os_release(const char *text, size_t len, char *out, size_t cap);
/* A hwmon tempN_input value (millidegrees Celsius) into degrees; -EINVAL when malformed. */
int pulse_parse_millidegrees(const char *text, size_t len, double *celsius);

#endif
