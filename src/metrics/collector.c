#include "metrics/collector.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Lines we care about are short; longer ones (the /proc/stat "intr" line) are skipped whole
 * rather than parsed from a cut-off prefix. */
#define LINE_MAX_LEN 512
#define PATH_LEN 4096

typedef struct {
    const char *p, *end;
} line_iter;

static bool next_line(line_iter *it, char *buf, size_t cap, bool *overlong)
{
    if (it->p >= it->end)
        return false;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    const char *stop = nl ? nl : it->end;
    size_t n = (size_t)(stop - it->p);
    *overlong = n >= cap;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, it->p, n);
    buf[n] = '\0';
    it->p = nl ? nl + 1 : it->end;
    return true;
}

/* Calls fn for every line of text that fits LINE_MAX_LEN (longer ones are none we parse). */
static void each_line(const char *text, size_t len, void (*fn)(const char *, void *), void *out)
{
    line_iter it = {text, text + len};
    char line[LINE_MAX_LEN];
    bool overlong;
    while (next_line(&it, line, sizeof(line), &overlong))
        if (!overlong)
            fn(line, out);
}

/* strtoull has defined overflow behaviour, unlike sscanf's %llu. */
static int parse_u64_list(const char *s, uint64_t *out, int max)
{
    int n = 0;
    while (n < max) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!isdigit((unsigned char)*s))
            break;
        char *end;
        errno = 0;
        out[n++] = strtoull(s, &end, 10);
        if (errno == ERANGE)
            return -ERANGE;
        s = end;
    }
    return n;
}

static const char *skip_token(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    return s;
}

