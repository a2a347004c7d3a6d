#include "metrics/collector.h"

#include "metrics/procfs_read.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define PATH_LEN 4096

/* ---- reading files ---- */

/* The files of one reading. /proc/stat comes before /proc/loadavg and both before the listing
 * of /proc: the order same_tasks relies on. */
enum {
    RF_STAT,
    RF_MEMINFO,
    RF_NETDEV,
    RF_DISKSTATS,
    RF_LOADAVG,
    RF_UPTIME,
    RF_CG_CURRENT,
    RF_CG_MAX,
    RF_COUNT
};

static const char *const rf_rel[RF_COUNT] = {
    [RF_STAT] = "proc/stat",
    [RF_MEMINFO] = "proc/meminfo",
    [RF_NETDEV] = "proc/net/dev",
    [RF_DISKSTATS] = "proc/diskstats",
    [RF_LOADAVG] = "proc/loadavg",
    [RF_UPTIME] = "proc/uptime",
    [RF_CG_CURRENT] = "sys/fs/cgroup/memory.current",
    [RF_CG_MAX] = "sys/fs/cgroup/memory.max",
};

/* Where a reading's files come from: opened afresh under root (pulse_read_raw), or through
 * descriptors kept open between readings (the collector: one pread each, no path walk). */
typedef struct {
    const char *root;
    int *fds; /* RF_COUNT descriptors, -1 when not open; NULL: open each file afresh */
} file_source;

static ssize_t read_rf(const file_source *src, int which, char *buf, size_t bufsize)
{
    if (!src->fds)
        return pulse_read_file(src->root, rf_rel[which], buf, bufsize);
    int *fd = &src->fds[which];
    ssize_t n = *fd >= 0 ? pulse_pread_file(*fd, buf, bufsize) : -EBADF;
    if (n >= 0)
        return n;
    if (*fd >= 0) /* a descriptor that stopped working: open the file again, once */
        close(*fd);
    *fd = pulse_open_file(src->root, rf_rel[which]);
    if (*fd < 0) {
        n = *fd;
        *fd = -1;
        return n;
    }
    return pulse_pread_file(*fd, buf, bufsize);
}

static int count_processes(const char *root, uint32_t *out)
{
    char path[PATH_LEN];
    int n = snprintf(path, sizeof(path), "%s/proc", root);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -ENAMETOOLONG;
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    uint32_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (pulse_is_pid_name(e->d_name))
            count++;
    closedir(d);
    *out = count;
    return 0;
}

/* True when no task can have been created or reaped between the reading `known` counted and
 * `cur`: the kernel's fork counter (/proc/stat "processes", which every new process and thread
 * increments) and its task count (/proc/loadavg, which every reaped task decrements) are both
 * unchanged. Then the listing of /proc would give the same count. Checked again anyway after
 * PULSE_COUNT_RECHECK_MS. */
static bool same_tasks(const pulse_raw *known, const pulse_raw *cur)
{
    const unsigned need = PULSE_HAVE_STAT | PULSE_HAVE_LOADAVG | PULSE_HAVE_PROCESSES;
    return (known->have & need) == need &&
           (cur->have & (PULSE_HAVE_STAT | PULSE_HAVE_LOADAVG)) ==
               (PULSE_HAVE_STAT | PULSE_HAVE_LOADAVG) &&
           known->stat.have_forks && cur->stat.have_forks && known->stat.forks == cur->stat.forks &&
           known->load.threads == cur->load.threads && cur->mono_ms >= known->counted_mono_ms &&
           cur->mono_ms - known->counted_mono_ms < PULSE_COUNT_RECHECK_MS;
}

static void read_processes(const char *root, const pulse_raw *known, pulse_raw *out)
{
    if (known && same_tasks(known, out)) {
        out->processes = known->processes;
        out->counted_mono_ms = known->counted_mono_ms;
        out->have |= PULSE_HAVE_PROCESSES;
    } else if (count_processes(root, &out->processes) == 0) {
        out->counted_mono_ms = out->mono_ms;
        out->have |= PULSE_HAVE_PROCESSES;
    } else if (out->have & PULSE_HAVE_LOADAVG) {
        out->processes = out->load.threads; /* threads, not processes, but better than nothing */
    }
}

