/* SQLite store: round trip, reload, minute roll-up, retention, schema, error paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/history.h"
#include "pulse_test.h"
#include "metrics/store.h"
#include "metrics/insight_log.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 1700000040000LL /* minute-aligned */

typedef struct {
    char dir[64];
    char db[128];
} tmp;

static void tmp_make(tmp *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/pulse-store-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->db, sizeof(t->db), "%s/pulse.db", t->dir);
}

static void tmp_remove(tmp *t)
{
    const char *suffix[] = {"", "-wal", "-shm", "-journal"};
    char path[160];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s%s", t->db, suffix[i]);
        unlink(path);
    }
    chmod(t->dir, 0700);
    rmdir(t->dir);
}

static void row_values(double *v, int k)
{
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        v[m] = m * 1000.0 + k;
    v[PULSE_M_NET_RX] = (k % 2) ? NAN : k; /* every other sample has no rate */
}

/* Writes n one-second samples starting at T0 + first * 1000 in one batch. */
static void write_seconds(pulse_store *s, int first, int n)
{
    pulse_store_batch b;
    assert_int_equal(pulse_store_batch_init(&b, (size_t)n), 0);
    double v[PULSE_METRIC_COUNT];
    for (int k = first; k < first + n; k++) {
        row_values(v, k);
        assert_int_equal(pulse_store_batch_add(&b, T0 + k * 1000LL, v), 0);
    }
    char err[256];
    int64_t now = T0 + (first + n - 1) * 1000LL;
    assert_int_equal(pulse_store_write(s, &b, now, err, sizeof(err)), 0);
    pulse_store_batch_free(&b);
}

static pulse_store *open_ok(const char *path)
{
    pulse_store *s = NULL;
    char err[256];
    int rc = pulse_store_open(path, NULL, &s, err, sizeof(err));
    if (rc != 0)
        fail_msg("open %s: %d %s", path, rc, err);
    return s;
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static pulse_point pts[PULSE_HISTORY_MAX_POINTS];

/* A history with the default configuration but a fine ring of `fine_s` seconds (0: default). */
static pulse_history *new_history_fine(uint32_t fine_s)
{
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    if (fine_s)
        cfg.fine_seconds = fine_s;
    pulse_history *h;
    assert_int_equal(pulse_history_new(&cfg, &h), 0);
    return h;
}

static void test_round_trip_and_reload(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    write_seconds(s, 0, 60);
    write_seconds(s, 60, 120); /* minutes 0..2 */
    pulse_store_close(s);

    s = open_ok(t.db);
    pulse_history *h = new_history_fine(0);
    char err[256];
    int64_t now = T0 + 179000;
    assert_int_equal(pulse_store_load(s, h, now, err, sizeof(err)), 0);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query(h, PULSE_M_CPU_USAGE, 180, now, 1000, pts, &n, &step), 0);
    assert_int_equal(n, 180); /* (T0 - 1 s, T0 + 179 s] */
    assert_int_equal(step, 1000);
    assert_int_equal(pts[0].ts_ms, T0);
    assert_near(pts[0].value, 0, 0);
    assert_near(pts[179].value, 179, 0);
    assert_int_equal(pulse_history_query(h, PULSE_M_MEM_USED, 10, now, 1000, pts, &n, &step), 0);
    assert_near(pts[n - 1].value, PULSE_M_MEM_USED * 1000.0 + 179, 0);
    /* NULLs come back as gaps. */
    assert_int_equal(pulse_history_query(h, PULSE_M_NET_RX, 10, now, 1000, pts, &n, &step), 0);
    assert_int_equal(n, 5);
    /* Three minutes old: every sample is in the fine ring, so a long range is answered from it. */
    assert_int_equal(pulse_history_query(h, PULSE_M_CPU_USAGE, 7200, now, 1000, pts, &n, &step), 0);
    assert_int_equal(step, 1000);
    assert_int_equal(n, 180);
    pulse_history_free(h);
    /* The minute ring, seen through a fine ring of one minute: two stored minutes plus the
     * third rebuilt from raw samples. */
    h = new_history_fine(60);
    assert_int_equal(pulse_store_load(s, h, now, err, sizeof(err)), 0);
    assert_int_equal(pulse_history_query(h, PULSE_M_CPU_USAGE, 7200, now, 1000, pts, &n, &step), 0);
    assert_int_equal(step, 60000);
    assert_int_equal(n, 3);
    assert_near(pts[0].value, 29.5, 1e-9);
    assert_near(pts[1].value, 89.5, 1e-9);
    assert_near(pts[2].value, 149.5, 1e-9);
    pulse_history_free(h);
    pulse_store_close(s);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM minute m JOIN metric k ON k.id ="
                                   " m.metric_id WHERE k.name = 'cpu.usage'"),
                     2);
    tmp_remove(&t);
}