static void copy_name(char *dst, const char *src, size_t len)
{
    if (len >= PULSE_NAME_LEN)
        len = PULSE_NAME_LEN - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* ---- /proc/stat ---- */

static bool parse_cpu_line(const char *rest, pulse_cpu_ticks *t)
{
    uint64_t v[8] = {0};
    /* Fields after the 4th appeared in later kernels; missing ones stay zero. */
    if (parse_u64_list(rest, v, 8) < 4)
        return false;
    *t = (pulse_cpu_ticks){v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
    return true;
}

static void stat_line(const char *line, pulse_stat_raw *out)
{
    if (strncmp(line, "cpu", 3) != 0)
        return;
    if (line[3] == ' ') {
        out->have_total = parse_cpu_line(line + 3, &out->total);
        return;
    }
    if (!isdigit((unsigned char)line[3]))
        return;
    char *end;
    long idx = strtol(line + 3, &end, 10);
    if (idx < 0 || idx >= PULSE_MAX_CORES || *end != ' ')
        return;
    if (!parse_cpu_line(end, &out->cores[idx]))
        return;
    out->online[idx] = true;
    if (idx + 1 > out->ncores)
        out->ncores = (int)idx + 1;
}

static void stat_line_cb(const char *line, void *out)
{
    stat_line(line, out);
}

int pulse_parse_stat(const char *text, size_t len, pulse_stat_raw *out)
{
    if (!text || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    each_line(text, len, stat_line_cb, out);
    return out->have_total ? 0 : -EINVAL;
}

/* ---- /proc/meminfo ---- */

static uint64_t *meminfo_slot(pulse_meminfo *m, const char *key, bool *have_avail)
{
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {"MemTotal", offsetof(pulse_meminfo, total)},
        {"MemFree", offsetof(pulse_meminfo, free)},
        {"MemAvailable", offsetof(pulse_meminfo, available)},
        {"Buffers", offsetof(pulse_meminfo, buffers)},
        {"Cached", offsetof(pulse_meminfo, cached)},
        {"SwapTotal", offsetof(pulse_meminfo, swap_total)},
        {"SwapFree", offsetof(pulse_meminfo, swap_free)},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(key, keys[i].key) == 0) {
            if (keys[i].off == offsetof(pulse_meminfo, available))
                *have_avail = true;
            return (uint64_t *)((char *)m + keys[i].off);
        }
    }
    return NULL;
}

static void meminfo_line(char *line, pulse_meminfo *m, bool *have_total, bool *have_avail)
{
    char *colon = strchr(line, ':');
    if (!colon)
        return;
    *colon = '\0';
    uint64_t *slot = meminfo_slot(m, line, have_avail);
    uint64_t v;
    if (!slot || parse_u64_list(colon + 1, &v, 1) != 1)
        return;
    /* Values are in kB; saturate rather than wrap on absurd input. */
    *slot = strstr(colon + 1, "kB") ? (v > UINT64_MAX / 1024 ? UINT64_MAX : v * 1024) : v;
    if (slot == &m->total)
        *have_total = true;
}

int pulse_parse_meminfo(const char *text, size_t len, pulse_meminfo *out)
{
    if (!text || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    bool have_total = false, have_avail = false, overlong;
    line_iter it = {text, text + len};
    char line[LINE_MAX_LEN];
    while (next_line(&it, line, sizeof(line), &overlong))
        if (!overlong)
            meminfo_line(line, out, &have_total, &have_avail);
    if (!have_total)
        return -EINVAL;
    /* Kernels before 3.14 lack MemAvailable; free + buffers + cached is the classic estimate. */
    if (!have_avail)
        out->available = out->free + out->buffers + out->cached;
    if (out->available > out->total)
        out->available = out->total;
    if (out->swap_free > out->swap_total)
        out->swap_free = out->swap_total;
    return 0;
}

/* ---- /proc/net/dev ---- */

static void netdev_line(const char *line, pulse_netdev_raw *out)
{
    /* The name ends at the last ':' because long names run straight into the first number. */
    const char *colon = strrchr(line, ':');
    if (!colon || out->count >= PULSE_MAX_IFACES)
        return;
    const char *name = line;
    while (*name == ' ')
        name++;
    if (name >= colon)
        return;
    uint64_t v[9];
    if (parse_u64_list(colon + 1, v, 9) != 9)
        return;
    pulse_counter_pair *p = &out->items[out->count++];
    copy_name(p->name, name, (size_t)(colon - name));
    p->a = v[0];
    p->b = v[8];
}

static void netdev_line_cb(const char *line, void *out)
{
    netdev_line(line, out);
}

int pulse_parse_netdev(const char *text, size_t len, pulse_netdev_raw *out)
{
    if (!text || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    each_line(text, len, netdev_line_cb, out);
    return 0;
}

/* ---- /proc/diskstats ---- */

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* "<letters><digits>" families (sda1, vdb2, xvda1, hda3) are partitions. */
static bool is_letter_partition(const char *name)
{
    static const char *const fam[] = {"sd", "hd", "vd", "xvd"};
    for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
        if (!has_prefix(name, fam[i]))
            continue;
        const char *s = name + strlen(fam[i]);
        while (*s >= 'a' && *s <= 'z')
            s++;
        return all_digits(s);
    }
    return false;
}

/* "...<digit>p<digits>" (nvme0n1p1, mmcblk0p1, nbd0p1) is a partition. */
static bool is_p_partition(const char *name)
{
    const char *p = strrchr(name, 'p');
    return p && p > name && isdigit((unsigned char)p[-1]) && all_digits(p + 1);
}

bool pulse_disk_is_whole(const char *name)
{
    /* Virtual or stacked devices would count the same bytes twice or count RAM traffic. */
    static const char *const skip[] = {"loop", "ram", "zram", "dm-", "md", "fd"};
    if (!name || !*name)
        return false;
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
        if (has_prefix(name, skip[i]))
            return false;
    if (has_prefix(name, "mmcblk") && (strstr(name, "boot") || strstr(name, "rpmb")))
        return false;
    return !is_letter_partition(name) && !is_p_partition(name);
}

static void diskstats_line(const char *line, pulse_disk_raw *out)
{
    uint64_t mm[2];
    if (parse_u64_list(line, mm, 2) != 2 || out->count >= PULSE_MAX_DISKS)
        return;
    const char *s = skip_token(skip_token(line));
    while (*s == ' ' || *s == '\t')
        s++;
    const char *name_end = skip_token(s);
    char name[PULSE_NAME_LEN];
    copy_name(name, s, (size_t)(name_end - s));
    uint64_t v[7];
    if (!pulse_disk_is_whole(name) || parse_u64_list(name_end, v, 7) != 7)
        return;
    pulse_counter_pair *p = &out->items[out->count++];
    memcpy(p->name, name, sizeof(name));
    p->a = v[2];
    p->b = v[6];
}

static void diskstats_line_cb(const char *line, void *out)
{
    diskstats_line(line, out);
}

int pulse_parse_diskstats(const char *text, size_t len, pulse_disk_raw *out)
{
    if (!text || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    each_line(text, len, diskstats_line_cb, out);
    return 0;
}

/* ---- /proc/loadavg, /proc/uptime, cgroup ---- */

static void copy_text(char *dst, size_t cap, const char *text, size_t len)
{
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, text, len);
    dst[len] = '\0';
}

int pulse_parse_loadavg(const char *text, size_t len, pulse_loadavg *out)
{
    if (!text || !out)
        return -EINVAL;
    char buf[256];
    copy_text(buf, sizeof(buf), text, len);
    memset(out, 0, sizeof(*out));
    unsigned running, threads;
    if (sscanf(buf, "%lf %lf %lf %u/%u", &out->load1, &out->load5, &out->load15, &running,
               &threads) != 5)
        return -EINVAL;
    if (!isfinite(out->load1) || !isfinite(out->load5) || !isfinite(out->load15))
        return -EINVAL;
    out->running = running;
    out->threads = threads;
    return 0;
}

int pulse_parse_uptime(const char *text, size_t len, double *out)
{
    if (!text || !out)
        return -EINVAL;
    char buf[128];
    copy_text(buf, sizeof(buf), text, len);
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || !isfinite(v) || v < 0)
        return -EINVAL;
    *out = v;
    return 0;
}

static bool parse_one_u64(const char *text, size_t len, uint64_t *out)
{
    char buf[64];
    copy_text(buf, sizeof(buf), text, len);
    return parse_u64_list(buf, out, 1) == 1;
}

int pulse_parse_cgroup_mem(const char *max_text, size_t max_len, const char *cur_text,
                           size_t cur_len, pulse_cgroup_mem *out)
{
    if (!out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    /* "max" means no limit, so only a number turns the cgroup figures on. */
    if (!max_text || !parse_one_u64(max_text, max_len, &out->limit))
        return 0;
    out->limited = true;
    if (cur_text && !parse_one_u64(cur_text, cur_len, &out->usage))
        out->usage = 0;
    return 0;
}

/* ---- reading files ---- */

/* Reads at most bufsize - 1 bytes; when the file is larger the partial last line is cut off so
 * parsers never see half a record. Returns the length or a negative errno. */
static ssize_t read_file(const char *root, const char *rel, char *buf, size_t bufsize)
{
    char path[PATH_LEN];
    int n = snprintf(path, sizeof(path), "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -ENAMETOOLONG;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    while (len < bufsize - 1) {
        ssize_t r = read(fd, buf + len, bufsize - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    char extra;
    bool truncated = len == bufsize - 1 && read(fd, &extra, 1) == 1;
    close(fd);
    if (truncated) {
        char *nl = memrchr(buf, '\n', len);
        len = nl ? (size_t)(nl - buf) + 1 : 0;
    }
    buf[len] = '\0';
    return (ssize_t)len;
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
        if (all_digits(e->d_name))
            count++;
    closedir(d);
    *out = count;
    return 0;
}

#define READ_PARSE(rel, parse, dst, bit)                                                           \
    do {                                                                                           \
        ssize_t n_ = read_file(root, rel, buf, bufsize);                                           \
        if (n_ >= 0 && parse(buf, (size_t)n_, dst) == 0)                                           \
            out->have |= (bit);                                                                    \
    } while (0)

static void read_proc_files(const char *root, char *buf, size_t bufsize, pulse_raw *out)
{
    READ_PARSE("proc/stat", pulse_parse_stat, &out->stat, PULSE_HAVE_STAT);
    READ_PARSE("proc/meminfo", pulse_parse_meminfo, &out->mem, PULSE_HAVE_MEMINFO);
    READ_PARSE("proc/net/dev", pulse_parse_netdev, &out->net, PULSE_HAVE_NETDEV);
    READ_PARSE("proc/diskstats", pulse_parse_diskstats, &out->disk, PULSE_HAVE_DISKSTATS);
    READ_PARSE("proc/loadavg", pulse_parse_loadavg, &out->load, PULSE_HAVE_LOADAVG);
    READ_PARSE("proc/uptime", pulse_parse_uptime, &out->uptime_s, PULSE_HAVE_UPTIME);
}

static void read_cgroup(const char *root, char *buf, size_t bufsize, pulse_cgroup_mem *out)
{
    char cur[64];
    ssize_t cur_len = read_file(root, "sys/fs/cgroup/memory.current", buf, bufsize);
    if (cur_len >= 0)
        copy_text(cur, sizeof(cur), buf, (size_t)cur_len);
    ssize_t max_len = read_file(root, "sys/fs/cgroup/memory.max", buf, bufsize);
    pulse_parse_cgroup_mem(max_len >= 0 ? buf : NULL, max_len >= 0 ? (size_t)max_len : 0,
                           cur_len >= 0 ? cur : NULL, cur_len >= 0 ? strlen(cur) : 0, out);
}

int pulse_read_raw(const char *root, char *buf, size_t bufsize, uint64_t mono_ms, pulse_raw *out)
{
    if (!root || !buf || bufsize < 2 || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->mono_ms = mono_ms;
    read_proc_files(root, buf, bufsize, out);
    unsigned *h = &out->have;
    if (count_processes(root, &out->processes) == 0)
        *h |= PULSE_HAVE_PROCESSES;
    else if (*h & PULSE_HAVE_LOADAVG)
        out->processes = out->load.threads; /* threads, not processes, but better than nothing */
    read_cgroup(root, buf, bufsize, &out->cgroup);
    /* With neither /proc/stat nor /proc/meminfo this is not a Linux /proc worth reporting. */
    if (*h & (PULSE_HAVE_STAT | PULSE_HAVE_MEMINFO))
        return 0;
    /* Say why: out of file descriptors (EMFILE) is another trouble than a missing /proc. */
    ssize_t why = read_file(root, "proc/stat", buf, bufsize);
    return why < 0 ? (int)why : -ENOENT;
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
    free(c->buf);
    free(c);
}

int pulse_collector_sample(pulse_collector *c, int64_t ts_ms, uint64_t mono_ms, pulse_sample *out)
{
    if (!c || !out)
        return -EINVAL;
    int rc = pulse_read_raw(c->root, c->buf, c->bufsize, mono_ms, &c->cur);
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
