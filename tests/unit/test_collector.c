/* Collector parsing and rate computation against recorded and hand-made /proc text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/collector.h"
#include "pulse_test.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EPS 1e-9

static const char *fixtures(void)
{
    const char *f = getenv("PULSE_FIXTURES");
    return f ? f : "tests/fixtures";
}

static char *load(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/proc/%s", fixtures(), rel);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open fixture %s (set PULSE_FIXTURES)", path);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

static void root_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/proc/%s", fixtures(), name);
}

static void parse_stat_file(const char *rel, pulse_stat_raw *out)
{
    size_t len;
    char *t = load(rel, &len);
    assert_int_equal(pulse_parse_stat(t, len, out), 0);
    free(t);
}

/* Raw readings built from odd/ files so rates can be checked by hand. */
static pulse_raw *raw_from_stat(const char *rel, uint64_t mono_ms)
{
    pulse_raw *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    parse_stat_file(rel, &r->stat);
    r->have = PULSE_HAVE_STAT;
    r->mono_ms = mono_ms;
    return r;
}

static void test_parse_recorded_stat(void **state)
{
    (void)state;
    pulse_stat_raw st;
    parse_stat_file("host_t0/proc/stat", &st);
    assert_true(st.have_total);
    assert_int_equal(st.ncores, 2);
    assert_true(st.online[0] && st.online[1]);
    assert_int_equal(st.total.user, 4360);
    assert_int_equal(st.total.system, 2513);
    assert_int_equal(st.total.idle, 55083);
    assert_int_equal(st.total.iowait, 527);
    assert_int_equal(st.total.softirq, 62);
    assert_int_equal(st.total.steal, 19);
    assert_int_equal(st.cores[1].idle, 26692);
}

static void test_stat_rejects_garbage(void **state)
{
    (void)state;
    pulse_stat_raw st;
    const char *t = "hello world\nintr 1 2 3\n";
    assert_int_equal(pulse_parse_stat(t, strlen(t), &st), -EINVAL);
    const char *big = "cpu  99999999999999999999999 1 2 3\n";
    assert_int_equal(pulse_parse_stat(big, strlen(big), &st), -EINVAL);
}

static void test_recorded_pair_rates(void **state)
{
    (void)state;
    char r0[1024], r1[1024];
    root_path(r0, sizeof(r0), "host_t0");
    root_path(r1, sizeof(r1), "host_t1");
    static pulse_raw a, b;
    static char buf[PULSE_READ_BUF_DEFAULT];
    assert_int_equal(pulse_read_raw(r0, buf, sizeof(buf), 1000, &a), 0);
    assert_int_equal(pulse_read_raw(r1, buf, sizeof(buf), 2000, &b), 0);
    static pulse_sample s;
    assert_int_equal(pulse_compute_sample(&a, &b, 1700000000000, &s), 0);
    assert_true(s.has_rates);
    assert_true(s.cpu.valid);
    /* t0 -> t1: system +1, idle +200, nothing else moved. */
    assert_near(s.cpu.usage, 100.0 / 201.0, EPS);
    assert_near(s.cpu.system, 100.0 / 201.0, EPS);
    assert_near(s.cpu.idle, 20000.0 / 201.0, EPS);
    assert_near(s.cpu.user, 0, EPS);
    assert_int_equal(s.ncores, 2);
    assert_near(s.cores[0].usage, 100.0 / 101.0, EPS);
    assert_int_equal(s.mem.total, 24684084ULL * 1024);
    assert_int_equal(s.mem.available, 24316104ULL * 1024);
    assert_int_equal(s.mem.used, (24684084ULL - 24316104ULL) * 1024);
    assert_near(s.mem.usage, (24684084.0 - 24316104.0) * 100.0 / 24684084.0, EPS);
    assert_int_equal(s.mem.cached, 1387072ULL * 1024);
    assert_int_equal(a.processes, 3); /* fixture dirs 1, 17, 230; "self" is not a pid */
    assert_near(s.uptime_s, 315.62, EPS);
    assert_near(a.uptime_s, 314.61, EPS);
    assert_near(a.load.load1, 0.39, EPS);
    assert_int_equal(a.load.threads, 85);
    assert_int_equal(s.disk.count, 1); /* vda; loop*, zram0 excluded */
    assert_string_equal(s.disk.disks[0].name, "vda");
    assert_true(s.net.count >= 2);
}

