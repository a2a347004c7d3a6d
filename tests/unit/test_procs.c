/* The process table on fixture trees: CPU shares between two scans, pid reuse, vanished and
 * unreadable entries, odd names, users, and a container-like /proc with few fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/host_json.h"
#include "metrics/procs.h"
#include "pulse_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void root_of(char *out, size_t cap, const char *name)
{
    const char *f = getenv("PULSE_FIXTURES");
    snprintf(out, cap, "%s/proc/%s", f ? f : "tests/fixtures", name);
}

static const pulse_proc *find(const pulse_proc *rows, int n, int pid)
{
    for (int i = 0; i < n; i++)
        if (rows[i].pid == pid)
            return &rows[i];
    return NULL;
}

/* Scans t0 then t1 with one scanner whose root is a symlink switched between the trees. */
static void scan_pair(pulse_proc_top *a, pulse_proc_top *b)
{
    char r0[1024], r1[1024], dir[] = "/tmp/pulse-procs-XXXXXX", link[64];
    root_of(r0, sizeof(r0), "procs_t0");
    root_of(r1, sizeof(r1), "procs_t1");
    assert_non_null(mkdtemp(dir));
    snprintf(link, sizeof(link), "%s/root", dir);
    assert_int_equal(symlink(r0, link), 0);
    pulse_procs *p = NULL;
    assert_int_equal(pulse_procs_new(link, &p), 0);
    assert_int_equal(pulse_procs_scan(p, 1000, 0, a), 0);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink(r1, link), 0);
    assert_int_equal(pulse_procs_scan(p, 6000, 5000, b), 0);
    pulse_procs_free(p);
    unlink(link);
    rmdir(dir);
}

static void test_first_scan_has_no_rates(void **state)
{
    (void)state;
    char r0[1024];
    root_of(r0, sizeof(r0), "procs_t0");
    pulse_procs *p = NULL;
    pulse_proc_top t;
    assert_int_equal(pulse_procs_new(r0, &p), 0);
    assert_int_equal(pulse_procs_scan(p, 1000, 0, &t), 0);
    assert_false(t.has_rates);
    assert_int_equal(t.total, 7);
    assert_int_equal(t.unreadable, 0);
    assert_int_equal(t.n_cpu, 7);
    for (int i = 0; i < t.n_cpu; i++)
        assert_false(t.by_cpu[i].cpu_valid);
    /* Memory order: rss pages x page size, highest first. */
    long page = sysconf(_SC_PAGESIZE);
    assert_int_equal(t.by_mem[0].pid, 100);
    assert_int_equal(t.by_mem[0].rss, 20000 * (uint64_t)page);
    assert_int_equal(t.by_mem[1].pid, 200);
    const pulse_proc *pr = find(t.by_mem, t.n_mem, 100);
    assert_non_null(pr);
    assert_string_equal(pr->name, "my (weird) prog");
    assert_string_equal(pr->user, "alice");
    assert_int_equal(pr->threads, 4);
    assert_int_equal(pr->state, 'R');
    long tck = sysconf(_SC_CLK_TCK);
    assert_int_equal(pr->start_ms, 1700000000000LL + 1000 * 1000 / tck);
    assert_string_equal(find(t.by_mem, t.n_mem, 300)->user, "4242"); /* not in passwd */
    assert_string_equal(find(t.by_mem, t.n_mem, 200)->user, "www-data");
    pulse_procs_free(p);
}

static void test_cpu_shares_and_churn(void **state)
{
    (void)state;
    pulse_proc_top a, b;
    scan_pair(&a, &b);
    assert_true(b.has_rates);
    assert_int_equal(b.total, 7);      /* 1 2 100 200 300 400 600 */
    assert_int_equal(b.unreadable, 2); /* 700 has no stat (vanished), 800's is cut short */
    long tck = sysconf(_SC_CLK_TCK);
    /* pid 100: 250 ticks in 5 s = 50 ticks/s; at 100 ticks/s that is 50 % of one core. */
    assert_int_equal(b.by_cpu[0].pid, 100);
    assert_near(b.by_cpu[0].cpu_pct, 250.0 * 100.0 / (5.0 * (double)tck), 1e-9);
    assert_int_equal(b.by_cpu[1].pid, 200);
    assert_near(b.by_cpu[1].cpu_pct, 50.0 * 100.0 / (5.0 * (double)tck), 1e-9);
    /* pid 400 was reused (other start time) and 600 is new: no share yet. */
    const pulse_proc *r = find(b.by_cpu, b.n_cpu, 400), *n = find(b.by_cpu, b.n_cpu, 600);
    assert_non_null(r);
    assert_false(r->cpu_valid);
    assert_non_null(n);
    assert_false(n->cpu_valid);
    assert_null(find(b.by_cpu, b.n_cpu, 500)); /* gone */
    assert_true(find(b.by_cpu, b.n_cpu, 2)->cpu_valid);
    assert_near(find(b.by_cpu, b.n_cpu, 2)->cpu_pct, 0, 1e-9);
}