static void test_schema_and_wal(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    assert_int_equal(pulse_store_schema_version(s), PULSE_STORE_SCHEMA_VERSION);
    pulse_store_close(s);
    assert_int_equal(sql_int(t.db, "SELECT version FROM schema_version"),
                     PULSE_STORE_SCHEMA_VERSION);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM schema_version"), 1);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM metric"), PULSE_METRIC_COUNT);
    /* Reopening does not migrate twice or duplicate metric rows. */
    s = open_ok(t.db);
    pulse_store_close(s);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM schema_version"), 1);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM metric"), PULSE_METRIC_COUNT);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM pragma_journal_mode WHERE"
                                   " journal_mode = 'wal'"),
                     1);
    tmp_remove(&t);
}

/* SQLite's memory is reported, grows with an open store and is given back when it closes. */
static void test_memory_reported(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    uint64_t before, hi0, used, hi, after, hi2;
    pulse_store_memory(&before, &hi0);
    pulse_store *s = open_ok(t.db);
    pulse_store_memory(&used, &hi);
    assert_true(used > before);
    assert_true(hi >= used && hi >= hi0);
    pulse_store_close(s);
    pulse_store_memory(&after, &hi2);
    assert_true(after < used);
    assert_true(hi2 >= hi);
    tmp_remove(&t);
}

static void test_newer_schema_refused(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store_close(open_ok(t.db));
    sqlite3 *db;
    assert_int_equal(sqlite3_open(t.db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", 0, 0, 0), 0);
    sqlite3_close(db);
    pulse_store *s = NULL;
    char err[256] = "";
    assert_int_equal(pulse_store_open(t.db, NULL, &s, err, sizeof(err)), -EPROTO);
    assert_null(s);
    assert_non_null(strstr(err, "99"));
    tmp_remove(&t);
}

static void write_at(pulse_store *s, int64_t ts, int64_t now)
{
    pulse_store_batch b;
    assert_int_equal(pulse_store_batch_init(&b, 1), 0);
    double v[PULSE_METRIC_COUNT];
    row_values(v, 1);
    if (ts)
        assert_int_equal(pulse_store_batch_add(&b, ts, v), 0);
    char err[256];
    assert_int_equal(pulse_store_write(s, &b, now, err, sizeof(err)), 0);
    pulse_store_batch_free(&b);
}

static void test_retention(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    const int64_t hour = 3600000, day = 24 * hour;
    int64_t now = T0 + 10 * day;
    write_at(s, now - 2 * hour, now - 2 * hour);
    write_at(s, now - 30 * 60000, now - 30 * 60000);
    write_at(s, now, now);
    pulse_store_close(s);
    /* Raw: the 2-hour-old tick is gone; minutes: both older ticks were rolled up. */
    assert_int_equal(sql_int(t.db, "SELECT count(DISTINCT ts) FROM sample"), 2);
    assert_int_equal(sql_int(t.db, "SELECT min(ts) FROM sample"), now - 30 * 60000);
    assert_int_equal(sql_int(t.db, "SELECT count(DISTINCT ts) FROM minute"), 2);
    s = open_ok(t.db);
    write_at(s, 0, now + 8 * day); /* nothing new; only retention */
    pulse_store_close(s);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM sample"), 0);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM minute"), 0);
    tmp_remove(&t);
}

