#include "metrics/procs.h"

#include "metrics/procfs_read.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STAT_BUF 4096
#define PASSWD_BUF (64 * 1024)
#define USER_CACHE 64    /* owners remembered: more than both top lists together */
#define USER_RECHECK 12u /* scans before a remembered owner is read again (setuid daemons) */

typedef struct {
    int32_t pid;
    char state;
    uint32_t threads;
    uint64_t starttime, ticks, rss_pages;
    bool cpu_valid;
    double cpu_pct;
    int fd; /* /proc/[pid]/stat kept open for the next scan, or -1 */
    char comm[PULSE_COMM_TEXT];
} entry;

typedef struct {
    size_t n, cap;
    entry *e;
} entry_list;

/* The owner of one process (pid + start time), read from status + passwd when it first made a
 * top list and again every USER_RECHECK scans. */
typedef struct {
    int32_t pid;
    uint64_t starttime;
    uint64_t read_scan, used_scan;
    char user[PULSE_USER_LEN];
} user_slot;

struct pulse_procs {
    char root[1024];
    long clk_tck, page;
    uint64_t prev_mono;
    bool have_prev;
    entry_list prev, cur;
    pulse_stat_raw stat; /* for btime, read until found (it does not change) */
    int proc_fd;         /* root/proc during a scan, -1 otherwise */
    dev_t proc_dev;      /* identity of root/proc when the kept descriptors were opened */
    ino_t proc_ino;
    size_t kept; /* stat descriptors kept open by this scan (at most PULSE_PROCS_KEEP_FDS) */
    uint64_t scan_no;
    size_t pwlen;
    bool pw_read; /* passwd read this scan (only when an owner is not remembered) */
    user_slot users[USER_CACHE];
    char buf[STAT_BUF];
    char *passwd; /* PASSWD_BUF bytes */
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
    p->proc_fd = -1;
    p->clk_tck = sysconf(_SC_CLK_TCK);
    p->page = sysconf(_SC_PAGESIZE);
    if (p->clk_tck <= 0)
        p->clk_tck = 100;
    if (p->page <= 0)
        p->page = 4096;
    *out = p;
    return 0;
}

/* Closes the stat descriptors a list still holds. */
static void drop_fds(entry_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->e[i].fd >= 0) {
            close(l->e[i].fd);
            l->e[i].fd = -1;
        }
}

void pulse_procs_free(pulse_procs *p)
{
    if (!p)
        return;
    drop_fds(&p->prev);
    drop_fds(&p->cur);
    free(p->prev.e);
    free(p->cur.e);
    free(p->passwd);
    free(p);
}