static void test_json_is_valid_for_odd_names(void **state)
{
    (void)state;
    pulse_proc_top a, b;
    scan_pair(&a, &b);
    json_t *o = NULL;
    assert_int_equal(pulse_processes_json(&b, 5000, &o), 0);
    char *text = json_dumps(o, 0);
    assert_non_null(text);
    json_error_t err;
    json_t *back = json_loads(text, 0, &err); /* jansson refuses invalid UTF-8 */
    assert_non_null(back);
    json_t *rows = json_object_get(back, "by_cpu");
    assert_int_equal(json_array_size(rows), 7);
    json_t *first = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "my (weird) prog");
    assert_string_equal(json_string_value(json_object_get(first, "state")), "R");
    assert_int_equal(json_integer_value(json_object_get(back, "period_ms")), 5000);
    assert_int_equal(json_integer_value(json_object_get(back, "unreadable")), 2);
    json_t *last = json_array_get(rows, 6);
    assert_true(json_is_null(json_object_get(last, "cpu")));
    free(text);
    json_decref(o);
    json_decref(back);
}

static void test_container_few_fields(void **state)
{
    (void)state;
    char r[1024];
    root_of(r, sizeof(r), "container");
    pulse_procs *p = NULL;
    pulse_proc_top t;
    assert_int_equal(pulse_procs_new(r, &p), 0);
    assert_int_equal(pulse_procs_scan(p, 1000, 0, &t), 0);
    assert_int_equal(t.total, 1);
    assert_string_equal(t.by_cpu[0].name, "sh");
    assert_string_equal(t.by_cpu[0].user, ""); /* no Uid line: unknown, null in JSON */
    assert_int_equal(t.by_cpu[0].start_ms, 0); /* no btime: null in JSON */
    json_t *o = NULL;
    assert_int_equal(pulse_processes_json(&t, 5000, &o), 0);
    json_t *row = json_array_get(json_object_get(o, "by_cpu"), 0);
    assert_true(json_is_null(json_object_get(row, "user")));
    assert_true(json_is_null(json_object_get(row, "start")));
    json_decref(o);
    pulse_procs_free(p);
}

static void test_missing_proc(void **state)
{
    (void)state;
    pulse_procs *p = NULL;
    pulse_proc_top t;
    assert_int_equal(pulse_procs_new("/nonexistent/pulse", &p), 0);
    assert_int_equal(pulse_procs_scan(p, 1, 0, &t), -ENOENT);
    pulse_procs_free(p);
    assert_int_equal(pulse_procs_new(NULL, NULL), -EINVAL);
}

static void test_host_proc(void **state)
{
    (void)state;
    pulse_procs *p = NULL;
    pulse_proc_top t;
    assert_int_equal(pulse_procs_new(NULL, &p), 0);
    assert_int_equal(pulse_procs_scan(p, 1, 0, &t), 0);
    assert_int_equal(pulse_procs_scan(p, 2, 1000, &t), 0);
    assert_true(t.has_rates);
    assert_true(t.total >= 1);
    assert_true(find(t.by_mem, t.n_mem, getpid()) || t.n_mem == PULSE_PROCS_TOP);
    pulse_procs_free(p);
}