static void test_corrupt_file(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    FILE *fp = fopen(t.db, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is definitely not an SQLite database\n", fp);
    fclose(fp);
    pulse_store *s = NULL;
    char err[256] = "";
    assert_int_equal(pulse_store_open(t.db, NULL, &s, err, sizeof(err)), -EBADMSG);
    assert_null(s);
    assert_non_null(strstr(err, "not a database"));
    tmp_remove(&t);
}

static void test_unwritable_paths(void **state)
{
    (void)state;
    pulse_store *s = NULL;
    char err[256] = "";
    /* /proc refuses new files even to root. */
    int rc = pulse_store_open("/proc/pulse-test.db", NULL, &s, err, sizeof(err));
    assert_true(rc < 0);
    assert_null(s);
    assert_true(strlen(err) > 0);
    tmp t;
    tmp_make(&t);
    /* A path below a regular file. */
    fclose(fopen(t.db, "w"));
    char below[200];
    snprintf(below, sizeof(below), "%s/x.db", t.db);
    err[0] = '\0';
    assert_int_equal(pulse_store_open(below, NULL, &s, err, sizeof(err)), -EACCES);
    assert_true(strlen(err) > 0);
    unlink(t.db);
    /* A read-only directory (root ignores the mode bits, so only checked for other users). */
    assert_int_equal(chmod(t.dir, 0555), 0);
    rc = pulse_store_open(t.db, NULL, &s, err, sizeof(err));
    if (geteuid() != 0) {
        assert_int_equal(rc, -EACCES);
        assert_null(s);
    } else {
        pulse_store_close(s);
    }
    tmp_remove(&t);
}

static void test_memory_db_and_batch(void **state)
{
    (void)state;
    pulse_store *s = open_ok(":memory:");
    assert_int_equal(pulse_store_schema_version(s), PULSE_STORE_SCHEMA_VERSION);
    pulse_store_batch b;
    assert_int_equal(pulse_store_batch_init(&b, 2), 0);
    double v[PULSE_METRIC_COUNT] = {0};
    assert_int_equal(pulse_store_batch_add(&b, 1, v), 0);
    assert_int_equal(pulse_store_batch_add(&b, 2, v), 0);
    assert_int_equal(pulse_store_batch_add(&b, 3, v), -ENOSPC);
    char err[128];
    assert_int_equal(pulse_store_write(s, &b, 3, err, sizeof(err)), 0);
    pulse_store_batch_reset(&b);
    assert_int_equal(b.count, 0);
    pulse_history *h = new_history_fine(0);
    assert_int_equal(pulse_store_load(s, h, 3, err, sizeof(err)), 0);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query(h, 0, 10, 3, 1000, pts, &n, &step), 0);
    assert_int_equal(n, 2);
    pulse_history_free(h);
    pulse_store_batch_free(&b);
    pulse_store_close(s);
    assert_int_equal(pulse_store_batch_init(&b, 0), -EINVAL);
}

static pulse_insight insight(uint64_t seq, int64_t ts, bool active)
{
    pulse_insight in;
    memset(&in, 0, sizeof(in));
    in.seq = seq;
    in.ts_ms = ts;
    in.active = active;
    in.level = active ? PULSE_LEVEL_CRITICAL : PULSE_LEVEL_INFO;
    snprintf(in.key, sizeof(in.key), "threshold:memory.usage");
    snprintf(in.metric, sizeof(in.metric), "memory.usage");
    snprintf(in.message, sizeof(in.message), "Memory use at 95 %%, it's \"high\" for 60 s");
    in.value = 95.5;
    in.threshold = 90;
    in.clear_below = 85;
    in.baseline = NAN;
    in.z = NAN;
    in.raised_ts = active ? ts : ts - 5000;
    in.resolves = active ? 0 : seq - 1;
    snprintf(in.reason, sizeof(in.reason), "%s", active ? "" : "recovered");
    return in;
}

