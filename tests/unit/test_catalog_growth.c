/* Items that appear after start-up (a new interface, disk, mount) get history from then on:
 * the catalog grows, the history gains a column at the item's first value, the store registers
 * the new names with the batch that first holds them and restores them after a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/catalog.h"
#include "metrics/collector.h"
#include "metrics/fs.h"
#include "metrics/history.h"
#include "metrics/store.h"
#include "pulse_test.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char root[64];
    pulse_collector *col;
    pulse_sample s;
    pulse_fs_list fs;
    char buf[8192];
} host;

static const char *fixtures(void)
{
    const char *f = getenv("PULSE_FIXTURES");
    return f ? f : "tests/fixtures";
}

static void copy_file(const char *from, const char *to)
{
    char data[16384];
    FILE *in = fopen(from, "rb");
    if (!in)
        fail_msg("cannot open fixture %s (set PULSE_FIXTURES)", from);
    size_t n = fread(data, 1, sizeof(data), in);
    fclose(in);
    FILE *out = fopen(to, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, n, out), n);
    fclose(out);
}

static void append_line(const host *h, const char *rel, const char *line)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", h->root, rel);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs(line, f);
    fclose(f);
}

static void mkdir_in(const host *h, const char *rel)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", h->root, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* A fixture host (the t0 tree) in a temporary directory, so files can change between reads. */
static void host_make(host *h)
{
    static const char *files[] = {"stat", "meminfo", "loadavg", "uptime", "diskstats", "net/dev"};
    char from[512], to[256];
    snprintf(h->root, sizeof(h->root), "/tmp/pulse-growth-XXXXXX");
    assert_non_null(mkdtemp(h->root));
    const char *dirs[] = {"proc", "proc/net", "proc/self", "mnt", "mnt/usb"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        mkdir_in(h, dirs[i]);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(from, sizeof(from), "%s/proc/host_t0/proc/%s", fixtures(), files[i]);
        snprintf(to, sizeof(to), "%s/proc/%s", h->root, files[i]);
        copy_file(from, to);
    }
    append_line(h, "proc/self/mountinfo",
                "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n");
    assert_int_equal(pulse_collector_new(h->root, 0, &h->col), 0);
}

static void host_free(host *h)
{
    char cmd[128];
    pulse_collector_free(h->col);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->root);
    assert_int_equal(system(cmd), 0);
}

/* One collection: the sample (rates from the second on) and the mount list with statvfs. */
static void collect(host *h, int64_t ts)
{
    assert_int_equal(pulse_collector_sample(h->col, ts, (uint64_t)ts, &h->s), 0);
    assert_int_equal(pulse_fs_read_mounts(h->root, h->buf, sizeof(h->buf), &h->fs), 0);
    pulse_fs_stat(h->root, &h->fs);
}

/* A USB disk, a veth and a mount appear. */
static void plug_in(host *h)
{
    append_line(h, "proc/net/dev", "  veth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n");
    append_line(h, "proc/diskstats", "   8      16 sdb 10 0 80 1 5 0 40 1 0 2 2 0 0 0 0 0 0\n");
    append_line(h, "proc/self/mountinfo",
                "90 26 8:17 / /mnt/usb rw,relatime - vfat /dev/sdb1 rw\n");
}

static void plug_traffic(host *h)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/proc/net/dev", h->root);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    char *v = strstr(text, "veth0: 1000");
    assert_non_null(v);
    memcpy(v, "veth0: 5000", 11); /* 4000 more bytes received */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_catalog_grows_with_new_items(void **state)
{
    (void)state;
    static host h;
    host_make(&h);
    collect(&h, 1000);
    collect(&h, 2000);
    pulse_catalog *c = NULL;
    assert_int_equal(pulse_catalog_new(&h.s, &h.fs, &c), 0);
    int n0 = pulse_catalog_count(c);
    assert_int_equal(pulse_catalog_id(c, "network.interfaces.veth0.rx_bps"), -ENOENT);
    assert_true(pulse_catalog_id(c, "fs./.usage") >= 0);
    bool hit = true;
    assert_int_equal(pulse_catalog_update(c, &h.s, &h.fs, &hit), 0); /* nothing new */
    assert_false(hit);

    plug_in(&h);
    collect(&h, 3000);
    assert_int_equal(pulse_catalog_update(c, &h.s, &h.fs, &hit), 6);
    assert_false(hit);
    const char *names[] = {"network.interfaces.veth0.rx_bps",
                           "network.interfaces.veth0.tx_bps",
                           "disk.disks.sdb.read_bps",
                           "disk.disks.sdb.write_bps",
                           "fs./mnt/usb.usage",
                           "fs./mnt/usb.used"};
    for (int i = 0; i < 6; i++)
        assert_int_equal(pulse_catalog_id(c, names[i]), n0 + i);
    const char *first = pulse_catalog_name(c, 0);
    plug_traffic(&h);
    collect(&h, 4000);
    assert_int_equal(pulse_catalog_update(c, &h.s, &h.fs, NULL), 0);
    assert_ptr_equal(pulse_catalog_name(c, 0), first); /* names never move */
    double v[PULSE_CATALOG_MAX];
    pulse_catalog_values(c, &h.s, &h.fs, v);
    assert_near(v[n0], 4000, 1e-6); /* 4000 bytes in one second */
    assert_false(isnan(v[n0 + 4])); /* statvfs of the fixture's /mnt/usb */
    pulse_catalog_free(c);
    host_free(&h);
}

