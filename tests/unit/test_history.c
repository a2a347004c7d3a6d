/* History rings: wraparound, minute roll-up, downsampling and step_ms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/collector.h"
#include "metrics/history.h"
#include "pulse_test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define NM 2 /* metrics per point in the small test histories */

static pulse_history *make(uint32_t interval_ms, uint32_t fine_s, uint32_t minute_s)
{
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    cfg.interval_ms = interval_ms;
    cfg.fine_seconds = fine_s;
    cfg.minute_seconds = minute_s;
    cfg.nmetrics = NM;
    pulse_history *h = NULL;
    assert_int_equal(pulse_history_new(&cfg, &h), 0);
    return h;
}

static void add(pulse_history *h, int64_t ts, double v0, double v1)
{
    double v[NM] = {v0, v1};
    assert_int_equal(pulse_history_add(h, ts, v), 0);
}

static pulse_point out[PULSE_HISTORY_MAX_POINTS];

static void test_default_memory_figure(void **state)
{
    (void)state;
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    assert_int_equal(cfg.nmetrics, PULSE_METRIC_COUNT);
    pulse_history *h;
    assert_int_equal(pulse_history_new(&cfg, &h), 0);
    /* At first only the timestamps: a metric's columns come with its first value. */
    size_t ts = (3601 + 10081) * 8;
    size_t bytes = pulse_history_memory_bytes(h);
    assert_true(bytes >= ts);
    assert_true(bytes < ts + 4096);
    /* Once every metric has a value in both rings: 3601 fine + 10081 minute rows of (8-byte ts +
     * 8 bytes per metric). */
    double v[PULSE_METRIC_COUNT];
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        v[m] = m;
    assert_int_equal(pulse_history_add(h, 1000, v), 0);
    assert_int_equal(pulse_history_add(h, 61000, v), 0);
    size_t rings = (3601 + 10081) * (8 + 8 * (size_t)PULSE_METRIC_COUNT);
    bytes = pulse_history_memory_bytes(h);
    assert_true(bytes >= rings);
    assert_true(bytes < rings + 4096);
    assert_true(bytes < 3 * 1024 * 1024);
    pulse_history_free(h);
}

static void test_ring_wraparound(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 10, 3600); /* fine ring holds 11 samples */
    for (int k = 1; k <= 25; k++)
        add(h, k * 1000, k, -k);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query(h, 0, 10, 25000, 1000, out, &n, &step), 0);
    assert_int_equal(n, 10); /* (15000, 25000] */
    assert_int_equal(step, 1000);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].ts_ms, (int64_t)(16 + i) * 1000);
        assert_near(out[i].value, 16 + (double)i, 0);
    }
    assert_int_equal(pulse_history_query(h, 1, 3, 25000, 1000, out, &n, &step), 0);
    assert_int_equal(n, 3);
    assert_near(out[0].value, -23, 0);
    assert_near(out[2].value, -25, 0);
    pulse_history_free(h);
}

static void test_small_downsample(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 3600, 86400);
    for (int k = 1; k <= 20; k++)
        add(h, k * 1000, k, NAN);
    size_t n;
    int64_t step;
    /* w = ceil(20000 / 4) = 5000: buckets [0,5000) [5000,10000) ... aligned to the epoch. */
    assert_int_equal(pulse_history_query(h, 0, 20, 20000, 5, out, &n, &step), 0);
    assert_int_equal(step, 5000);
    assert_int_equal(n, 5);
    const double avg[] = {2.5, 7, 12, 17, 20};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].ts_ms, (int64_t)i * 5000);
        assert_near(out[i].value, avg[i], 1e-12);
    }
    /* Metric 1 only ever had NaN: no points at all. */
    assert_int_equal(pulse_history_query(h, 1, 20, 20000, 5, out, &n, &step), 0);
    assert_int_equal(n, 0);
    pulse_history_free(h);
}

static void test_hour_downsampled_to_1000(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 3600, 86400);
    for (int k = 1; k <= 3600; k++)
        add(h, k * 1000, k, 0);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query(h, 0, 3600, 3600000, 1000, out, &n, &step), 0);
    /* ceil(3600000 / 999) = 3604, rounded up to whole 1000 ms steps. */
    assert_int_equal(step, 4000);
    assert_int_equal(n, 901);
    assert_true(n <= 1000);
    assert_int_equal(out[0].ts_ms, 0);
    assert_near(out[0].value, 2.0, 1e-12); /* 1, 2, 3 */
    assert_int_equal(out[1].ts_ms, 4000);
    assert_near(out[1].value, 5.5, 1e-12); /* 4..7 */
    assert_near(out[899].value, 3597.5, 1e-12);
    assert_int_equal(out[900].ts_ms, 3600000);
    assert_near(out[900].value, 3600, 1e-12);
    for (size_t i = 1; i < n; i++)
        assert_true(out[i].ts_ms > out[i - 1].ts_ms);
    /* A 10-minute range has 600 points: no downsampling, step is the interval. */
    assert_int_equal(pulse_history_query(h, 0, 600, 3600000, 1000, out, &n, &step), 0);
    assert_int_equal(n, 600);
    assert_int_equal(step, 1000);
    assert_int_equal(out[0].ts_ms, 3001000);
    pulse_history_free(h);
}