static void write_insights(pulse_store *s, const pulse_insight *list, size_t n, int64_t now)
{
    pulse_store_batch b;
    assert_int_equal(pulse_store_batch_init(&b, 1), 0);
    assert_true(pulse_store_batch_empty(&b));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pulse_store_batch_add_insight(&b, &list[i]), 0);
    assert_true(pulse_store_batch_empty(&b) == (n == 0));
    char err[256];
    assert_int_equal(pulse_store_write(s, &b, now, err, sizeof(err)), 0);
    pulse_store_batch_reset(&b);
    assert_true(pulse_store_batch_empty(&b));
    pulse_store_batch_free(&b);
}

static void test_insights_round_trip(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    pulse_insight w[2] = {insight(7, T0, true), insight(8, T0 + 5000, false)};
    w[1].value = NAN;          /* a resolution after a restart has no value */
    w[0].hours_to_full = 4.25; /* as a filesystem trend alert has */
    write_insights(s, w, 2, T0 + 5000);
    pulse_store_close(s);
    s = open_ok(t.db);
    pulse_insight_log *log;
    assert_int_equal(pulse_insight_log_new(16, &log), 0);
    char err[256];
    assert_int_equal(pulse_store_load_insights(s, log, T0 + 6000, err, sizeof(err)), 0);
    const pulse_insight *r[4];
    assert_int_equal(pulse_insight_log_select(log, 0, T0 + 6000, 4, r), 2);
    assert_memory_equal(r[0]->message, w[0].message, sizeof(w[0].message));
    assert_string_equal(r[0]->key, "threshold:memory.usage");
    assert_int_equal(r[0]->level, PULSE_LEVEL_CRITICAL);
    assert_true(r[0]->active);
    assert_int_equal(r[0]->seq, 7);
    assert_near(r[0]->value, 95.5, 0);
    assert_near(r[0]->threshold, 90, 0);
    assert_near(r[0]->clear_below, 85, 0);
    assert_true(isnan(r[0]->baseline) && isnan(r[0]->z));
    assert_near(r[0]->hours_to_full, 4.25, 0);
    assert_near(r[1]->hours_to_full, 0, 0); /* none: stored as NULL */
    assert_false(r[1]->active);
    assert_int_equal(r[1]->level, PULSE_LEVEL_INFO);
    assert_int_equal(r[1]->resolves, 7);
    assert_int_equal(r[1]->raised_ts, T0);
    assert_string_equal(r[1]->reason, "recovered");
    assert_true(isnan(r[1]->value));
    assert_int_equal(pulse_insight_log_last_seq(log), 8);
    pulse_insight_log_free(log);
    pulse_store_close(s);
    tmp_remove(&t);
}

/* Insights go after minute_keep_ms, and past insight_keep only the newest stay. */
static void test_insights_retention(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store_config cfg;
    pulse_store_config_default(&cfg);
    cfg.insight_keep = 3;
    pulse_store *s = NULL;
    char err[256];
    assert_int_equal(pulse_store_open(t.db, &cfg, &s, err, sizeof(err)), 0);
    const int64_t day = 86400000;
    pulse_insight w[5];
    for (int i = 0; i < 5; i++)
        w[i] = insight((uint64_t)i + 1, T0 + i * 1000, true);
    write_insights(s, w, 5, T0 + 5000);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM insight"), 3);
    assert_int_equal(sql_int(t.db, "SELECT min(seq) FROM insight"), 3);
    write_insights(s, NULL, 0, T0 + 7 * day + 2500); /* seq 3 is 7 days + 0.5 s old */
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM insight"), 2);
    pulse_insight_log *log;
    assert_int_equal(pulse_insight_log_new(16, &log), 0);
    assert_int_equal(pulse_store_load_insights(s, log, T0 + 7 * day + 3500, err, sizeof(err)), 0);
    assert_int_equal(pulse_insight_log_count(log), 1); /* seq 4 is past retention at load */
    pulse_insight_log_free(log);
    pulse_store_close(s);
    tmp_remove(&t);
}

