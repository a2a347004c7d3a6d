#include "metrics/procs.h"

#include "metrics/procfs_read.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STAT_BUF 4096
#define PASSWD_BUF (64 * 1024)

typedef struct {
    int32_t pid;
    char state;
    uint32_t threads;
    uint64_t starttime, ticks, rss_pages;
    bool cpu_valid;
    double cpu_pct;
    char comm[PULSE_COMM_TEXT];
} entry;

typedef struct {
    size_t n, cap;
    entry *e;
} entry_list;

struct pulse_procs {
    char root[1024];
    long clk_tck, page;
    uint64_t prev_mono;
    bool have_prev;
    entry_list prev, cur;
    pulse_stat_raw stat; /* for btime */
    char buf[STAT_BUF];
    char *passwd; /* PASSWD_BUF bytes, read for each scan's top rows */
};

int pulse_procs_new(const char *root, pulse_procs **out)
{
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!root)
        root = "/";
    if (strlen(root) >= 1024)
        return -ENAMETOOLONG;
    pulse_procs *p = calloc(1, sizeof(*p));
    if (!p || !(p->passwd = malloc(PASSWD_BUF))) {
        free(p);
        return -ENOMEM;
    }
    snprintf(p->root, sizeof(p->root), "%s", root);
    p->clk_tck = sysconf(_SC_CLK_TCK);
    p->page = sysconf(_SC_PAGESIZE);
    if (p->clk_tck <= 0)
        p->clk_tck = 100;
    if (p->page <= 0)
        p->page = 4096;
    *out = p;
    return 0;
}

void pulse_procs_free(pulse_procs *p)
{
    if (!p)
        return;
    free(p->prev.e);
    free(p->cur.e);
    free(p->passwd);
    free(p);
}

void pulse_procs_reset(pulse_procs *p)
{
    if (p)
        p->have_prev = false;
}

static int list_push(entry_list *l, const entry *e)
{
    if (l->n == l->cap) {
        if (l->cap >= PULSE_PROCS_MAX)
            return -ENOSPC;
        size_t cap = l->cap ? l->cap * 2 : 256;
        entry *ne = realloc(l->e, cap * sizeof(*ne));
        if (!ne)
            return -ENOMEM;
        l->e = ne;
        l->cap = cap;
    }
    l->e[l->n++] = *e;
    return 0;
}

/* Reads one /proc/[pid]/stat; false when the process vanished or the text is not parseable. */
static bool read_entry(pulse_procs *p, const char *pid, entry *e)
{
    char rel[64];
    snprintf(rel, sizeof(rel), "proc/%s/stat", pid);
    ssize_t n = pulse_read_file(p->root, rel, p->buf, sizeof(p->buf));
    pulse_pid_stat st;
    if (n <= 0 || pulse_parse_pid_stat(p->buf, (size_t)n, &st) < 0)
        return false;
    *e = (entry){.pid = st.pid,
                 .state = st.state,
                 .threads = st.threads,
                 .starttime = st.starttime,
                 .ticks = st.utime + st.stime,
                 .rss_pages = st.rss_pages};
    memcpy(e->comm, st.comm, sizeof(e->comm));
    return true;
}

static const entry *find_prev(const entry_list *l, int32_t pid)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->e[mid].pid == pid)
            return &l->e[mid];
        if (l->e[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int by_pid(const void *a, const void *b)
{
    int32_t x = ((const entry *)a)->pid, y = ((const entry *)b)->pid;
    return (x > y) - (x < y);
}

/* CPU share against the previous scan: same pid and same start time (pids are reused). */
static void compute_cpu(pulse_procs *p, double dt_s)
{
    for (size_t i = 0; i < p->cur.n; i++) {
        entry *e = &p->cur.e[i];
        const entry *a = p->have_prev ? find_prev(&p->prev, e->pid) : NULL;
        if (!a || a->starttime != e->starttime || e->ticks < a->ticks || dt_s <= 0)
            continue;
        e->cpu_valid = true;
        e->cpu_pct = (double)(e->ticks - a->ticks) * 100.0 / ((double)p->clk_tck * dt_s);
    }
}

static int scan_dir(pulse_procs *p, pulse_proc_top *out)
{
    char path[1100];
    int rc = pulse_join_path(path, sizeof(path), p->root, "proc");
    if (rc < 0)
        return rc;
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    p->cur.n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        entry e;
        if (!pulse_is_pid_name(de->d_name) || strlen(de->d_name) > 10)
            continue;
        if (!read_entry(p, de->d_name, &e)) {
            out->unreadable++;
            continue;
        }
        out->total++;
        if (list_push(&p->cur, &e) == -ENOMEM) {
            closedir(d);
            return -ENOMEM;
        }
    }
    closedir(d);
    qsort(p->cur.e, p->cur.n, sizeof(*p->cur.e), by_pid);
    return 0;
}

/* Keeps the k best entries of the list in best[] (insertion into a short sorted array). */
static int top_k(const entry_list *l, int (*cmp)(const entry *, const entry *), const entry **best,
                 int k)
{
    int n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const entry *e = &l->e[i];
        int j = n < k ? n++ : k;
        if (j == k && cmp(e, best[k - 1]) <= 0)
            continue;
        if (j == k)
            j = k - 1;
        while (j > 0 && cmp(e, best[j - 1]) > 0) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = e;
    }
    return n;
}