void pulse_procs_reset(pulse_procs *p)
{
    if (!p)
        return;
    p->have_prev = false;
    drop_fds(&p->prev); /* nobody holds a descriptor of /proc while nobody subscribes */
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

/* rel = pid + suffix; pid is at most 10 digits (checked by the caller), suffix short. */
static void pid_rel(char *rel, const char *pid, const char *suffix)
{
    size_t a = strlen(pid), b = strlen(suffix);
    memcpy(rel, pid, a);
    memcpy(rel + a, suffix, b + 1);
}

static entry *find_prev(const entry_list *l, int32_t pid)
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

static ssize_t pread_text(int fd, char *buf, size_t cap)
{
    ssize_t r;
    do
        r = pread(fd, buf, cap - 1, 0);
    while (r < 0 && errno == EINTR);
    if (r >= 0)
        buf[r] = '\0';
    return r;
}

/* The text of /proc/[pid]/stat into p->buf: through the descriptor the previous scan kept
 * (pread at 0 makes the kernel write it afresh; a process that exited, or a pid reused, gives
 * ESRCH), else a new openat. *fd is left open on success, -1 otherwise. */
static ssize_t read_stat(pulse_procs *p, const char *name, int32_t pid, int *fd)
{
    entry *old = find_prev(&p->prev, pid);
    *fd = old ? old->fd : -1;
    if (old)
        old->fd = -1; /* ownership moves to this scan's entry */
    ssize_t n = *fd >= 0 ? pread_text(*fd, p->buf, sizeof(p->buf)) : -1;
    if (n <= 0 && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    if (*fd < 0) {
        char rel[32];
        pid_rel(rel, name, "/stat");
        *fd = openat(p->proc_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        n = *fd >= 0 ? pread_text(*fd, p->buf, sizeof(p->buf)) : -1;
    }
    if (n <= 0 && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return n;
}

/* Reads one /proc/[pid]/stat; false when the process vanished or the text is not parseable. */
static bool read_entry(pulse_procs *p, const char *name, entry *e)
{
    int fd;
    ssize_t n = read_stat(p, name, (int32_t)strtol(name, NULL, 10), &fd);
    pulse_pid_stat st;
    if (n <= 0 || pulse_parse_pid_stat(p->buf, (size_t)n, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    if (fd >= 0 && p->kept >= PULSE_PROCS_KEEP_FDS) {
        close(fd);
        fd = -1;
    }
    p->kept += fd >= 0;
    *e = (entry){.pid = st.pid,
                 .state = st.state,
                 .threads = st.threads,
                 .starttime = st.starttime,
                 .ticks = st.utime + st.stime,
                 .rss_pages = st.rss_pages,
                 .fd = fd};
    memcpy(e->comm, st.comm, sizeof(e->comm));
    return true;
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

/* Opens root/proc as a directory stream whose fd the per-process reads are relative to. */
static int open_proc(pulse_procs *p, DIR **out)
{
    char path[1100];
    int rc = pulse_join_path(path, sizeof(path), p->root, "proc");
    if (rc < 0)
        return rc;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        rc = -errno;
        if (fd >= 0)
            close(fd);
        return rc;
    }
    p->proc_fd = dirfd(d);
    struct stat st;
    if (fstat(p->proc_fd, &st) == 0 && (st.st_dev != p->proc_dev || st.st_ino != p->proc_ino)) {
        drop_fds(&p->prev); /* another /proc (a test's fixture tree): its files, not these */
        p->proc_dev = st.st_dev;
        p->proc_ino = st.st_ino;
    }
    *out = d;
    return 0;
}

static int scan_dir(pulse_procs *p, DIR *d, pulse_proc_top *out)
{
    int rc;
    p->cur.n = 0;
    p->kept = 0;
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
        rc = list_push(&p->cur, &e);
        if (rc < 0 && e.fd >= 0)
            close(e.fd);
        if (rc == -ENOMEM)
            return -ENOMEM;
    }
    drop_fds(&p->prev); /* the processes that exited */
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

/* The owner's name from /proc/[pid]/status and /etc/passwd (read at most once per scan): the
 * uid as digits when passwd has no entry (LDAP users), "" when the process is gone. */
static void read_user(pulse_procs *p, int32_t pid, char *user)
{
    char rel[32], digits[16];
    uint32_t uid;
    user[0] = '\0';
    snprintf(digits, sizeof(digits), "%d", (int)pid);
    pid_rel(rel, digits, "/status");
    ssize_t n = pulse_read_once_at(p->proc_fd, rel, p->buf, sizeof(p->buf));
    if (n <= 0 || pulse_parse_status_uid(p->buf, (size_t)n, &uid) < 0)
        return;
    if (!p->pw_read) {
        ssize_t pw = pulse_read_file(p->root, "etc/passwd", p->passwd, PASSWD_BUF);
        p->pwlen = pw > 0 ? (size_t)pw : 0;
        p->pw_read = true;
    }
    if (pulse_parse_passwd_name(p->passwd, p->pwlen, uid, user, PULSE_USER_LEN) < 0)
        snprintf(user, PULSE_USER_LEN, "%u", uid);
}

/* The remembered owner of e (same pid and start time), read again when it is USER_RECHECK
 * scans old; a new process takes the least recently used slot. */
static void resolve_user(pulse_procs *p, const entry *e, char *user)
{
    user_slot *hit = NULL, *lru = &p->users[0];
    for (int i = 0; i < USER_CACHE; i++) {
        user_slot *s = &p->users[i];
        if (s->used_scan && s->pid == e->pid && s->starttime == e->starttime)
            hit = s;
        if (s->used_scan < lru->used_scan)
            lru = s;
    }
    if (!hit || p->scan_no - hit->read_scan >= USER_RECHECK) {
        hit = hit ? hit : lru;
        *hit = (user_slot){
            .pid = e->pid, .starttime = e->starttime, .read_scan = p->scan_no, .user = {0}};
        read_user(p, e->pid, hit->user);
    }
    hit->used_scan = p->scan_no;
    memcpy(user, hit->user, PULSE_USER_LEN);
}

static void fill_row(pulse_procs *p, const entry *e, pulse_proc *r)
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
    resolve_user(p, e, r->user);
}

/* Boot time from /proc/stat, read until it is known (it never changes afterwards). */
static void read_btime(pulse_procs *p)
{
    if (p->stat.btime)
        return;
    /* btime sits after the CPU lines; the passwd buffer is free scratch at this point. */
    ssize_t n = pulse_read_file(p->root, "proc/stat", p->passwd, PASSWD_BUF);
    if (n < 0 || pulse_parse_stat(p->passwd, (size_t)n, &p->stat) < 0)
        p->stat.btime = 0;
}

static void fill_tops(pulse_procs *p, pulse_proc_top *out)
{
    const entry *best[PULSE_PROCS_TOP];
    p->pw_read = false;
    out->n_cpu = top_k(&p->cur, cmp_cpu, best, PULSE_PROCS_TOP);
    for (int i = 0; i < out->n_cpu; i++)
        fill_row(p, best[i], &out->by_cpu[i]);
    out->n_mem = top_k(&p->cur, cmp_mem, best, PULSE_PROCS_TOP);
    for (int i = 0; i < out->n_mem; i++)
        fill_row(p, best[i], &out->by_mem[i]);
}

int pulse_procs_scan(pulse_procs *p, int64_t ts_ms, uint64_t mono_ms, pulse_proc_top *out)
{
    if (!p || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->ts_ms = ts_ms;
    DIR *d = NULL;
    int rc = open_proc(p, &d);
    if (rc == 0)
        rc = scan_dir(p, d, out);
    if (rc < 0) {
        if (d)
            closedir(d);
        p->proc_fd = -1;
        drop_fds(&p->prev);
        drop_fds(&p->cur);
        p->cur.n = 0;
        return rc;
    }
    p->scan_no++;
    double dt_s = p->have_prev ? ((double)mono_ms - (double)p->prev_mono) / 1000.0 : 0;
    compute_cpu(p, dt_s);
    out->has_rates = p->have_prev && dt_s > 0;
    read_btime(p);
    fill_tops(p, out);
    closedir(d);
    p->proc_fd = -1;
    entry_list t = p->prev;
    p->prev = p->cur;
    p->cur = t;
    p->prev_mono = mono_ms;
    p->have_prev = true;
    return 0;
}