#define READ_PARSE(which, parse, dst, bit)                                                         \
    do {                                                                                           \
        ssize_t n_ = read_rf(src, which, buf, bufsize);                                            \
        if (n_ >= 0 && parse(buf, (size_t)n_, dst) == 0)                                           \
            out->have |= (bit);                                                                    \
    } while (0)

static void read_proc_files(const file_source *src, char *buf, size_t bufsize, pulse_raw *out)
{
    READ_PARSE(RF_STAT, pulse_parse_stat, &out->stat, PULSE_HAVE_STAT);
    READ_PARSE(RF_MEMINFO, pulse_parse_meminfo, &out->mem, PULSE_HAVE_MEMINFO);
    READ_PARSE(RF_NETDEV, pulse_parse_netdev, &out->net, PULSE_HAVE_NETDEV);
    READ_PARSE(RF_DISKSTATS, pulse_parse_diskstats, &out->disk, PULSE_HAVE_DISKSTATS);
    READ_PARSE(RF_LOADAVG, pulse_parse_loadavg, &out->load, PULSE_HAVE_LOADAVG);
    READ_PARSE(RF_UPTIME, pulse_parse_uptime, &out->uptime_s, PULSE_HAVE_UPTIME);
}

static void read_cgroup(const file_source *src, char *buf, size_t bufsize, pulse_cgroup_mem *out)
{
    char cur[64];
    ssize_t cur_len = read_rf(src, RF_CG_CURRENT, buf, bufsize);
    if (cur_len >= 0)
        snprintf(cur, sizeof(cur), "%s", buf);
    ssize_t max_len = read_rf(src, RF_CG_MAX, buf, bufsize);
    pulse_parse_cgroup_mem(max_len >= 0 ? buf : NULL, max_len >= 0 ? (size_t)max_len : 0,
                           cur_len >= 0 ? cur : NULL, cur_len >= 0 ? strlen(cur) : 0, out);
}

/* One reading; `known` (the collector's previous one, or NULL) may spare the listing of /proc. */
static int read_raw_from(const file_source *src, char *buf, size_t bufsize, uint64_t mono_ms,
                         const pulse_raw *known, pulse_raw *out)
{
    if (!src->root || !buf || bufsize < 2 || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->mono_ms = mono_ms;
    read_proc_files(src, buf, bufsize, out);
    read_processes(src->root, known, out);
    read_cgroup(src, buf, bufsize, &out->cgroup);
    /* With neither /proc/stat nor /proc/meminfo this is not a Linux /proc worth reporting. */
    if (out->have & (PULSE_HAVE_STAT | PULSE_HAVE_MEMINFO))
        return 0;
    /* Say why: out of file descriptors (EMFILE) is another trouble than a missing /proc. */
    ssize_t why = pulse_read_file(src->root, "proc/stat", buf, bufsize);
    return why < 0 ? (int)why : -ENOENT;
}

int pulse_read_raw(const char *root, char *buf, size_t bufsize, uint64_t mono_ms, pulse_raw *out)
{
    const file_source src = {root, NULL};
    return read_raw_from(&src, buf, bufsize, mono_ms, NULL, out);
}

/* ---- deltas ---- */

static bool ticks_delta(const pulse_cpu_ticks *a, const pulse_cpu_ticks *b, double d[8])
{
    uint64_t va[8] = {a->user,   a->nice, a->system,  a->idle,
                      a->iowait, a->irq,  a->softirq, a->steal};
    uint64_t vb[8] = {b->user,   b->nice, b->system,  b->idle,
                      b->iowait, b->irq,  b->softirq, b->steal};
    for (int i = 0; i < 8; i++) {
        if (vb[i] < va[i])
            return false; /* wrapped or went backwards: no data rather than a bogus spike */
        d[i] = (double)(vb[i] - va[i]);
    }
    return true;
}

static double clamp_pct(double v)
{
    return v < 0 ? 0 : (v > 100 ? 100 : v);
}

static pulse_cpu_pct cpu_pct(const pulse_cpu_ticks *a, const pulse_cpu_ticks *b)
{
    pulse_cpu_pct p = {0};
    double d[8];
    if (!ticks_delta(a, b, d))
        return p;
    double total = d[0] + d[1] + d[2] + d[3] + d[4] + d[5] + d[6] + d[7];
    if (total <= 0)
        return p;
    p.valid = true;
    p.user = clamp_pct((d[0] + d[1]) * 100.0 / total);
    p.system = clamp_pct((d[2] + d[5] + d[6]) * 100.0 / total);
    p.idle = clamp_pct(d[3] * 100.0 / total);
    p.iowait = clamp_pct(d[4] * 100.0 / total);
    p.usage = clamp_pct((total - d[3] - d[4]) * 100.0 / total);
    p.steal = clamp_pct(d[7] * 100.0 / total);
    return p;
}

static void compute_cpu(const pulse_raw *prev, const pulse_raw *cur, pulse_sample *out)
{
    const pulse_stat_raw *b = &cur->stat;
    out->ncores = b->ncores;
    for (int i = 0; i < b->ncores; i++)
        out->online_cores += b->online[i];
    if (!prev || !(prev->have & PULSE_HAVE_STAT) || !(cur->have & PULSE_HAVE_STAT))
        return;
    const pulse_stat_raw *a = &prev->stat;
    out->cpu = cpu_pct(&a->total, &b->total);
    for (int i = 0; i < b->ncores; i++)
        if (i < a->ncores && a->online[i] && b->online[i])
            out->cores[i] = cpu_pct(&a->cores[i], &b->cores[i]);
}

static const pulse_counter_pair *find_pair(const pulse_counter_pair *items, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(items[i].name, name) == 0)
            return &items[i];
    return NULL;
}