static void put(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* One process, pid 10, with the given start time and uid, in a tree under dir. */
static void put_proc(const char *dir, int start, int uid)
{
    char text[256];
    snprintf(text, sizeof(text),
             "10 (worker) S 1 1 1 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 %d 1000 50 0 0\n", start);
    put(dir, "proc/10/stat", text);
    snprintf(text, sizeof(text), "Name:\tworker\nUid:\t%d\t%d\t%d\t%d\n", uid, uid, uid, uid);
    put(dir, "proc/10/status", text);
}

/* The owner is read once per process (pid + start time) and again after 12 scans; a reused pid
 * is a new process whose owner is read at once. */
static void test_owner_remembered_per_process(void **state)
{
    (void)state;
    char dir[] = "/tmp/pulse-owner-XXXXXX", sub[600];
    assert_non_null(mkdtemp(dir));
    const char *dirs[] = {"proc", "proc/10", "etc"};
    for (int i = 0; i < 3; i++) {
        snprintf(sub, sizeof(sub), "%s/%s", dir, dirs[i]);
        assert_int_equal(mkdir(sub, 0700), 0);
    }
    put(dir, "etc/passwd", "alice:x:1000:1000::/:/bin/sh\nwww-data:x:33:33::/:/bin/sh\n");
    put(dir, "proc/stat", "cpu 1 2 3 4 5 6 7 8\nbtime 1700000000\n");
    put_proc(dir, 500, 1000);
    pulse_procs *p = NULL;
    pulse_proc_top t;
    assert_int_equal(pulse_procs_new(dir, &p), 0);
    assert_int_equal(pulse_procs_scan(p, 1, 0, &t), 0);
    assert_string_equal(t.by_cpu[0].user, "alice");
    put_proc(dir, 500, 33); /* same process changed uid: seen at the next re-read */
    assert_int_equal(pulse_procs_scan(p, 2, 1000, &t), 0);
    assert_string_equal(t.by_cpu[0].user, "alice");
    for (int i = 0; i < 11; i++)
        assert_int_equal(pulse_procs_scan(p, 3 + i, 2000 + 1000 * (uint64_t)i, &t), 0);
    assert_string_equal(t.by_cpu[0].user, "www-data");
    put_proc(dir, 900, 1000); /* pid reused by a new process: read at once */
    assert_int_equal(pulse_procs_scan(p, 20, 20000, &t), 0);
    assert_string_equal(t.by_cpu[0].user, "alice");
    assert_int_equal(t.by_cpu[0].start_ms, 1700000000000LL + 900 * 1000 / sysconf(_SC_CLK_TCK));
    pulse_procs_free(p);
    const char *files[] = {"proc/10/stat", "proc/10/status", "proc/stat", "etc/passwd",
                           "proc/10",      "proc",           "etc",       ""};
    for (int i = 0; i < 8; i++) {
        snprintf(sub, sizeof(sub), "%s/%s", dir, files[i]);
        assert_int_equal(remove(sub), 0);
    }
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* On the host: a child is seen through its kept descriptor, disappears once reaped (the kept
 * descriptor then fails and is closed), and freeing the scanner leaves no descriptor open. */
static void test_kept_descriptors_follow_processes(void **state)
{
    (void)state;
    int before = open_fds();
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    pulse_procs *p = NULL;
    pulse_proc_top t;
    assert_int_equal(pulse_procs_new(NULL, &p), 0);
    assert_int_equal(pulse_procs_scan(p, 1, 0, &t), 0);
    assert_true(open_fds() > before + 1); /* stat descriptors kept */
    uint32_t with_child = t.total;
    assert_int_equal(pulse_procs_scan(p, 2, 1000, &t), 0);
    assert_true(t.has_rates);
    kill(child, SIGKILL);
    assert_int_equal(waitpid(child, NULL, 0), child);
    assert_int_equal(pulse_procs_scan(p, 3, 2000, &t), 0);
    assert_true(t.total < with_child + 8); /* other processes may come and go meanwhile */
    assert_null(find(t.by_mem, t.n_mem, child));
    assert_null(find(t.by_cpu, t.n_cpu, child));
    pulse_procs_reset(p); /* nobody subscribes: every kept descriptor is closed */
    assert_int_equal(open_fds(), before);
    assert_int_equal(pulse_procs_scan(p, 4, 3000, &t), 0);
    assert_false(t.has_rates);
    pulse_procs_free(p);
    assert_int_equal(open_fds(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_scan_has_no_rates),
        cmocka_unit_test(test_cpu_shares_and_churn),
        cmocka_unit_test(test_json_is_valid_for_odd_names),
        cmocka_unit_test(test_container_few_fields),
        cmocka_unit_test(test_missing_proc),
        cmocka_unit_test(test_host_proc),
        cmocka_unit_test(test_owner_remembered_per_process),
        cmocka_unit_test(test_kept_descriptors_follow_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