static void test_first_sample_has_no_rates(void **state)
{
    (void)state;
    char r0[1024];
    root_path(r0, sizeof(r0), "host_t0");
    static pulse_raw a;
    static char buf[4096];
    assert_int_equal(pulse_read_raw(r0, buf, sizeof(buf), 5, &a), 0);
    static pulse_sample s;
    assert_int_equal(pulse_compute_sample(NULL, &a, 42, &s), 0);
    assert_false(s.has_rates);
    assert_false(s.cpu.valid);
    assert_int_equal(s.ts_ms, 42);
    double v;
    assert_int_equal(pulse_sample_metric(&s, "cpu.usage", &v), -ENODATA);
    assert_int_equal(pulse_sample_metric(&s, "network.rx_bps", &v), -ENODATA);
    assert_int_equal(pulse_sample_metric(&s, "memory.used", &v), 0);
    assert_near(v, (24684084.0 - 24317028.0) * 1024, EPS);
    assert_int_equal(pulse_sample_metric(&s, "load.1m", &v), 0);
    assert_near(v, 0.39, EPS);
    assert_int_equal(pulse_sample_metric(&s, "cpu.bogus", &v), -ENOENT);
    for (int i = 0; i < s.net.count; i++)
        assert_false(s.net.ifaces[i].valid);
}

static void test_cpu_goes_offline(void **state)
{
    (void)state;
    pulse_raw *a = raw_from_stat("odd/stat_a.txt", 1000);
    pulse_raw *b = raw_from_stat("odd/stat_b_cpu2_offline.txt", 2000);
    static pulse_sample s;
    assert_int_equal(pulse_compute_sample(a, b, 1, &s), 0);
    assert_int_equal(s.ncores, 4);
    assert_int_equal(s.online_cores, 3);
    assert_true(s.cpu.valid);
    /* Aggregate: user +60, system +10, idle +220, iowait +10 = 300 ticks. */
    assert_near(s.cpu.usage, 70.0 / 3.0, EPS);
    assert_near(s.cpu.user, 20.0, EPS);
    assert_near(s.cpu.system, 10.0 / 3.0, EPS);
    assert_near(s.cpu.iowait, 10.0 / 3.0, EPS);
    assert_near(s.cpu.idle, 220.0 / 3.0, EPS);
    assert_true(s.cores[0].valid);
    assert_near(s.cores[0].usage, 60.0, EPS);
    assert_near(s.cores[1].usage, 10.0, EPS);
    assert_near(s.cores[1].iowait, 10.0, EPS);
    assert_false(s.cores[2].valid);
    assert_near(s.cores[3].usage, 0.0, EPS);
    free(a);
    free(b);
}

static void test_cpu_comes_back_online(void **state)
{
    (void)state;
    pulse_raw *b = raw_from_stat("odd/stat_b_cpu2_offline.txt", 2000);
    pulse_raw *c = raw_from_stat("odd/stat_c_cpu2_online.txt", 3000);
    static pulse_sample s;
    assert_int_equal(pulse_compute_sample(b, c, 1, &s), 0);
    assert_int_equal(s.ncores, 4);
    assert_false(s.cores[2].valid); /* no previous reading for it */
    assert_true(s.cores[0].valid && s.cores[1].valid && s.cores[3].valid);
    assert_near(s.cores[3].usage, 10.0 / 55.0 * 100.0, EPS);
    free(b);
    free(c);
}

static void test_cpu_counters_backwards(void **state)
{
    (void)state;
    pulse_raw *b = raw_from_stat("odd/stat_b_cpu2_offline.txt", 2000);
    pulse_raw *d = raw_from_stat("odd/stat_d_backwards.txt", 3000);
    static pulse_sample s;
    assert_int_equal(pulse_compute_sample(b, d, 1, &s), 0);
    assert_true(s.has_rates);
    assert_false(s.cpu.valid); /* aggregate user went 1060 -> 900 */
    assert_false(s.cores[1].valid);
    assert_true(s.cores[0].valid);
    assert_true(s.cores[0].usage >= 0 && s.cores[0].usage <= 100);
    double v[PULSE_METRIC_COUNT];
    pulse_sample_metrics(&s, v);
    assert_true(isnan(v[PULSE_M_CPU_USAGE]));
    free(b);
    free(d);
}

