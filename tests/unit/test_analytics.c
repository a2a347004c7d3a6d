/* Analytics: window statistics, threshold alerts with hold/clear, EWMA anomalies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/analytics.h"
#include "pulse_test.h"

#include <errno.h>
#include <math.h>
#include <string.h>

typedef struct {
    pulse_analytics *a;
    double v[PULSE_METRIC_COUNT];
    int ncores;
    pulse_insight ev[PULSE_ANALYTICS_MAX_EVENTS];
    size_t nev;
    size_t raised, cleared;
    int64_t last_raise_ts, last_clear_ts;
    pulse_insight last_raise;
} rig;

static void rig_init(rig *r, const pulse_analytics_config *cfg)
{
    memset(r, 0, sizeof(*r));
    pulse_analytics_config def;
    pulse_analytics_config_default(&def);
    assert_int_equal(pulse_analytics_new(cfg ? cfg : &def, &r->a), 0);
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        r->v[m] = NAN;
    r->ncores = 4;
}

static void feed(rig *r, int64_t ts)
{
    assert_int_equal(pulse_analytics_update(r->a, ts, r->v, r->ncores, r->ev,
                                            PULSE_ANALYTICS_MAX_EVENTS, &r->nev),
                     0);
    for (size_t i = 0; i < r->nev; i++) {
        if (r->ev[i].active) {
            r->raised++;
            r->last_raise_ts = ts;
            r->last_raise = r->ev[i];
        } else {
            r->cleared++;
            r->last_clear_ts = ts;
        }
    }
}

/* Threshold tests switch anomaly detection off: a 95 -> 40 drop is a genuine anomaly too. */
static void rig_rules_only(rig *r)
{
    pulse_analytics_config cfg;
    pulse_analytics_config_default(&cfg);
    cfg.anomaly_metrics = 0;
    rig_init(r, &cfg);
}

static void test_stats_hand_computed(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, NULL);
    for (int k = 1; k <= 20; k++) {
        r.v[PULSE_M_CPU_USAGE] = k;
        feed(&r, k * 1000);
    }
    pulse_stats st;
    assert_int_equal(pulse_analytics_stats(r.a, PULSE_M_CPU_USAGE, 20000, &st), 0);
    assert_int_equal(st.count, 20);
    assert_near(st.min, 1, 0);
    assert_near(st.max, 20, 0);
    assert_near(st.avg, 10.5, 1e-12);
    assert_near(st.p95, 19, 0);      /* nearest rank: ceil(0.95 * 20) = 19th */
    assert_near(st.trend, 60, 1e-9); /* +1 per second */
    assert_int_equal(pulse_analytics_stats(r.a, PULSE_M_LOAD1, 20000, &st), -ENODATA);
    assert_int_equal(pulse_analytics_stats(r.a, PULSE_METRIC_COUNT, 20000, &st), -EINVAL);
    pulse_analytics_free(r.a);
}

static void test_stats_window_and_big_values(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, NULL);
    for (int k = 1; k <= 400; k++) {
        r.v[PULSE_M_CPU_USAGE] = k;
        r.v[PULSE_M_MEM_USED] = 1e10 + 1000.0 * k;
        r.v[PULSE_M_LOAD1] = (k % 2) ? 1.0 : 3.0;
        feed(&r, k * 1000);
    }
    pulse_stats st;
    assert_int_equal(pulse_analytics_stats(r.a, PULSE_M_CPU_USAGE, 400000, &st), 0);
    assert_int_equal(st.count, 300); /* (100 s, 400 s] */
    assert_near(st.min, 101, 0);
    assert_near(st.max, 400, 0);
    assert_near(st.avg, 250.5, 1e-9);
    assert_near(st.p95, 385, 0); /* ceil(285) -> 100 + 285 */
    assert_int_equal(pulse_analytics_stats(r.a, PULSE_M_MEM_USED, 400000, &st), 0);
    assert_near(st.trend, 60000, 1e-3);
    assert_int_equal(pulse_analytics_stats(r.a, PULSE_M_LOAD1, 400000, &st), 0);
    assert_near(st.avg, 2.0, 1e-12);
    /* Alternating 1, 3 starting on 1 over an even count: slope 150 / 60 / sum((x - mx)^2). */
    assert_near(st.trend, 9000.0 / (300.0 * (300.0 * 300.0 - 1) / 12), 1e-12);
    pulse_analytics_free(r.a);
}