static void test_catalog_bound_reported_once(void **state)
{
    (void)state;
    static pulse_sample s;
    pulse_catalog *c = NULL;
    assert_int_equal(pulse_catalog_new(NULL, NULL, &c), 0);
    char name[64];
    int i = 0, rc;
    do {
        snprintf(name, sizeof(name), "fs./m%d.usage", i++);
    } while ((rc = pulse_catalog_add_name(c, name)) == 1);
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(pulse_catalog_count(c), PULSE_CATALOG_MAX);
    bool hit = false;
    s.net.count = 1;
    snprintf(s.net.ifaces[0].name, sizeof(s.net.ifaces[0].name), "tun0");
    assert_int_equal(pulse_catalog_update(c, &s, NULL, &hit), 0);
    assert_true(hit); /* the first refusal at the update reports... */
    assert_int_equal(pulse_catalog_update(c, &s, NULL, &hit), 0);
    assert_false(hit); /* ...and only that one */
    pulse_catalog_free(c);
}

static void test_catalog_add_name_parses(void **state)
{
    (void)state;
    pulse_catalog *c = NULL;
    assert_int_equal(pulse_catalog_new(NULL, NULL, &c), 0);
    assert_int_equal(pulse_catalog_add_name(c, "cpu.usage"), 0);             /* base: known */
    assert_int_equal(pulse_catalog_add_name(c, "memory.nonsense"), -ENOENT); /* not per-host */
    assert_int_equal(pulse_catalog_add_name(c, "fs..usage"), -ENOENT);       /* empty key */
    assert_int_equal(pulse_catalog_add_name(c, "network.interfaces.eth0.100.rx_bps"), 1);
    assert_int_equal(pulse_catalog_add_name(c, "cpu.cores.3"), 1);
    assert_int_equal(pulse_catalog_add_name(c, "cpu.cores.x"), -ENOENT);
    assert_int_equal(pulse_catalog_add_name(c, "cpu.cores.+5"), -ENOENT); /* not as written */
    assert_int_equal(pulse_catalog_add_name(c, "cpu.cores.05"), -ENOENT);
    assert_int_equal(pulse_catalog_add_name(c, "fs./srv/a b.used"), 1);
    assert_int_equal(pulse_catalog_add_name(c, "fs./srv/a b.used"), 0);
    /* A restored name takes its value from a later sample like one found there. */
    static pulse_sample s;
    s.net.count = 1;
    s.net.ifaces[0] = (pulse_iface_rate){"eth0.100", true, 7, 8};
    s.ncores = 4;
    s.cores[3] = (pulse_cpu_pct){.valid = true, .usage = 33};
    /* New: cores 0 to 2 and the interface's tx (its rx and core 3 were restored). */
    assert_int_equal(pulse_catalog_update(c, &s, NULL, NULL), 4);
    double v[PULSE_CATALOG_MAX];
    pulse_catalog_values(c, &s, NULL, v);
    assert_near(v[pulse_catalog_id(c, "network.interfaces.eth0.100.rx_bps")], 7, 1e-9);
    assert_near(v[pulse_catalog_id(c, "cpu.cores.3")], 33, 1e-9);
    pulse_catalog_free(c);
}

static pulse_history *small_history(int n, int max)
{
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    cfg.nmetrics = n;
    cfg.max_metrics = max;
    pulse_history *hist = NULL;
    assert_int_equal(pulse_history_new(&cfg, &hist), 0);
    return hist;
}