static void netdev(const char *rel, pulse_raw *r, uint64_t mono)
{
    size_t len;
    char *t = load(rel, &len);
    memset(r, 0, sizeof(*r));
    assert_int_equal(pulse_parse_netdev(t, len, &r->net), 0);
    r->have = PULSE_HAVE_NETDEV;
    r->mono_ms = mono;
    free(t);
}

static const pulse_iface_rate *iface(const pulse_sample *s, const char *name)
{
    for (int i = 0; i < s->net.count; i++)
        if (strcmp(s->net.ifaces[i].name, name) == 0)
            return &s->net.ifaces[i];
    return NULL;
}

static void test_netdev_rates_wrap_and_churn(void **state)
{
    (void)state;
    static pulse_raw a, b;
    static pulse_sample s;
    netdev("odd/netdev_a.txt", &a, 10000);
    netdev("odd/netdev_b.txt", &b, 12000);
    assert_int_equal(a.net.count, 5);
    assert_string_equal(a.net.items[4].name, "enp0s31f6");
    assert_int_equal(a.net.items[4].a, 10000);
    assert_int_equal(pulse_compute_sample(&a, &b, 1, &s), 0);
    assert_int_equal(s.net.count, 5);
    assert_null(iface(&s, "docker0"));
    const pulse_iface_rate *lo = iface(&s, "lo"), *eth0 = iface(&s, "eth0");
    const pulse_iface_rate *eth1 = iface(&s, "eth1"), *wlan0 = iface(&s, "wlan0");
    assert_true(lo && lo->valid);
    assert_near(lo->rx_bps, 1000.0, EPS);
    assert_true(eth0 && !eth0->valid); /* rx went 4294967000 -> 500 */
    assert_true(wlan0 && !wlan0->valid);
    assert_near(eth1->rx_bps, 2000.0, EPS);
    assert_near(eth1->tx_bps, 1000.0, EPS);
    /* eth1 + enp0s31f6; lo, wrapped eth0 and new wlan0 stay out. */
    assert_near(s.net.rx_bps, 12000.0, EPS);
    assert_near(s.net.tx_bps, 1000.0, EPS);
}

static void test_disk_name_rule(void **state)
{
    (void)state;
    const char *whole[] = {"sda",     "sdaa",    "vdb", "xvda", "hda",
                           "nvme0n1", "mmcblk0", "sr0", "nbd0"};
    const char *not_whole[] = {"sda1",   "sdaa12",    "vdb3",  "xvda1",        "nvme0n1p1",
                               "nbd0p2", "mmcblk0p1", "loop0", "mmcblk0boot1", "mmcblk0rpmb",
                               "ram0",   "zram0",     "dm-0",  "md127",        ""};
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
        assert_true(pulse_disk_is_whole(whole[i]));
    for (size_t i = 0; i < sizeof(not_whole) / sizeof(not_whole[0]); i++)
        assert_false(pulse_disk_is_whole(not_whole[i]));
}