/* A database written by the previous schema gains the insight table and keeps its samples. */
static void test_migrates_version_1(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    write_seconds(s, 0, 3);
    pulse_store_close(s);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(t.db, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "DROP TABLE insight; UPDATE schema_version SET version = 1", 0, 0, 0), 0);
    sqlite3_close(db);
    s = open_ok(t.db);
    assert_int_equal(pulse_store_schema_version(s), PULSE_STORE_SCHEMA_VERSION);
    pulse_insight w = insight(1, T0 + 3000, true);
    write_insights(s, &w, 1, T0 + 3000);
    pulse_store_close(s);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM insight"), 1);
    assert_int_equal(sql_int(t.db, "SELECT count(DISTINCT ts) FROM sample"), 3);
    tmp_remove(&t);
}

typedef struct {
    pulse_store *s;
    int ok, busy, other;
} writer;

static void *writer_main(void *arg)
{
    writer *w = arg;
    pulse_store_batch b;
    pulse_store_batch_init(&b, 5);
    double v[PULSE_METRIC_COUNT] = {0};
    for (int i = 0; i < 30; i++) {
        pulse_store_batch_reset(&b);
        for (int k = 0; k < 5; k++)
            pulse_store_batch_add(&b, T0 + i * 5000 + k * 1000, v);
        char err[128];
        int rc = pulse_store_write(w->s, &b, T0 + i * 5000, err, sizeof(err));
        *(rc == 0 ? &w->ok : rc == -EBUSY ? &w->busy : &w->other) += 1;
    }
    pulse_store_batch_free(&b);
    return NULL;
}