static void test_minute_rollup(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 60, 3600);
    /* Minutes 10..14, every second; minute m holds m*100 + 0..59. */
    for (int i = 0; i < 300; i++)
        add(h, 600000 + i * 1000, (600 + i) / 60 * 100 + i % 60, 7);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query(h, 0, 300, 899000, 1000, out, &n, &step), 0);
    assert_int_equal(step, 60000);
    assert_int_equal(n, 5); /* the last, still-filling minute included */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(out[i].ts_ms, 600000 + i * 60000);
        assert_near(out[i].value, (10 + i) * 100 + 29.5, 1e-9);
    }
    /* The fine ring only kept the last 61 samples. */
    assert_int_equal(pulse_history_query(h, 1, 60, 899000, 1000, out, &n, &step), 0);
    assert_int_equal(n, 60);
    assert_int_equal(step, 1000);
    pulse_history_free(h);
}

static void test_loaded_minute_wins_over_replay(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 3600, 86400);
    double stored[NM] = {1.0, 2.0};
    assert_int_equal(pulse_history_load_minute(h, 480000, stored), 0);
    assert_int_equal(pulse_history_load_minute(h, 600000, stored), 0);
    assert_int_equal(pulse_history_load_minute(h, 540000, stored), 0); /* older: ignored */
    for (int i = 0; i <= 60; i++)
        add(h, 600000 + i * 1000, 5.0, 5.0);
    size_t n;
    int64_t step;
    /* The stored minutes reach back before the fine samples: a long range uses minutes. */
    assert_int_equal(pulse_history_query(h, 0, 7200, 660000, 1000, out, &n, &step), 0);
    assert_int_equal(step, 60000);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].ts_ms, 480000);
    assert_int_equal(out[1].ts_ms, 600000);
    assert_near(out[1].value, 1.0, 0);      /* the stored minute, not the replayed samples' 5.0 */
    assert_int_equal(out[2].ts_ms, 660000); /* the partial minute */
    assert_near(out[2].value, 5.0, 0);
    pulse_history_free(h);
}

/* A daemon younger than the fine span answers long ranges from its fine samples, not from the
 * few minute averages it has so far. */
static void test_young_daemon_long_range(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 3600, 86400);
    for (int i = 0; i < 600; i++) /* ten minutes, starting mid-minute */
        add(h, 630000 + i * 1000, i, 1);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query(h, 0, 7200, 1229000, 1000, out, &n, &step), 0);
    assert_int_equal(step, 1000); /* every sample, no downsampling */
    assert_int_equal(n, 600);
    assert_int_equal(out[0].ts_ms, 630000);
    assert_near(out[599].value, 599, 0);
    /* 6 hours: still the fine samples, fewer than 1000, so not averaged either */
    assert_int_equal(pulse_history_query(h, 0, 21600, 1229000, 1000, out, &n, &step), 0);
    assert_int_equal(n, 600);
    assert_int_equal(step, 1000);
    /* and averaged when they are more than max_points */
    assert_int_equal(pulse_history_query(h, 0, 21600, 1229000, 100, out, &n, &step), 0);
    assert_int_equal(step, 219000); /* ceil(21600000 / 99) rounded up to whole seconds */
    assert_true(n <= 100 && n >= 2);
    pulse_history_free(h);
}

static void test_week_of_minutes(void **state)
{
    (void)state;
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    pulse_history *h;
    assert_int_equal(pulse_history_new(&cfg, &h), 0);
    double v[PULSE_METRIC_COUNT] = {0};
    for (int i = 1; i <= 10080; i++) {
        v[PULSE_M_CPU_USAGE] = i;
        assert_int_equal(pulse_history_load_minute(h, (int64_t)i * 60000, v), 0);
    }
    size_t n;
    int64_t step;
    assert_int_equal(
        pulse_history_query(h, PULSE_M_CPU_USAGE, 604800, 604800000, 1000, out, &n, &step), 0);
    /* ceil(604800000 / 999) = 605406 -> 11 whole minutes. */
    assert_int_equal(step, 660000);
    assert_int_equal(n, 917);
    assert_near(out[0].value, 5.5, 1e-9);     /* minutes 1..10 */
    assert_near(out[1].value, 16.0, 1e-9);    /* minutes 11..21 */
    assert_near(out[916].value, 10078, 1e-9); /* minutes 10076..10080 */
    pulse_history_free(h);
}

/* Series for charts: a sample without a value stays as a NaN point, and a gap (the daemon was
 * down) is marked by one NaN point one step after the last point before it. */