static void test_diskstats_rates(void **state)
{
    (void)state;
    static pulse_raw a, b;
    static pulse_sample s;
    size_t la, lb;
    char *ta = load("odd/diskstats_a.txt", &la), *tb = load("odd/diskstats_b.txt", &lb);
    assert_int_equal(pulse_parse_diskstats(ta, la, &a.disk), 0);
    assert_int_equal(pulse_parse_diskstats(tb, lb, &b.disk), 0);
    free(ta);
    free(tb);
    assert_int_equal(a.disk.count, 6);
    const char *names[] = {"sda", "nvme0n1", "mmcblk0", "sr0", "xvda", "vdb"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(a.disk.items[i].name, names[i]);
    a.mono_ms = 0;
    b.mono_ms = 2000;
    assert_int_equal(pulse_compute_sample(&a, &b, 1, &s), 0);
    assert_near(s.disk.disks[0].read_bps, 400.0 * 512 / 2, EPS);
    assert_near(s.disk.disks[0].write_bps, 200.0 * 512 / 2, EPS);
    assert_near(s.disk.read_bps, 1400.0 * 512 / 2, EPS);
    assert_near(s.disk.write_bps, 200.0 * 512 / 2, EPS);
}

static void test_meminfo_without_available(void **state)
{
    (void)state;
    size_t len;
    char *t = load("odd/meminfo_no_available.txt", &len);
    pulse_meminfo m;
    assert_int_equal(pulse_parse_meminfo(t, len, &m), 0);
    free(t);
    assert_int_equal(m.total, 1000000ULL * 1024);
    assert_int_equal(m.available, (200000ULL + 50000 + 250000) * 1024);
    static pulse_raw r;
    static pulse_sample s;
    r.mem = m;
    assert_int_equal(pulse_compute_sample(NULL, &r, 1, &s), 0);
    assert_int_equal(s.mem.used, 500000ULL * 1024);
    assert_near(s.mem.usage, 50.0, EPS);
    assert_int_equal(s.mem.swap_used, 100000ULL * 1024);
    assert_near(s.mem.swap_usage, 20.0, EPS);
    assert_int_equal(pulse_parse_meminfo("Foo: 1 kB\n", 10, &m), -EINVAL);
}

static void test_cgroup(void **state)
{
    (void)state;
    char root[1024];
    static pulse_raw r;
    static pulse_sample s;
    static char buf[PULSE_READ_BUF_DEFAULT];
    root_path(root, sizeof(root), "cgroup_limit");
    assert_int_equal(pulse_read_raw(root, buf, sizeof(buf), 1, &r), 0);
    assert_true(r.cgroup.limited);
    assert_int_equal(pulse_compute_sample(NULL, &r, 1, &s), 0);
    assert_true(s.mem.cgroup_limited);
    assert_int_equal(s.mem.cgroup_limit, 536870912);
    assert_int_equal(s.mem.cgroup_usage, 134217728);
    assert_near(s.mem.cgroup_pct, 25.0, EPS);
    root_path(root, sizeof(root), "cgroup_unlimited");
    assert_int_equal(pulse_read_raw(root, buf, sizeof(buf), 1, &r), 0);
    assert_false(r.cgroup.limited);
    root_path(root, sizeof(root), "host_t0"); /* no sys/fs/cgroup at all */
    assert_int_equal(pulse_read_raw(root, buf, sizeof(buf), 1, &r), 0);
    assert_false(r.cgroup.limited);
}

/* A many-core /proc/stat with a huge intr line, written to a temp root. */
static void write_big_stat(char *root, size_t cap, int cores)
{
    snprintf(root, cap, "/tmp/pulse-collector-XXXXXX");
    assert_non_null(mkdtemp(root));
    char path[1200];
    snprintf(path, sizeof(path), "%s/proc", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/proc/stat", root);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "cpu  %d 0 %d %d 0 0 0 0 0 0\n", cores * 10, cores * 5, cores * 100);
    for (int i = 0; i < cores; i++)
        fprintf(fp, "cpu%d 10 0 5 100 0 0 0 0 0 0\n", i);
    fputs("intr 1", fp);
    for (int i = 0; i < 40000; i++)
        fputs(" 0", fp);
    fputs("\nctxt 1\n", fp);
    fclose(fp);
    snprintf(path, sizeof(path), "%s/proc/meminfo", root);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("MemTotal: 1000 kB\nMemAvailable: 500 kB\n", fp);
    fclose(fp);
}

static void remove_big_stat(const char *root)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/proc/stat", root);
    unlink(path);
    snprintf(path, sizeof(path), "%s/proc/meminfo", root);
    unlink(path);
    snprintf(path, sizeof(path), "%s/proc", root);
    rmdir(path);
    rmdir(root);
}

static void test_large_stat_and_truncation(void **state)
{
    (void)state;
    char root[256];
    write_big_stat(root, sizeof(root), 300);
    static pulse_raw r;
    static char buf[PULSE_READ_BUF_DEFAULT];
    assert_int_equal(pulse_read_raw(root, buf, sizeof(buf), 1, &r), 0);
    assert_true(r.have & PULSE_HAVE_STAT);
    assert_int_equal(r.stat.ncores, PULSE_MAX_CORES); /* cpu256..cpu299 are past the bound */
    assert_int_equal(r.stat.total.idle, 30000);
    /* A tiny buffer cuts inside "cpuN ..." lines: only whole lines may be parsed. */
    static char small[200];
    assert_int_equal(pulse_read_raw(root, small, sizeof(small), 1, &r), 0);
    assert_true(r.stat.ncores > 0 && r.stat.ncores < 10);
    for (int i = 0; i < r.stat.ncores; i++) {
        assert_true(r.stat.online[i]);
        assert_int_equal(r.stat.cores[i].idle, 100);
    }
    remove_big_stat(root);
}

static void test_missing_root(void **state)
{
    (void)state;
    static pulse_raw r;
    char buf[256];
    assert_int_equal(pulse_read_raw("/nonexistent-pulse-root", buf, sizeof(buf), 1, &r), -ENOENT);
    pulse_collector *c;
    assert_int_equal(pulse_collector_new("/nonexistent-pulse-root", 0, &c), 0);
    static pulse_sample s;
    assert_int_equal(pulse_collector_sample(c, 1, 1, &s), -ENOENT);
    pulse_collector_free(c);
}

/* When /proc cannot be read the error says why (here a symlink loop; in the field EMFILE, when
 * descriptors run out), rather than always "No such file or directory". */
static void test_unreadable_root_says_why(void **state)
{
    (void)state;
    static pulse_raw r;
    char root[64], path[128], buf[256];
    snprintf(root, sizeof(root), "/tmp/pulse-collector-XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof(path), "%s/proc", root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/proc/stat", root);
    assert_int_equal(symlink(path, path), 0);
    assert_int_equal(pulse_read_raw(root, buf, sizeof(buf), 1, &r), -ELOOP);
    unlink(path);
    snprintf(path, sizeof(path), "%s/proc", root);
    rmdir(path);
    rmdir(root);
}

/* ---- the collector's kept descriptors and process count, on a temp tree it rewrites ---- */

static void put(const char *root, const char *rel, const char *text)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *fp = fopen(path, "w"); /* rewritten in place: a kept descriptor sees the new text */
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void pid_dir(const char *root, int pid, bool make)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/proc/%d", root, pid);
    assert_int_equal(make ? mkdir(path, 0755) : rmdir(path), 0);
}