static void test_cpu_alert_hold_and_clear_once(void **state)
{
    (void)state;
    rig r;
    rig_rules_only(&r);
    int64_t t = 0;
    /* 30 s above, one dip, then 59 s above: the hold restarts, so nothing is raised. */
    r.v[PULSE_M_CPU_USAGE] = 95;
    for (int i = 0; i < 30; i++)
        feed(&r, t += 1000);
    r.v[PULSE_M_CPU_USAGE] = 50;
    feed(&r, t += 1000);
    r.v[PULSE_M_CPU_USAGE] = 95;
    int64_t above_from = t + 1000;
    for (int i = 0; i < 60; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 0);
    feed(&r, t += 1000); /* 60 s after above_from */
    assert_int_equal(r.raised, 1);
    assert_int_equal(r.last_raise_ts, above_from + 60000);
    assert_string_equal(r.last_raise.key, "threshold:cpu.usage");
    assert_string_equal(r.last_raise.metric, "cpu.usage");
    assert_int_equal(r.last_raise.level, PULSE_LEVEL_WARNING);
    assert_near(r.last_raise.value, 95, 0);
    for (int i = 0; i < 120; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 1);
    pulse_insight act[PULSE_ANALYTICS_MAX_EVENTS];
    size_t n;
    assert_int_equal(pulse_analytics_active(r.a, act, PULSE_ANALYTICS_MAX_EVENTS, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(act[0].key, "threshold:cpu.usage");
    /* Below for the clear hold (10 s), then stays below: exactly one clear. */
    r.v[PULSE_M_CPU_USAGE] = 40;
    int64_t below_from = t + 1000;
    for (int i = 0; i < 100; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 1);
    assert_int_equal(r.last_clear_ts, below_from + 10000);
    assert_int_equal(pulse_analytics_active(r.a, act, PULSE_ANALYTICS_MAX_EVENTS, &n), 0);
    assert_int_equal(n, 0);
    pulse_analytics_free(r.a);
}

static void test_memory_and_load_alerts(void **state)
{
    (void)state;
    rig r;
    rig_rules_only(&r);
    r.ncores = 2;
    r.v[PULSE_M_MEM_USAGE] = 93;
    r.v[PULSE_M_LOAD1] = 2.5;
    int64_t t = 0;
    for (int i = 0; i <= 60; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 2);
    pulse_insight act[PULSE_ANALYTICS_MAX_EVENTS];
    size_t n;
    assert_int_equal(pulse_analytics_active(r.a, act, PULSE_ANALYTICS_MAX_EVENTS, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(act[0].metric, "memory.usage");
    assert_int_equal(act[0].level, PULSE_LEVEL_CRITICAL);
    assert_string_equal(act[1].metric, "load.1m");
    /* Load 2.5 on 4 cores is fine: the load rule clears. */
    r.ncores = 4;
    for (int i = 0; i < 20; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 1);
    assert_int_equal(pulse_analytics_active(r.a, act, PULSE_ANALYTICS_MAX_EVENTS, &n), 0);
    assert_int_equal(n, 1);
    pulse_analytics_free(r.a);
}

static void test_swap_rising(void **state)
{
    (void)state;
    rig r;
    rig_rules_only(&r);
    int64_t t = 0;
    const double mib = 1024.0 * 1024.0;
    /* Flat swap use: in use but not rising. */
    r.v[PULSE_M_SWAP_USED] = 100 * mib;
    for (int i = 0; i < 120; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 0);
    /* Rising 3 MiB per minute from here. */
    for (int i = 1; i <= 300; i++) {
        r.v[PULSE_M_SWAP_USED] = 100 * mib + 3 * mib * i / 60.0;
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised, 1);
    assert_string_equal(r.last_raise.metric, "memory.swap_used");
    r.v[PULSE_M_SWAP_USED] = 0;
    for (int i = 0; i < 30; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 1);
    pulse_analytics_free(r.a);
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* Uniform noise in [-amp, amp], reproducible. */
static double noise(uint32_t *s, double amp)
{
    return ((double)lcg(s) / (double)(1u << 24) * 2.0 - 1.0) * amp;
}

static void test_anomaly_spike_raised_and_cleared_once(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, NULL);
    uint32_t seed = 7;
    int64_t t = 0;
    for (int i = 0; i < 200; i++) {
        r.v[PULSE_M_CPU_USAGE] = 20 + noise(&seed, 1.0);
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised + r.cleared, 0);
    int64_t spike_from = t + 1000;
    for (int i = 0; i < 10; i++) {
        r.v[PULSE_M_CPU_USAGE] = 80 + noise(&seed, 1.0);
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised, 1);
    assert_int_equal(r.last_raise_ts, spike_from + 2000); /* third anomalous sample */
    assert_string_equal(r.last_raise.key, "anomaly:cpu.usage");
    assert_non_null(strstr(r.last_raise.message, "above the usual"));
    for (int i = 0; i < 300; i++) {
        r.v[PULSE_M_CPU_USAGE] = 20 + noise(&seed, 1.0);
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised, 1);
    assert_int_equal(r.cleared, 1);
    pulse_analytics_free(r.a);
}

static void test_no_anomaly_on_steady_noise(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, NULL);
    uint32_t seed = 12345;
    int64_t t = 0;
    for (int i = 0; i < 5000; i++) {
        r.v[PULSE_M_CPU_USAGE] = 50 + noise(&seed, 10.0);
        r.v[PULSE_M_MEM_USAGE] = 40 + noise(&seed, 0.01); /* nearly flat: sd floor matters */
        r.v[PULSE_M_NET_RX] = 2000 + noise(&seed, 1500.0);
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised + r.cleared, 0);
    pulse_analytics_free(r.a);
}

static void test_no_anomaly_during_warmup(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, NULL);
    int64_t t = 0;
    for (int i = 0; i < 10; i++) {
        r.v[PULSE_M_DISK_READ] = 1e3;
        feed(&r, t += 1000);
    }
    for (int i = 0; i < 5; i++) {
        r.v[PULSE_M_DISK_READ] = 1e9;
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised, 0);
    pulse_analytics_free(r.a);
}

/* Sustained high, then values hovering around the threshold and around the clear level: one
 * raise, no resolution until the value is really back (below threshold - margin for the clear
 * hold), then exactly one resolution that names the raised insight. */
static void test_cpu_hysteresis_oscillating(void **state)
{
    (void)state;
    rig r;
    rig_rules_only(&r);
    int64_t t = 0;
    for (int i = 0; i < 300; i++) { /* 89 / 91 never holds above 90 for 60 s */
        r.v[PULSE_M_CPU_USAGE] = i % 2 ? 91 : 89;
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised, 0);
    r.v[PULSE_M_CPU_USAGE] = 97;
    for (int i = 0; i <= 60; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 1);
    pulse_insight raised = r.last_raise;
    assert_string_equal(raised.message, "CPU at 97 %, above 90 % for 60 s");
    assert_near(raised.threshold, 90, 0);
    assert_near(raised.clear_below, 85, 0);
    assert_int_equal(raised.resolves, 0);
    assert_string_equal(raised.reason, "");
    for (int i = 0; i < 200; i++) { /* between the clear level and the threshold */
        r.v[PULSE_M_CPU_USAGE] = i % 2 ? 88 : 92;
        feed(&r, t += 1000);
    }
    for (int i = 0; i < 200; i++) { /* below 85 but never for 10 s in a row */
        r.v[PULSE_M_CPU_USAGE] = i % 5 == 4 ? 86 : 80;
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised + r.cleared, 1);
    r.v[PULSE_M_CPU_USAGE] = 12;
    for (int i = 0; i < 10; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 0);
    feed(&r, t += 1000);
    assert_int_equal(r.cleared, 1);
    assert_int_equal(r.nev, 1);
    const pulse_insight *res = &r.ev[0];
    assert_false(res->active);
    assert_int_equal(res->level, PULSE_LEVEL_INFO);
    assert_string_equal(res->key, "threshold:cpu.usage");
    assert_int_equal(res->resolves, raised.seq);
    assert_true(res->seq > raised.seq);
    assert_int_equal(res->raised_ts, raised.ts_ms);
    assert_string_equal(res->reason, "recovered");
    assert_near(res->value, 12, 0);
    assert_string_equal(res->message, "CPU back to normal at 12 % (alert lasted 7 min)");
    for (int i = 0; i < 100; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised + r.cleared, 2);
    pulse_analytics_free(r.a);
}

/* The case: 0.2 per core on 2 cores is a 0.4 threshold, and the words say so. */
static void test_load_wording_matches_threshold(void **state)
{
    (void)state;
    pulse_analytics_config cfg;
    pulse_analytics_config_default(&cfg);
    cfg.anomaly_metrics = 0;
    cfg.load_per_core = 0.2;
    rig r;
    rig_init(&r, &cfg);
    r.ncores = 2;
    int64_t t = 0;
    r.v[PULSE_M_LOAD1] = 0.39; /* under 0.40: nothing */
    for (int i = 0; i < 100; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 0);
    r.v[PULSE_M_LOAD1] = 0.67;
    for (int i = 0; i <= 60; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 1);
    assert_string_equal(r.last_raise.message,
                        "Load average 0.67, above 0.40 (0.20 per core, 2 cores) for 60 s");
    assert_near(r.last_raise.threshold, 0.4, 1e-12);
    assert_near(r.last_raise.clear_below, 0.36, 1e-12);
    r.v[PULSE_M_LOAD1] = 0.38; /* under the threshold, not under 0.36 */
    for (int i = 0; i < 100; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 0);
    r.v[PULSE_M_LOAD1] = 0.30;
    for (int i = 0; i <= 10; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 1);
    assert_non_null(strstr(r.ev[0].message, "Load average back to normal at 0.30"));
    pulse_analytics_free(r.a);
}

/* A pegged CPU is not "back to normal" because the average crept up: the baseline is frozen
 * while the anomaly lasts, and after anomaly_adopt_s the level is declared the new normal. */
static void test_anomaly_pegged_not_back_to_normal(void **state)
{
    (void)state;
    rig r;
    pulse_analytics_config cfg;
    pulse_analytics_config_default(&cfg);
    cfg.cpu_usage_pct = 100; /* the threshold rule would raise too: only the anomaly here */
    rig_init(&r, &cfg);
    uint32_t seed = 3;
    int64_t t = 0;
    for (int i = 0; i < 200; i++) {
        r.v[PULSE_M_CPU_USAGE] = 10 + noise(&seed, 0.5);
        feed(&r, t += 1000);
    }
    r.v[PULSE_M_CPU_USAGE] = 99.6;
    for (int i = 0; i < 3; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 1);
    pulse_insight raised = r.last_raise;
    assert_string_equal(raised.message, "CPU at 99.6 %, far above the usual 10 %");
    assert_near(raised.baseline, 10, 0.5);
    assert_true(raised.z > 3);
    for (int i = 0; i < 590; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 0); /* 9 min 50 s pegged: still raised */
    for (int i = 0; i < 10; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 1);
    assert_int_equal(r.ev[0].resolves, raised.seq);
    assert_string_equal(r.ev[0].reason, "new_normal");
    assert_string_equal(r.ev[0].message,
                        "CPU has stayed near 99.6 % for 10 min: now the usual level");
    for (int i = 0; i < 300; i++) /* the new normal raises nothing */
        feed(&r, t += 1000);
    assert_int_equal(r.raised + r.cleared, 2);
    pulse_analytics_free(r.a);
}

/* After a raise, values that keep coming back and leaving resolve nothing and raise nothing;
 * only anomaly_clear_samples normal samples in a row resolve it, once. */
static void test_anomaly_oscillating_resolves_once(void **state)
{
    (void)state;
    rig r;
    rig_init(&r, NULL);
    const double kib = 1024;
    int64_t t = 0;
    r.v[PULSE_M_DISK_WRITE] = 150 * kib;
    for (int i = 0; i < 100; i++)
        feed(&r, t += 1000);
    r.v[PULSE_M_DISK_WRITE] = 972 * kib * kib;
    for (int i = 0; i < 3; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 1);
    assert_string_equal(r.last_raise.message,
                        "Disk writes at 972 MiB/s, far above the usual 150 KiB/s");
    assert_near(r.last_raise.value, 972 * kib * kib, 0);
    assert_near(r.last_raise.baseline, 150 * kib, 1e-6);
    for (int i = 0; i < 300; i++) { /* 9 normal, 1 high, repeatedly */
        r.v[PULSE_M_DISK_WRITE] = i % 10 == 9 ? 972 * kib * kib : 150 * kib;
        feed(&r, t += 1000);
    }
    assert_int_equal(r.raised + r.cleared, 1);
    r.v[PULSE_M_DISK_WRITE] = 160 * kib;
    for (int i = 0; i < 10; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.cleared, 1);
    assert_string_equal(r.ev[0].reason, "recovered");
    assert_string_equal(r.ev[0].message,
                        "Disk writes back to normal at 160 KiB/s (alert lasted 5 min)");
    pulse_analytics_free(r.a);
}

static void test_seq_continues_after_restore(void **state)
{
    (void)state;
    rig r;
    rig_rules_only(&r);
    pulse_analytics_set_next_seq(r.a, 41);
    pulse_analytics_set_next_seq(r.a, 7); /* never goes back */
    r.v[PULSE_M_MEM_USAGE] = 95;
    int64_t t = 0;
    for (int i = 0; i <= 60; i++)
        feed(&r, t += 1000);
    assert_int_equal(r.raised, 1);
    assert_int_equal(r.last_raise.seq, 41);
    assert_string_equal(r.last_raise.message, "Memory use at 95 %, above 90 % for 60 s");
    pulse_analytics_free(r.a);
}

static void test_bad_input(void **state)
{
    (void)state;
    pulse_analytics_config cfg;
    pulse_analytics_config_default(&cfg);
    pulse_analytics *a;
    cfg.ewma_alpha = 0;
    assert_int_equal(pulse_analytics_new(&cfg, &a), -EINVAL);
    rig r;
    rig_init(&r, NULL);
    feed(&r, 5000);
    assert_int_equal(pulse_analytics_update(r.a, 5000, r.v, 1, NULL, 0, NULL), -EINVAL);
    assert_string_equal(pulse_level_name(PULSE_LEVEL_CRITICAL), "critical");
    assert_string_equal(pulse_level_name(PULSE_LEVEL_INFO), "info");
    pulse_analytics_free(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_hand_computed),
        cmocka_unit_test(test_stats_window_and_big_values),
        cmocka_unit_test(test_cpu_alert_hold_and_clear_once),
        cmocka_unit_test(test_memory_and_load_alerts),
        cmocka_unit_test(test_swap_rising),
        cmocka_unit_test(test_anomaly_spike_raised_and_cleared_once),
        cmocka_unit_test(test_no_anomaly_on_steady_noise),
        cmocka_unit_test(test_no_anomaly_during_warmup),
        cmocka_unit_test(test_cpu_hysteresis_oscillating),
        cmocka_unit_test(test_load_wording_matches_threshold),
        cmocka_unit_test(test_anomaly_pegged_not_back_to_normal),
        cmocka_unit_test(test_anomaly_oscillating_resolves_once),
        cmocka_unit_test(test_seq_continues_after_restore),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