static void test_series_nan_and_gap_raw(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 3600, 86400);
    for (int k = 1; k <= 5; k++)
        add(h, k * 1000, k == 3 ? NAN : k, 0);
    for (int k = 20; k <= 22; k++) /* 15 s without a sample */
        add(h, k * 1000, k, 0);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query_series(h, 0, 60, 22000, 1000, out, &n, &step), 0);
    assert_int_equal(step, 1000);
    assert_int_equal(n, 9);
    int64_t ts[] = {1000, 2000, 3000, 4000, 5000, 6000, 20000, 21000, 22000};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i].ts_ms, ts[i]);
    assert_true(isnan(out[2].value)); /* no value at 3 s */
    assert_true(isnan(out[5].value)); /* the gap marker */
    assert_near(out[6].value, 20, 0);
    /* The single-metric query is unchanged: no NaN, no marker. */
    assert_int_equal(pulse_history_query(h, 0, 60, 22000, 1000, out, &n, &step), 0);
    assert_int_equal(n, 7);
    /* Markers count against the cap: 8 samples + 1 marker do not fit in 8, so it averages. */
    assert_int_equal(pulse_history_query_series(h, 0, 60, 22000, 8, out, &n, &step), 0);
    assert_true(step > 1000);
    assert_true(n <= 8);
    /* A missed tick (2 s apart) is no gap. */
    add(h, 24000, 24, 0);
    assert_int_equal(pulse_history_query_series(h, 0, 5, 24000, 1000, out, &n, &step), 0);
    assert_int_equal(n, 4); /* 20, 21, 22, 24 */
    for (size_t i = 0; i < n; i++)
        assert_false(isnan(out[i].value));
    pulse_history_free(h);
}

/* Averaged: an hour of 1 s samples with a 10-minute hole, into at most 100 buckets. */
static void test_series_gap_bucketed(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 3600, 86400);
    const int64_t t0 = 1700000000000LL;
    for (int k = 1; k <= 3600; k++)
        if (k < 1200 || k >= 1800)
            add(h, t0 + k * 1000, 50, 0);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query_series(h, 0, 3600, t0 + 3600000, 100, out, &n, &step), 0);
    assert_int_equal(step, 37000); /* ceil(3600000 / 99) rounded up to whole seconds */
    assert_true(n <= 100);
    size_t nulls = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(out[i].ts_ms > out[i - 1].ts_ms);
        if (isnan(out[i].value)) {
            nulls++;
            assert_true(out[i].ts_ms > t0 + 1199000 && out[i].ts_ms < t0 + 1800000);
        } else {
            assert_near(out[i].value, 50, 0);
        }
        /* No two values more than a bucket apart without a null between them. */
        if (i > 0 && !isnan(out[i].value) && !isnan(out[i - 1].value))
            assert_int_equal(out[i].ts_ms - out[i - 1].ts_ms, step);
    }
    assert_int_equal(nulls, 1);
    pulse_history_free(h);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    pulse_history *h = make(1000, 60, 3600);
    add(h, 5000, 1, 1);
    double v[NM] = {1, 1};
    assert_int_equal(pulse_history_add(h, 5000, v), -EINVAL);
    assert_int_equal(pulse_history_add(h, 4000, v), -EINVAL);
    size_t n;
    int64_t step;
    assert_int_equal(pulse_history_query(h, 0, 0, 5000, 1000, out, &n, &step), -EINVAL);
    assert_int_equal(pulse_history_query(h, NM, 10, 5000, 1000, out, &n, &step), -EINVAL);
    assert_int_equal(pulse_history_query(h, 0, 10, 5000, 1, out, &n, &step), -EINVAL);
    assert_int_equal(pulse_history_query_series(h, 0, 0, 5000, 1000, out, &n, &step), -EINVAL);
    assert_int_equal(pulse_history_query_series(h, -1, 10, 5000, 1000, out, &n, &step), -EINVAL);
    assert_int_equal(pulse_history_query_series(h, 0, 10, 5000, 1, out, &n, &step), -EINVAL);
    assert_int_equal(pulse_history_query_series(NULL, 0, 10, 5000, 9, out, &n, &step), -EINVAL);
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    cfg.interval_ms = 0;
    pulse_history *bad;
    assert_int_equal(pulse_history_new(&cfg, &bad), -EINVAL);
    pulse_history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_memory_figure),
        cmocka_unit_test(test_ring_wraparound),
        cmocka_unit_test(test_small_downsample),
        cmocka_unit_test(test_hour_downsampled_to_1000),
        cmocka_unit_test(test_minute_rollup),
        cmocka_unit_test(test_young_daemon_long_range),
        cmocka_unit_test(test_loaded_minute_wins_over_replay),
        cmocka_unit_test(test_week_of_minutes),
        cmocka_unit_test(test_series_nan_and_gap_raw),
        cmocka_unit_test(test_series_gap_bucketed),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