/* Rates of one counter pair; false when the item is new or a counter went backwards. */
static bool pair_rate(const pulse_counter_pair *a, const pulse_counter_pair *b, double scale,
                      double dt_s, double *ra, double *rb)
{
    if (!a || b->a < a->a || b->b < a->b)
        return false;
    *ra = (double)(b->a - a->a) * scale / dt_s;
    *rb = (double)(b->b - a->b) * scale / dt_s;
    return true;
}

static void compute_net(const pulse_raw *prev, const pulse_raw *cur, double dt_s, pulse_sample *out)
{
    const pulse_netdev_raw *b = &cur->net;
    out->net.count = b->count;
    for (int i = 0; i < b->count; i++) {
        pulse_iface_rate *r = &out->net.ifaces[i];
        memcpy(r->name, b->items[i].name, PULSE_NAME_LEN);
        if (!out->has_rates)
            continue;
        const pulse_counter_pair *a = find_pair(prev->net.items, prev->net.count, r->name);
        r->valid = pair_rate(a, &b->items[i], 1.0, dt_s, &r->rx_bps, &r->tx_bps);
        /* Loopback traffic never leaves the host, so it stays out of the total. */
        if (r->valid && strcmp(r->name, "lo") != 0) {
            out->net.rx_bps += r->rx_bps;
            out->net.tx_bps += r->tx_bps;
        }
    }
}

static void compute_disk(const pulse_raw *prev, const pulse_raw *cur, double dt_s,
                         pulse_sample *out)
{
    const pulse_disk_raw *b = &cur->disk;
    out->disk.count = b->count;
    for (int i = 0; i < b->count; i++) {
        pulse_disk_rate *r = &out->disk.disks[i];
        memcpy(r->name, b->items[i].name, PULSE_NAME_LEN);
        if (!out->has_rates)
            continue;
        const pulse_counter_pair *a = find_pair(prev->disk.items, prev->disk.count, r->name);
        /* diskstats counts 512-byte sectors whatever the device's real sector size. */
        r->valid = pair_rate(a, &b->items[i], 512.0, dt_s, &r->read_bps, &r->write_bps);
        if (r->valid) {
            out->disk.read_bps += r->read_bps;
            out->disk.write_bps += r->write_bps;
        }
    }
}