static void test_history_grows_lazily(void **state)
{
    (void)state;
    pulse_history *h = small_history(2, 4);
    size_t base = pulse_history_memory_bytes(h);
    double v[4] = {1, NAN, NAN, NAN};
    assert_int_equal(pulse_history_add(h, 1000, v), 0);
    size_t one = pulse_history_memory_bytes(h) - base; /* metric 0's fine + minute columns */
    assert_true(one > 0);
    assert_int_equal(pulse_history_grow(h, 5), -ENOSPC);
    assert_int_equal(pulse_history_grow(h, 1), -EINVAL);
    size_t before = pulse_history_memory_bytes(h);
    assert_int_equal(pulse_history_grow(h, 4), 0);
    assert_int_equal(pulse_history_nmetrics(h), 4);
    /* Growing costs two more entries of the per-metric arrays (sum, count, two column
     * pointers), no column. */
    size_t arrays = pulse_history_memory_bytes(h) - before;
    assert_int_equal(arrays, 2 * (sizeof(double) + sizeof(uint32_t) + 2 * sizeof(double *)));
    base += arrays;
    v[3] = 42;
    assert_int_equal(pulse_history_add(h, 2000, v), 0);
    /* Metric 3 now has its fine column (the minute one comes at the minute's end); metrics 1 and
     * 2 never had a value and have none. */
    assert_int_equal(pulse_history_memory_bytes(h) - base, 2 * one);
    pulse_point pts[8];
    size_t n = 0;
    int64_t step = 0;
    assert_int_equal(pulse_history_query_series(h, 3, 60, 2000, 8, pts, &n, &step), 0);
    assert_int_equal(n, 2);
    assert_true(isnan(pts[0].value)); /* before it appeared */
    assert_near(pts[1].value, 42, 1e-9);
    assert_int_equal(pulse_history_query(h, 2, 60, 2000, 8, pts, &n, &step), 0);
    assert_int_equal(n, 0);
    v[3] = 44;
    assert_int_equal(pulse_history_add(h, 61000, v), 0); /* closes minute 0 */
    assert_int_equal(pulse_history_memory_bytes(h) - base, 2 * one + 2 * 10081 * sizeof(double));
    assert_int_equal(pulse_history_query(h, 3, 7200, 61000, 8, pts, &n, &step), 0);
    assert_int_equal(n, 2);
    pulse_history_free(h);
}

static void write_rows(pulse_store *st, pulse_store_batch *b, int64_t from, int64_t to,
                       const double *v)
{
    char err[256];
    for (int64_t t = from; t <= to; t += 1000)
        assert_int_equal(pulse_store_batch_add(b, t, v), 0);
    assert_int_equal(pulse_store_write(st, b, to, err, sizeof(err)), 0);
    pulse_store_batch_reset(b);
}

static void add_name(void *arg, const char *name)
{
    pulse_catalog_add_name(arg, name);
}

static void test_store_keeps_new_items(void **state)
{
    (void)state;
    char dir[] = "/tmp/pulse-growth-db-XXXXXX", path[128], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/h.db", dir);
    pulse_store *st = NULL;
    pulse_catalog *c = NULL;
    assert_int_equal(pulse_store_open(path, NULL, &st, err, sizeof(err)), 0);
    assert_int_equal(pulse_catalog_new(NULL, NULL, &c), 0);
    int n0 = pulse_catalog_count(c);
    assert_int_equal(pulse_store_set_metrics(st, pulse_catalog_names(c), n0, err, sizeof(err)), 0);
    pulse_store_batch b = {0};
    assert_int_equal(pulse_store_batch_init_n(&b, 8, n0), 0);
    b.names = pulse_catalog_names(c);
    double v[PULSE_CATALOG_MAX];
    for (int i = 0; i < PULSE_CATALOG_MAX; i++)
        v[i] = 1;
    int64_t t0 = 1700000000000LL;
    assert_int_equal(pulse_store_batch_add(&b, t0, v), 0);
    /* A tun interface appears: the batch holding a row already widens with NaN. */
    assert_int_equal(pulse_catalog_add_name(c, "network.interfaces.tun0.rx_bps"), 1);
    assert_int_equal(pulse_store_batch_grow(&b, n0 + 1), 0);
    assert_true(isnan(b.rows[0].values[n0]));
    v[n0] = 123;
    write_rows(st, &b, t0 + 1000, t0 + 3000, v);
    pulse_store_batch_free(&b);
    pulse_store_close(st);
    pulse_catalog_free(c);

    /* Restart without the interface: its stored name and samples come back. */
    assert_int_equal(pulse_store_open(path, NULL, &st, err, sizeof(err)), 0);
    assert_int_equal(pulse_catalog_new(NULL, NULL, &c), 0);
    assert_int_equal(pulse_store_metric_names(st, add_name, c), 0);
    int id = pulse_catalog_id(c, "network.interfaces.tun0.rx_bps");
    assert_int_equal(id, n0);
    pulse_history *h = small_history(pulse_catalog_count(c), PULSE_CATALOG_MAX);
    assert_int_equal(pulse_store_set_metrics(st, pulse_catalog_names(c), pulse_catalog_count(c),
                                             err, sizeof(err)),
                     0);
    assert_int_equal(pulse_store_load(st, h, t0 + 4000, err, sizeof(err)), 0);
    pulse_point pts[8];
    size_t n = 0;
    int64_t step = 0;
    assert_int_equal(pulse_history_query(h, id, 60, t0 + 4000, 8, pts, &n, &step), 0);
    assert_int_equal(n, 3); /* the three samples written after it appeared */
    assert_near(pts[0].value, 123, 1e-9);
    pulse_history_free(h);
    pulse_catalog_free(c);
    pulse_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_grows_with_new_items),
        cmocka_unit_test(test_catalog_bound_reported_once),
        cmocka_unit_test(test_catalog_add_name_parses),
        cmocka_unit_test(test_history_grows_lazily),
        cmocka_unit_test(test_store_keeps_new_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
