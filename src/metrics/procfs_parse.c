#include "metrics/procfs_parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (strncmp(line, "btime ", 6) == 0) {
        uint64_t v;
        if (parse_u64_list(line + 6, &v, 1) == 1)
            out->btime = v;
        return;
    }
    if (strncmp(line, "processes ", 10) == 0) {
        out->have_forks = parse_u64_list(line + 10, &out->forks, 1) == 1;
        return;
    }
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

bool pulse_is_pid_name(const char *name)
{
    return name && all_digits(name);
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

/* One unsigned 32-bit decimal at *s (no sign); advances *s past it. */
static bool take_u32(const char **s, uint32_t *out)
{
    if (!isdigit((unsigned char)**s))
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(*s, &end, 10);
    if (errno == ERANGE || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    *s = end;
    return true;
}

/* "L1 L5 L15 RUNNING/THREADS LASTPID": strtod and strtoul rather than sscanf, which costs
 * several times more in a file read every second. */
int pulse_parse_loadavg(const char *text, size_t len, pulse_loadavg *out)
{
    if (!text || !out)
        return -EINVAL;
    char buf[256];
    copy_text(buf, sizeof(buf), text, len);
    memset(out, 0, sizeof(*out));
    double *load[3] = {&out->load1, &out->load5, &out->load15};
    const char *s = buf;
    for (int i = 0; i < 3; i++) {
        char *end;
        *load[i] = strtod(s, &end);
        if (end == s || !isfinite(*load[i]))
            return -EINVAL;
        s = end;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (!take_u32(&s, &out->running) || *s++ != '/' || !take_u32(&s, &out->threads))
        return -EINVAL;
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

/* ---- text for JSON ---- */

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, surrogates or > U+10FFFF),
 * or 0 when the byte at p starts none. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len = c < 0x80                 ? 1
                 : c >= 0xc2 && c <= 0xdf ? 2
                 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4
                                          : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
        (c == 0xf4 && p[1] > 0x8f))
        return 0;
    return len;
}

size_t pulse_sanitize_text(const char *in, size_t n, char *out, size_t cap)
{
    static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    if (!out || cap == 0)
        return 0;
    for (size_t i = 0; in && i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        const char *src = len ? in + i : repl;
        size_t w = len ? len : 3;
        if (o + w >= cap)
            break;
        memcpy(out + o, src, w);
        if (len == 1 && (p[i] < 0x20 || p[i] == 0x7f))
            out[o] = '?';
        o += w;
        i += len ? len : 1;
    }
    out[o] = '\0';
    return o;
}

/* ---- /proc/[pid]/stat, status, /etc/passwd ---- */

int pulse_parse_pid_stat(const char *text, size_t len, pulse_pid_stat *out)
{
    if (!text || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    /* comm may hold spaces and parentheses: it ends at the last ')' of the line. */
    const char *open_p = memchr(text, '(', len);
    const char *close_p = NULL;
    for (const char *q = text + len; q > text; q--)
        if (q[-1] == ')') {
            close_p = q - 1;
            break;
        }
    if (!open_p || !close_p || close_p < open_p || close_p + 4 > text + len)
        return -EINVAL;
    char head[24];
    copy_text(head, sizeof(head), text, (size_t)(open_p - text));
    char *end;
    long pid = strtol(head, &end, 10);
    if (end == head || pid <= 0 || pid > INT32_MAX)
        return -EINVAL;
    out->pid = (int32_t)pid;
    pulse_sanitize_text(open_p + 1, (size_t)(close_p - open_p - 1), out->comm, sizeof(out->comm));
    char rest[LINE_MAX_LEN];
    copy_text(rest, sizeof(rest), close_p + 2, (size_t)(text + len - close_p - 2));
    if (!isalpha((unsigned char)rest[0]) || rest[1] != ' ')
        return -EINVAL;
    out->state = rest[0];
    /* Fields 4.. (ppid on): as numbers; some are negative, so strtoll-style skipping. */
    uint64_t f[24] = {0};
    const char *s = rest + 2;
    int n = 0;
    for (; n < 24 && *s; n++) {
        while (*s == ' ')
            s++;
        f[n] = strtoull(s, &end, 10);
        if (end == s)
            break;
        s = end;
    }
    if (n < 21) /* up to rss (field 24) */
        return -EINVAL;
    out->utime = f[10];                                       /* field 14 */
    out->stime = f[11];                                       /* field 15 */
    out->threads = (uint32_t)f[16];                           /* field 20 */
    out->starttime = f[18];                                   /* field 22 */
    out->rss_pages = f[20] > (uint64_t)INT64_MAX ? 0 : f[20]; /* field 24 */
    return 0;
}

int pulse_parse_status_uid(const char *text, size_t len, uint32_t *uid)
{
    if (!text || !uid)
        return -EINVAL;
    line_iter it = {text, text + len};
    char line[LINE_MAX_LEN];
    bool overlong;
    while (next_line(&it, line, sizeof(line), &overlong)) {
        uint64_t v[2];
        if (!overlong && strncmp(line, "Uid:", 4) == 0 && parse_u64_list(line + 4, v, 2) == 2 &&
            v[1] <= UINT32_MAX) {
            *uid = (uint32_t)v[1];
            return 0;
        }
    }
    return -EINVAL;
}

int pulse_parse_passwd_name(const char *text, size_t len, uint32_t uid, char *name, size_t cap)
{
    if (!text || !name || cap == 0)
        return -EINVAL;
    line_iter it = {text, text + len};
    char line[LINE_MAX_LEN];
    bool overlong;
    while (next_line(&it, line, sizeof(line), &overlong)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (overlong || !c1 || !c2 || c1 == line || !isdigit((unsigned char)c2[1]))
            continue;
        char *end;
        unsigned long long v = strtoull(c2 + 1, &end, 10);
        if (*end != ':' || v != uid)
            continue;
        pulse_sanitize_text(line, (size_t)(c1 - line), name, cap);
        return 0;
    }
    return -ENOENT;
}

/* ---- /proc/self/mountinfo ---- */

/* Copies one space-separated mountinfo field, decoding the kernel's \ooo escapes. */
static const char *mount_field(const char *s, char *out, size_t cap)
{
    char raw[PULSE_PATH_TEXT * 4];
    size_t n = 0;
    while (*s == ' ')
        s++;
    while (*s && *s != ' ') {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            char c = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            if (n < sizeof(raw))
                raw[n++] = c;
            s += 4;
            continue;
        }
        if (n < sizeof(raw))
            raw[n++] = *s;
        s++;
    }
    pulse_sanitize_text(raw, n, out, cap);
    return s;
}

static bool mountinfo_line(const char *line, pulse_mount_entry *e)
{
    memset(e, 0, sizeof(*e));
    char *end;
    const char *s = skip_token(skip_token(line)); /* mount id, parent id */
    e->major = (uint32_t)strtoul(s, &end, 10);
    if (end == s || *end != ':')
        return false;
    s = end + 1;
    e->minor = (uint32_t)strtoul(s, &end, 10);
    if (end == s || *end != ' ')
        return false;
    s = mount_field(end, e->root, sizeof(e->root));
    s = mount_field(s, e->mount, sizeof(e->mount));
    const char *sep = strstr(s, " - ");
    if (!sep || !e->mount[0])
        return false;
    s = mount_field(sep + 3, e->fstype, sizeof(e->fstype));
    mount_field(s, e->source, sizeof(e->source));
    return e->fstype[0] != '\0';
}

int pulse_parse_mountinfo(const char *text, size_t len, pulse_mount_entry *out, int max, int *n)
{
    if (!text || !out || !n || max < 0)
        return -EINVAL;
    *n = 0;
    line_iter it = {text, text + len};
    /* Mount points may be long; a line that does not fit is skipped whole. */
    char line[PULSE_PATH_TEXT * 4];
    bool overlong;
    while (*n < max && next_line(&it, line, sizeof(line), &overlong))
        if (!overlong && mountinfo_line(line, &out[*n]))
            (*n)++;
    return 0;
}

bool pulse_fstype_is_pseudo(const char *fstype)
{
    /* No user data on a device: kernel views, RAM-backed and read-only image filesystems. */
    static const char *const pseudo[] = {
        "autofs",     "binfmt_misc", "bpf",        "cgroup",   "cgroup2",         "configfs",
        "debugfs",    "devpts",      "devtmpfs",   "efivarfs", "fusectl",         "hugetlbfs",
        "mqueue",     "nsfs",        "proc",       "pstore",   "ramfs",           "rpc_pipefs",
        "securityfs", "selinuxfs",   "sysfs",      "tmpfs",    "tracefs",         "squashfs",
        "iso9660",    "overlay_ro",  "fuse.lxcfs", "nfsd",     "fuse.gvfsd-fuse", "fuse.portal"};
    if (!fstype || !*fstype)
        return true;
    for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
        if (strcmp(fstype, pseudo[i]) == 0)
            return true;
    return false;
}

/* ---- /etc/os-release, hwmon ---- */

int pulse_parse_os_release(const char *text, size_t len, char *out, size_t cap)
{
    if (!text || !out || cap == 0)
        return -EINVAL;
    line_iter it = {text, text + len};
    char line[LINE_MAX_LEN];
    bool overlong;
    while (next_line(&it, line, sizeof(line), &overlong)) {
        if (overlong || strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        char val[LINE_MAX_LEN];
        size_t n = 0;
        const char *s = line + 12;
        char quote = (*s == '"' || *s == '\'') ? *s++ : 0;
        for (; *s && *s != quote; s++) {
            if (*s == '\\' && s[1] && quote != '\'')
                s++;
            val[n++] = *s;
        }
        pulse_sanitize_text(val, n, out, cap);
        return out[0] ? 0 : -ENOENT;
    }
    return -ENOENT;
}

int pulse_parse_millidegrees(const char *text, size_t len, double *celsius)
{
    if (!text || !celsius)
        return -EINVAL;
    char buf[32];
    copy_text(buf, sizeof(buf), text, len);
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end == buf || errno == ERANGE || (*end && *end != '\n'))
        return -EINVAL;
    /* Beyond what any sensor reads: a driver reporting garbage. */
    if (v < -273150 || v > 1000000)
        return -EINVAL;
    *celsius = (double)v / 1000.0;
    return 0;
}