static void compute_mem(const pulse_raw *cur, pulse_mem_sample *m)
{
    const pulse_meminfo *mi = &cur->mem;
    m->total = mi->total;
    m->available = mi->available;
    m->used = mi->total - mi->available;
    m->cached = mi->cached;
    m->buffers = mi->buffers;
    m->swap_total = mi->swap_total;
    m->swap_used = mi->swap_total - mi->swap_free;
    m->usage = mi->total ? clamp_pct((double)m->used * 100.0 / (double)mi->total) : 0;
    m->swap_usage =
        mi->swap_total ? clamp_pct((double)m->swap_used * 100.0 / (double)mi->swap_total) : 0;
    m->cgroup_limited = cur->cgroup.limited;
    m->cgroup_limit = cur->cgroup.limit;
    m->cgroup_usage = cur->cgroup.usage;
    m->cgroup_pct = cur->cgroup.limited && cur->cgroup.limit
                        ? clamp_pct((double)cur->cgroup.usage * 100.0 / (double)cur->cgroup.limit)
                        : 0;
}

int pulse_compute_sample(const pulse_raw *prev, const pulse_raw *cur, int64_t ts_ms,
                         pulse_sample *out)
{
    if (!cur || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->ts_ms = ts_ms;
    double dt_s = prev ? ((double)cur->mono_ms - (double)prev->mono_ms) / 1000.0 : 0;
    out->has_rates = prev && dt_s > 0;
    compute_cpu(out->has_rates ? prev : NULL, cur, out);
    compute_net(prev, cur, dt_s, out);
    compute_disk(prev, cur, dt_s, out);
    compute_mem(cur, &out->mem);
    out->load1 = cur->load.load1;
    out->load5 = cur->load.load5;
    out->load15 = cur->load.load15;
    out->uptime_s = cur->uptime_s;
    out->processes = cur->processes;
    return 0;
}

/* ---- collector ---- */

struct pulse_collector {
    char root[PATH_LEN];
    size_t bufsize;
    char *buf;
    bool have_prev;
    pulse_raw prev, cur;
    int fds[RF_COUNT]; /* the files of a reading, kept open between readings (-1: not open) */
};

int pulse_collector_new(const char *root, size_t bufsize, pulse_collector **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!root)
        root = "/";
    if (strlen(root) >= PATH_LEN / 2)
        return -ENAMETOOLONG;
    pulse_collector *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    for (int i = 0; i < RF_COUNT; i++)
        c->fds[i] = -1;
    c->bufsize = bufsize ? bufsize : PULSE_READ_BUF_DEFAULT;
    c->buf = c->bufsize >= 2 ? malloc(c->bufsize) : NULL;
    if (!c->buf) {
        int rc = c->bufsize < 2 ? -EINVAL : -ENOMEM;
        pulse_collector_free(c);
        return rc;
    }
    strcpy(c->root, root);
    *out = c;
    return 0;
}

void pulse_collector_free(pulse_collector *c)
{
    if (!c)
        return;
    for (int i = 0; i < RF_COUNT; i++)
        if (c->fds[i] >= 0)
            close(c->fds[i]);
    free(c->buf);
    free(c);
}

int pulse_collector_sample(pulse_collector *c, int64_t ts_ms, uint64_t mono_ms, pulse_sample *out)
{
    if (!c || !out)
        return -EINVAL;
    const file_source src = {c->root, c->fds};
    int rc =
        read_raw_from(&src, c->buf, c->bufsize, mono_ms, c->have_prev ? &c->prev : NULL, &c->cur);
    if (rc < 0)
        return rc;
    rc = pulse_compute_sample(c->have_prev ? &c->prev : NULL, &c->cur, ts_ms, out);
    c->prev = c->cur;
    c->have_prev = true;
    return rc;
}

/* ---- history metric names ---- */