static void test_concurrent_use_refused_not_raced(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    writer w[2] = {{s, 0, 0, 0}, {s, 0, 0, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(w[0].other + w[1].other, 0);
    assert_int_equal(w[0].ok + w[0].busy + w[1].ok + w[1].busy, 60);
    assert_true(w[0].ok + w[1].ok > 0);
    pulse_store_close(s);
    tmp_remove(&t);
}

/* A host-sized metric set (base names + per-core etc.): rows of that width round-trip, and a
 * restart with a different set keeps the names both share. */
static void test_dynamic_metric_set(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    enum { N = PULSE_METRIC_COUNT + 2 };
    const char *names[N];
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        names[m] = pulse_metric_name(m);
    names[PULSE_METRIC_COUNT] = "cpu.cores.0";
    names[PULSE_METRIC_COUNT + 1] = "fs./home.usage";
    char err[256];
    pulse_store *s = open_ok(t.db);
    assert_int_equal(pulse_store_set_metrics(s, names, N, err, sizeof(err)), 0);
    pulse_store_batch b;
    assert_int_equal(pulse_store_batch_init_n(&b, 3, N), 0);
    double v[N];
    for (int k = 0; k < 3; k++) {
        for (int m = 0; m < N; m++)
            v[m] = m + k;
        assert_int_equal(pulse_store_batch_add(&b, T0 + k * 1000LL, v), 0);
    }
    assert_int_equal(pulse_store_batch_add(&b, T0 + 9000, v), -ENOSPC);
    assert_int_equal(pulse_store_write(s, &b, T0 + 2000, err, sizeof(err)), 0);
    pulse_store_batch_free(&b);
    pulse_store_close(s);
    /* Restart: the cores are the other way round now (fs first); values follow the names. */
    const char *swapped[N];
    memcpy(swapped, names, sizeof(names));
    swapped[PULSE_METRIC_COUNT] = "fs./home.usage";
    swapped[PULSE_METRIC_COUNT + 1] = "cpu.cores.0";
    s = open_ok(t.db);
    assert_int_equal(pulse_store_set_metrics(s, swapped, N, err, sizeof(err)), 0);
    pulse_history_config hc;
    pulse_history_config_default(&hc);
    pulse_history *h = NULL;
    assert_int_equal(pulse_history_new(&hc, &h), 0); /* base width: refused */
    assert_int_equal(pulse_store_load(s, h, T0 + 2000, err, sizeof(err)), -EINVAL);
    pulse_history_free(h);
    hc.nmetrics = N;
    assert_int_equal(pulse_history_new(&hc, &h), 0);
    assert_int_equal(pulse_store_load(s, h, T0 + 2000, err, sizeof(err)), 0);
    pulse_point pts[10];
    size_t n = 0;
    int64_t step = 0;
    assert_int_equal(
        pulse_history_query(h, PULSE_METRIC_COUNT + 1, 60, T0 + 2000, 10, pts, &n, &step), 0);
    assert_int_equal(n, 3);
    assert_near(pts[2].value, PULSE_METRIC_COUNT + 2, 1e-9); /* cpu.cores.0 at k = 2 */
    assert_int_equal(pulse_store_set_metrics(s, names, 0, err, sizeof(err)), -EINVAL);
    pulse_history_free(h);
    pulse_store_close(s);
    tmp_remove(&t);
}

/* One sample per write, as the daemon writes: the minute averages are those of the samples,
 * each completed minute once, the filling one not yet; after a reopen the first write
 * completes the minute the previous run left partial. */
static void test_rollup_one_row_per_write(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    for (int k = 0; k < 150; k++)
        write_seconds(s, k, 1);
    const char *mismatch =
        "SELECT count(*) FROM minute m JOIN (SELECT (ts / 60000) * 60000 AS mt, metric_id,"
        " avg(value) AS a FROM sample WHERE value IS NOT NULL GROUP BY mt, metric_id) x"
        " ON m.ts = x.mt AND m.metric_id = x.metric_id WHERE abs(m.value - x.a) > 1e-9";
    assert_int_equal(sql_int(t.db, "SELECT count(DISTINCT ts) FROM minute"), 2);
    assert_int_equal(sql_int(t.db, "SELECT max(ts) FROM minute"), T0 + 60000);
    assert_int_equal(sql_int(t.db, mismatch), 0);
    pulse_store_close(s);
    s = open_ok(t.db);
    write_seconds(s, 185, 1); /* minute 2 (rows 120-149) is complete now */
    assert_int_equal(sql_int(t.db, "SELECT max(ts) FROM minute"), T0 + 120000);
    assert_int_equal(sql_int(t.db, mismatch), 0);
    assert_int_equal(sql_int(t.db, "SELECT count(*) FROM minute WHERE ts > 1700000160000"), 0);
    pulse_store_close(s);
    tmp_remove(&t);
}

/* Retention by age runs in the first write of each minute of `now`: a row past its age goes
 * at most a minute late. */
static void test_retention_once_a_minute(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t);
    pulse_store *s = open_ok(t.db);
    const int64_t hour = 3600000, now = T0 + 2 * hour;
    write_at(s, now - hour + 500, now);  /* 0.5 s within the hour */
    write_at(s, now + 1000, now + 1000); /* 1 h + 0.5 s old now, same minute: not yet */
    assert_int_equal(sql_int(t.db, "SELECT count(DISTINCT ts) FROM sample"), 2);
    write_at(s, now + 60000, now + 60000); /* the next minute */
    assert_int_equal(sql_int(t.db, "SELECT count(DISTINCT ts) FROM sample"), 2);
    assert_int_equal(sql_int(t.db, "SELECT min(ts) FROM sample"), now + 1000);
    pulse_store_close(s);
    tmp_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_reload),
        cmocka_unit_test(test_schema_and_wal),
        cmocka_unit_test(test_newer_schema_refused),
        cmocka_unit_test(test_retention),
        cmocka_unit_test(test_rollup_one_row_per_write),
        cmocka_unit_test(test_retention_once_a_minute),
        cmocka_unit_test(test_corrupt_file),
        cmocka_unit_test(test_unwritable_paths),
        cmocka_unit_test(test_memory_db_and_batch),
        cmocka_unit_test(test_concurrent_use_refused_not_raced),
        cmocka_unit_test(test_insights_round_trip),
        cmocka_unit_test(test_insights_retention),
        cmocka_unit_test(test_migrates_version_1),
        cmocka_unit_test(test_dynamic_metric_set),
        cmocka_unit_test(test_memory_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