static int cmp_cpu(const entry *a, const entry *b)
{
    double x = a->cpu_valid ? a->cpu_pct : -1, y = b->cpu_valid ? b->cpu_pct : -1;
    if (x != y)
        return x > y ? 1 : -1;
    return (a->rss_pages > b->rss_pages) - (a->rss_pages < b->rss_pages);
}

static int cmp_mem(const entry *a, const entry *b)
{
    if (a->rss_pages != b->rss_pages)
        return a->rss_pages > b->rss_pages ? 1 : -1;
    return (a->pid < b->pid) - (a->pid > b->pid);
}

/* The owner's name from /proc/[pid]/status and /etc/passwd: the uid as digits when passwd has
 * no entry (LDAP users), "" when the process is gone. */
static void resolve_user(pulse_procs *p, size_t pwlen, int32_t pid, char *user)
{
    char rel[64];
    uint32_t uid;
    user[0] = '\0';
    snprintf(rel, sizeof(rel), "proc/%d/status", (int)pid);
    ssize_t n = pulse_read_file(p->root, rel, p->buf, sizeof(p->buf));
    if (n <= 0 || pulse_parse_status_uid(p->buf, (size_t)n, &uid) < 0)
        return;
    if (pulse_parse_passwd_name(p->passwd, pwlen, uid, user, PULSE_USER_LEN) < 0)
        snprintf(user, PULSE_USER_LEN, "%u", uid);
}

static void fill_row(pulse_procs *p, size_t pwlen, const entry *e, pulse_proc *r)
{
    *r = (pulse_proc){.pid = e->pid,
                      .state = e->state,
                      .cpu_valid = e->cpu_valid,
                      .cpu_pct = e->cpu_pct,
                      .threads = e->threads,
                      .rss = e->rss_pages * (uint64_t)p->page};
    memcpy(r->name, e->comm, sizeof(r->name));
    if (p->stat.btime)
        r->start_ms = (int64_t)(p->stat.btime * 1000 + e->starttime * 1000 / (uint64_t)p->clk_tck);
    resolve_user(p, pwlen, e->pid, r->user);
}

static void read_btime(pulse_procs *p)
{
    /* btime sits after the CPU lines; the passwd buffer is free scratch at this point. */
    ssize_t n = pulse_read_file(p->root, "proc/stat", p->passwd, PASSWD_BUF);
    if (n < 0 || pulse_parse_stat(p->passwd, (size_t)n, &p->stat) < 0)
        p->stat.btime = 0;
}

int pulse_procs_scan(pulse_procs *p, int64_t ts_ms, uint64_t mono_ms, pulse_proc_top *out)
{
    if (!p || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->ts_ms = ts_ms;
    int rc = scan_dir(p, out);
    if (rc < 0)
        return rc;
    double dt_s = p->have_prev ? ((double)mono_ms - (double)p->prev_mono) / 1000.0 : 0;
    compute_cpu(p, dt_s);
    out->has_rates = p->have_prev && dt_s > 0;
    read_btime(p);
    ssize_t pw = pulse_read_file(p->root, "etc/passwd", p->passwd, PASSWD_BUF);
    size_t pwlen = pw > 0 ? (size_t)pw : 0;
    if (pw <= 0)
        p->passwd[0] = '\0';
    const entry *best[PULSE_PROCS_TOP];
    out->n_cpu = top_k(&p->cur, cmp_cpu, best, PULSE_PROCS_TOP);
    for (int i = 0; i < out->n_cpu; i++)
        fill_row(p, pwlen, best[i], &out->by_cpu[i]);
    out->n_mem = top_k(&p->cur, cmp_mem, best, PULSE_PROCS_TOP);
    for (int i = 0; i < out->n_mem; i++)
        fill_row(p, pwlen, best[i], &out->by_mem[i]);
    entry_list t = p->prev;
    p->prev = p->cur;
    p->cur = t;
    p->prev_mono = mono_ms;
    p->have_prev = true;
    return 0;
}