static void put_counters(const char *root, int forks, int threads)
{
    char text[128];
    snprintf(text, sizeof(text), "cpu  10 0 5 100 0 0 0 0\ncpu0 10 0 5 100 0 0 0 0\nprocesses %d\n",
             forks);
    put(root, "proc/stat", text);
    snprintf(text, sizeof(text), "0.10 0.20 0.30 1/%d 999\n", threads);
    put(root, "proc/loadavg", text);
}

static uint32_t count_at(pulse_collector *c, uint64_t mono_ms)
{
    static pulse_sample s;
    assert_int_equal(pulse_collector_sample(c, (int64_t)mono_ms, mono_ms, &s), 0);
    return s.processes;
}

/* /proc is listed again only when the fork counter or the task count moved, or 10 s passed. */
static void test_process_count_relisted_on_change(void **state)
{
    (void)state;
    char root[64], path[128];
    snprintf(root, sizeof(root), "/tmp/pulse-collector-XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof(path), "%s/proc", root);
    assert_int_equal(mkdir(path, 0755), 0);
    put_counters(root, 100, 50);
    pid_dir(root, 1, true);
    pid_dir(root, 2, true);
    pulse_collector *c;
    assert_int_equal(pulse_collector_new(root, 0, &c), 0);
    assert_int_equal(count_at(c, 1000), 2);
    pid_dir(root, 3, true); /* the counters say nothing happened: the listing is not redone */
    assert_int_equal(count_at(c, 2000), 2);
    put_counters(root, 101, 51); /* a fork */
    assert_int_equal(count_at(c, 3000), 3);
    pid_dir(root, 3, false);
    put_counters(root, 101, 50); /* a task reaped, none created */
    assert_int_equal(count_at(c, 4000), 2);
    pid_dir(root, 2, false);
    put_counters(root, 102, 50); /* one created and one reaped: the task count alone is equal */
    assert_int_equal(count_at(c, 5000), 1);
    pid_dir(root, 7, true);
    assert_int_equal(count_at(c, 14999), 1);
    assert_int_equal(count_at(c, 15000), 2); /* 10 s after the last listing, listed anyway */
    put(root, "proc/stat", "cpu  10 0 5 100 0 0 0 0\n"); /* no "processes" line: every time */
    pid_dir(root, 8, true);
    assert_int_equal(count_at(c, 16000), 3);
    pid_dir(root, 9, true);
    assert_int_equal(count_at(c, 17000), 4);
    pulse_collector_free(c);
    const char *rm[] = {"proc/stat", "proc/loadavg"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", root, rm[i]);
        unlink(path);
    }
    for (int pid = 1; pid <= 9; pid++) {
        snprintf(path, sizeof(path), "%s/proc/%d", root, pid);
        rmdir(path);
    }
    snprintf(path, sizeof(path), "%s/proc", root);
    rmdir(path);
    rmdir(root);
}

/* Kept descriptors read each tick's text; a file that appears later is found. */
static void test_kept_files_follow_changes(void **state)
{
    (void)state;
    char root[64], path[128];
    static pulse_sample s;
    snprintf(root, sizeof(root), "/tmp/pulse-collector-XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof(path), "%s/proc", root);
    assert_int_equal(mkdir(path, 0755), 0);
    put(root, "proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 500 kB\n");
    pulse_collector *c;
    assert_int_equal(pulse_collector_new(root, 0, &c), 0);
    assert_int_equal(pulse_collector_sample(c, 1000, 1000, &s), 0);
    assert_int_equal(s.mem.used, 500 * 1024);
    assert_near(s.load1, 0, EPS); /* no loadavg yet */
    put(root, "proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n");
    put(root, "proc/loadavg", "1.50 0.20 0.30 1/50 999\n");
    assert_int_equal(pulse_collector_sample(c, 2000, 2000, &s), 0);
    assert_int_equal(s.mem.used, 750 * 1024);
    assert_near(s.load1, 1.5, EPS);
    pulse_collector_free(c);
    const char *rm[] = {"proc/meminfo", "proc/loadavg", "proc"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", root, rm[i]);
        i < 2 ? unlink(path) : rmdir(path);
    }
    rmdir(root);
}

static void test_collector_on_host(void **state)
{
    (void)state;
    pulse_collector *c;
    static pulse_sample s1, s2;
    assert_int_equal(pulse_collector_new(NULL, 0, &c), 0);
    assert_int_equal(pulse_collector_sample(c, 1000, 1000, &s1), 0);
    assert_false(s1.has_rates);
    usleep(50 * 1000);
    assert_int_equal(pulse_collector_sample(c, 1050, 1050, &s2), 0);
    assert_true(s2.has_rates);
    assert_true(s2.mem.total > 0);
    assert_true(s2.processes > 0);
    if (s2.cpu.valid)
        assert_true(s2.cpu.usage >= 0 && s2.cpu.usage <= 100);
    pulse_collector_free(c);
}

static void test_metric_names(void **state)
{
    (void)state;
    const char *required[] = {"cpu.usage",      "memory.usage",  "memory.used",    "network.rx_bps",
                              "network.tx_bps", "disk.read_bps", "disk.write_bps", "load.1m"};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        assert_true(pulse_metric_id(required[i]) >= 0);
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        assert_int_equal(pulse_metric_id(pulse_metric_name(m)), m);
    assert_null(pulse_metric_name(PULSE_METRIC_COUNT));
    assert_int_equal(pulse_metric_id("cpu"), -ENOENT);
    assert_int_equal(pulse_metric_id(NULL), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_recorded_stat),
        cmocka_unit_test(test_stat_rejects_garbage),
        cmocka_unit_test(test_recorded_pair_rates),
        cmocka_unit_test(test_first_sample_has_no_rates),
        cmocka_unit_test(test_cpu_goes_offline),
        cmocka_unit_test(test_cpu_comes_back_online),
        cmocka_unit_test(test_cpu_counters_backwards),
        cmocka_unit_test(test_netdev_rates_wrap_and_churn),
        cmocka_unit_test(test_disk_name_rule),
        cmocka_unit_test(test_diskstats_rates),
        cmocka_unit_test(test_meminfo_without_available),
        cmocka_unit_test(test_cgroup),
        cmocka_unit_test(test_large_stat_and_truncation),
        cmocka_unit_test(test_missing_root),
        cmocka_unit_test(test_unreadable_root_says_why),
        cmocka_unit_test(test_process_count_relisted_on_change),
        cmocka_unit_test(test_kept_files_follow_changes),
        cmocka_unit_test(test_collector_on_host),
        cmocka_unit_test(test_metric_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