static const char *const metric_names[PULSE_METRIC_COUNT] = {
    [PULSE_M_CPU_USAGE] = "cpu.usage",
    [PULSE_M_CPU_USER] = "cpu.user",
    [PULSE_M_CPU_SYSTEM] = "cpu.system",
    [PULSE_M_CPU_IOWAIT] = "cpu.iowait",
    [PULSE_M_CPU_IDLE] = "cpu.idle",
    [PULSE_M_MEM_USAGE] = "memory.usage",
    [PULSE_M_MEM_USED] = "memory.used",
    [PULSE_M_MEM_AVAILABLE] = "memory.available",
    [PULSE_M_MEM_CACHED] = "memory.cached",
    [PULSE_M_SWAP_USED] = "memory.swap_used",
    [PULSE_M_SWAP_USAGE] = "memory.swap_usage",
    [PULSE_M_NET_RX] = "network.rx_bps",
    [PULSE_M_NET_TX] = "network.tx_bps",
    [PULSE_M_DISK_READ] = "disk.read_bps",
    [PULSE_M_DISK_WRITE] = "disk.write_bps",
    [PULSE_M_LOAD1] = "load.1m",
    [PULSE_M_LOAD5] = "load.5m",
    [PULSE_M_LOAD15] = "load.15m",
    [PULSE_M_PROCESSES] = "system.processes",
    [PULSE_M_CPU_STEAL] = "cpu.steal",
    [PULSE_M_MEM_BUFFERS] = "memory.buffers",
};

const char *pulse_metric_name(int id)
{
    return id >= 0 && id < PULSE_METRIC_COUNT ? metric_names[id] : NULL;
}

int pulse_metric_id(const char *name)
{
    for (int i = 0; name && i < PULSE_METRIC_COUNT; i++)
        if (strcmp(name, metric_names[i]) == 0)
            return i;
    return -ENOENT;
}

static double value_if(bool ok, double v)
{
    return ok ? v : NAN;
}

void pulse_sample_metrics(const pulse_sample *s, double out[PULSE_METRIC_COUNT])
{
    const bool cpu = s->cpu.valid, rates = s->has_rates;
    out[PULSE_M_CPU_USAGE] = value_if(cpu, s->cpu.usage);
    out[PULSE_M_CPU_USER] = value_if(cpu, s->cpu.user);
    out[PULSE_M_CPU_SYSTEM] = value_if(cpu, s->cpu.system);
    out[PULSE_M_CPU_IOWAIT] = value_if(cpu, s->cpu.iowait);
    out[PULSE_M_CPU_IDLE] = value_if(cpu, s->cpu.idle);
    out[PULSE_M_MEM_USAGE] = s->mem.usage;
    out[PULSE_M_MEM_USED] = (double)s->mem.used;
    out[PULSE_M_MEM_AVAILABLE] = (double)s->mem.available;
    out[PULSE_M_MEM_CACHED] = (double)s->mem.cached;
    out[PULSE_M_SWAP_USED] = (double)s->mem.swap_used;
    out[PULSE_M_SWAP_USAGE] = s->mem.swap_usage;
    out[PULSE_M_NET_RX] = value_if(rates, s->net.rx_bps);
    out[PULSE_M_NET_TX] = value_if(rates, s->net.tx_bps);
    out[PULSE_M_DISK_READ] = value_if(rates, s->disk.read_bps);
    out[PULSE_M_DISK_WRITE] = value_if(rates, s->disk.write_bps);
    out[PULSE_M_LOAD1] = s->load1;
    out[PULSE_M_LOAD5] = s->load5;
    out[PULSE_M_LOAD15] = s->load15;
    out[PULSE_M_PROCESSES] = (double)s->processes;
    out[PULSE_M_CPU_STEAL] = value_if(cpu, s->cpu.steal);
    out[PULSE_M_MEM_BUFFERS] = (double)s->mem.buffers;
}

int pulse_sample_metric(const pulse_sample *s, const char *name, double *out)
{
    int id = pulse_metric_id(name);
    if (id < 0)
        return id;
    if (!s || !out)
        return -EINVAL;
    double v[PULSE_METRIC_COUNT];
    pulse_sample_metrics(s, v);
    if (isnan(v[id]))
        return -ENODATA;
    *out = v[id];
    return 0;
}
