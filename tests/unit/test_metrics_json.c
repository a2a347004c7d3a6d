/* Metrics frame shape, group masks, first-sample semantics, insight/history/analytics bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/metrics_json.h"
#include "pulse_test.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static pulse_sample sample;

static void fill_sample(pulse_sample *s, bool rates)
{
    memset(s, 0, sizeof(*s));
    s->ts_ms = 1700000000123;
    s->has_rates = rates;
    s->cpu = (pulse_cpu_pct){rates, 12.346, 8.0, 3.0, 1.346, 87.654, 0};
    s->ncores = 2;
    s->cores[0] = (pulse_cpu_pct){rates, 20.004, 10, 10, 0, 79.996, 0};
    s->cores[1] = (pulse_cpu_pct){false, 0, 0, 0, 0, 0, 0};
    s->mem = (pulse_mem_sample){.total = 8000,
                                .used = 2000,
                                .available = 6000,
                                .cached = 1000,
                                .buffers = 100,
                                .swap_total = 4000,
                                .swap_used = 1000,
                                .usage = 25.0,
                                .swap_usage = 25.0};
    s->net.count = 2;
    s->net.ifaces[0] = (pulse_iface_rate){"lo", rates, 500.4, 500.6};
    s->net.ifaces[1] = (pulse_iface_rate){"eth0", false, 0, 0};
    s->net.rx_bps = rates ? 1234.5 : 0;
    s->net.tx_bps = rates ? 99.4 : 0;
    s->disk.count = 1;
    s->disk.disks[0] = (pulse_disk_rate){"sda", rates, 4096, 512};
    s->disk.read_bps = rates ? 4096 : 0;
    s->disk.write_bps = rates ? 512 : 0;
    s->load1 = 0.391;
    s->load5 = 0.28;
    s->load15 = 0.1;
    s->uptime_s = 314.61;
    s->processes = 123;
}

static json_t *frame(unsigned groups)
{
    json_t *o = NULL;
    assert_int_equal(pulse_metrics_json(&sample, groups, &o), 0);
    assert_non_null(o);
    return o;
}

static double num(json_t *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    if (!json_is_number(cur))
        fail_msg("%s is not a number", path);
    return json_number_value(cur);
}

static json_t *get(json_t *o, const char *a, const char *b)
{
    json_t *x = json_object_get(o, a);
    return b ? json_object_get(x, b) : x;
}

static void test_channel_groups(void **state)
{
    (void)state;
    assert_int_equal(pulse_channel_groups("metrics"), PULSE_GROUP_ALL);
    assert_int_equal(pulse_channel_groups("metrics.cpu"), PULSE_GROUP_CPU);
    assert_int_equal(pulse_channel_groups("metrics.memory"), PULSE_GROUP_MEMORY);
    assert_int_equal(pulse_channel_groups("metrics.network"), PULSE_GROUP_NETWORK);
    assert_int_equal(pulse_channel_groups("metrics.disk"), PULSE_GROUP_DISK);
    assert_int_equal(pulse_channel_groups("metrics.load"), PULSE_GROUP_LOAD);
    assert_int_equal(pulse_channel_groups("metrics.system"), PULSE_GROUP_SYSTEM);
    assert_int_equal(pulse_channel_groups("metrics.gpu"), -ENOENT);
    assert_int_equal(pulse_channel_groups("metricsx"), -ENOENT);
    assert_int_equal(pulse_channel_groups("insights"), 0);
    assert_int_equal(pulse_channel_groups("chat"), 0);
    assert_int_equal(pulse_channel_groups(NULL), -EINVAL);
    assert_int_equal(PULSE_GROUP_ALL, 0x3f);
}

static void test_group_mask_filters(void **state)
{
    (void)state;
    fill_sample(&sample, true);
    json_t *o = frame(PULSE_GROUP_CPU | PULSE_GROUP_LOAD);
    assert_int_equal(json_object_size(o), 5);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "metrics");
    assert_int_equal(json_integer_value(json_object_get(o, "ts")), 1700000000123);
    assert_true(json_is_true(json_object_get(o, "rates")));
    assert_non_null(get(o, "cpu", NULL));
    assert_non_null(get(o, "load", NULL));
    assert_null(get(o, "memory", NULL));
    assert_null(get(o, "network", NULL));
    json_decref(o);
    o = frame(0);
    assert_int_equal(json_object_size(o), 3); /* type, ts, rates */
    json_decref(o);
    o = frame(PULSE_GROUP_ALL);
    const char *groups[] = {"cpu", "memory", "network", "disk", "load", "system"};
    for (int i = 0; i < 6; i++)
        assert_true(json_is_object(get(o, groups[i], NULL)));
    json_decref(o);
}

static void test_full_frame_values(void **state)
{
    (void)state;
    fill_sample(&sample, true);
    json_t *o = frame(PULSE_GROUP_ALL);
    assert_near(num(o, "cpu.usage"), 12.35, 1e-9); /* two decimals */
    assert_near(num(o, "cpu.iowait"), 1.35, 1e-9);
    json_t *cores = get(o, "cpu", "cores");
    assert_int_equal(json_array_size(cores), 2);
    assert_near(json_number_value(json_array_get(cores, 0)), 20.0, 1e-9);
    assert_true(json_is_null(json_array_get(cores, 1)));
    assert_true(json_is_integer(get(o, "memory", "total")));
    assert_int_equal(json_integer_value(get(o, "memory", "used")), 2000);
    assert_int_equal(json_integer_value(get(o, "memory", "available")), 6000);
    assert_near(num(o, "memory.usage"), 25.0, 0);
    assert_int_equal(json_integer_value(get(o, "memory", "swap_used")), 1000);
    assert_null(get(o, "memory", "cgroup"));
    assert_int_equal(json_integer_value(get(o, "network", "rx_bps")), 1230); /* 3 digits */
    assert_int_equal(json_integer_value(get(o, "network", "tx_bps")), 99);
    json_t *ifs = get(o, "network", "interfaces");
    assert_int_equal(json_object_size(ifs), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ifs, "lo"), "tx_bps")),
                     501);
    assert_true(json_is_null(json_object_get(json_object_get(ifs, "eth0"), "rx_bps")));
    assert_int_equal(json_integer_value(get(o, "disk", "read_bps")), 4100);
    assert_near(num(o, "load.1m"), 0.39, 1e-9);
    assert_near(num(o, "load.15m"), 0.1, 1e-9);
    assert_int_equal(json_integer_value(get(o, "system", "uptime_s")), 314);
    assert_int_equal(json_integer_value(get(o, "system", "processes")), 123);
    json_decref(o);
}

/* Rates keep 3 significant digits, cached/buffers 4; used/available/totals stay exact. */
static void test_significant_digits(void **state)
{
    (void)state;
    fill_sample(&sample, true);
    sample.mem.total = 25276153856;
    sample.mem.used = 1262370816;
    sample.mem.available = 24013783040;
    sample.mem.buffers = 5820416;
    sample.net.ifaces[0].rx_bps = 734980.4;
    sample.disk.read_bps = 8750545;
    sample.disk.write_bps = 999.6;
    json_t *o = frame(PULSE_GROUP_ALL);
    assert_int_equal(json_integer_value(get(o, "memory", "total")), 25276153856);
    assert_int_equal(json_integer_value(get(o, "memory", "used")), 1262370816); /* exact */
    assert_int_equal(json_integer_value(get(o, "memory", "available")), 24013783040);
    assert_int_equal(json_integer_value(get(o, "memory", "buffers")), 5820000);
    json_t *lo = json_object_get(get(o, "network", "interfaces"), "lo");
    assert_int_equal(json_integer_value(json_object_get(lo, "rx_bps")), 735000);
    assert_int_equal(json_integer_value(get(o, "disk", "read_bps")), 8750000);
    assert_int_equal(json_integer_value(get(o, "disk", "write_bps")), 1000);
    json_decref(o);
}

static void test_cgroup_block(void **state)
{
    (void)state;
    fill_sample(&sample, true);
    sample.mem.cgroup_limited = true;
    sample.mem.cgroup_limit = 1024;
    sample.mem.cgroup_usage = 256;
    sample.mem.cgroup_pct = 25;
    json_t *o = frame(PULSE_GROUP_MEMORY);
    json_t *cg = get(o, "memory", "cgroup");
    assert_int_equal(json_integer_value(json_object_get(cg, "limit")), 1024);
    assert_int_equal(json_integer_value(json_object_get(cg, "used")), 256);
    assert_near(json_number_value(json_object_get(cg, "usage")), 25, 0);
    json_decref(o);
}

static void test_first_sample_says_no_rates(void **state)
{
    (void)state;
    fill_sample(&sample, false);
    json_t *o = frame(PULSE_GROUP_ALL);
    assert_true(json_is_false(json_object_get(o, "rates")));
    assert_true(json_is_null(get(o, "cpu", "usage")));
    assert_true(json_is_null(get(o, "cpu", "idle")));
    assert_true(json_is_null(json_array_get(get(o, "cpu", "cores"), 0)));
    assert_true(json_is_null(get(o, "network", "rx_bps")));
    assert_true(json_is_null(get(o, "disk", "write_bps")));
    json_t *lo = json_object_get(get(o, "network", "interfaces"), "lo");
    assert_true(json_is_null(json_object_get(lo, "rx_bps")));
    /* Levels are not rates: present on the first sample. */
    assert_int_equal(json_integer_value(get(o, "memory", "used")), 2000);
    assert_near(num(o, "load.5m"), 0.28, 1e-9);
    char *text = json_dumps(o, JSON_COMPACT);
    assert_non_null(strstr(text, "\"type\":\"metrics\""));
    assert_non_null(strstr(text, "\"usage\":null"));
    free(text);
    json_decref(o);
}

static void test_metric_values_from_sample(void **state)
{
    (void)state;
    fill_sample(&sample, true);
    double v;
    assert_int_equal(pulse_sample_metric(&sample, "cpu.usage", &v), 0);
    assert_near(v, 12.346, 1e-12);
    assert_int_equal(pulse_sample_metric(&sample, "network.tx_bps", &v), 0);
    assert_near(v, 99.4, 1e-12);
    assert_int_equal(pulse_sample_metric(&sample, "load.15m", &v), 0);
    assert_near(v, 0.1, 1e-12);
    assert_int_equal(pulse_sample_metric(&sample, "memory.swap_used", &v), 0);
    assert_near(v, 1000, 0);
    assert_int_equal(pulse_sample_metric(&sample, "cpu.cores", &v), -ENOENT);
    assert_int_equal(pulse_sample_metric(&sample, "", &v), -ENOENT);
}

static void test_insight_json(void **state)
{
    (void)state;
    pulse_insight in = {.key = "threshold:cpu.usage",
                        .level = PULSE_LEVEL_WARNING,
                        .active = true,
                        .metric = "cpu.usage",
                        .message = "CPU usage above 90% for 60 s (95.0%)",
                        .value = 95.0,
                        .ts_ms = 42};
    json_t *o;
    assert_int_equal(pulse_insight_json(&in, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "insight");
    assert_string_equal(json_string_value(json_object_get(o, "level")), "warning");
    assert_string_equal(json_string_value(json_object_get(o, "metric")), "cpu.usage");
    assert_string_equal(json_string_value(json_object_get(o, "message")), in.message);
    assert_near(json_number_value(json_object_get(o, "value")), 95, 0);
    assert_int_equal(json_integer_value(json_object_get(o, "ts")), 42);
    assert_true(json_is_true(json_object_get(o, "active")));
    json_decref(o);
}

static void test_insight_states_json(void **state)
{
    (void)state;
    pulse_insight in = {.key = "anomaly:disk.write_bps",
                        .level = PULSE_LEVEL_WARNING,
                        .active = true,
                        .metric = "disk.write_bps",
                        .message = "Disk writes at 972 MiB/s, far above the usual 150 KiB/s",
                        .value = 1019215872,
                        .ts_ms = 5000,
                        .threshold = NAN,
                        .clear_below = NAN,
                        .baseline = 153600,
                        .z = 92.4449,
                        .seq = 12,
                        .raised_ts = 5000};
    json_t *o;
    assert_int_equal(pulse_insight_json(&in, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "raised");
    assert_int_equal(json_integer_value(json_object_get(o, "seq")), 12);
    assert_string_equal(json_string_value(json_object_get(o, "unit")), "bytes/s");
    assert_near(json_number_value(json_object_get(o, "value")), 1019215872, 0);
    assert_near(json_number_value(json_object_get(o, "baseline")), 153600, 0);
    assert_near(json_number_value(json_object_get(o, "z")), 92.44, 1e-9);
    assert_null(json_object_get(o, "threshold")); /* no threshold: absent, not null */
    assert_null(json_object_get(o, "resolves"));
    assert_null(json_object_get(o, "reason"));
    json_decref(o);
    pulse_insight res = in;
    res.active = false;
    res.level = PULSE_LEVEL_INFO;
    res.seq = 13;
    res.resolves = 12;
    res.ts_ms = 65000;
    res.value = NAN;
    snprintf(res.reason, sizeof(res.reason), "restart");
    assert_int_equal(pulse_insight_json(&res, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "state")), "resolved");
    assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
    assert_false(json_is_true(json_object_get(o, "active")));
    assert_int_equal(json_integer_value(json_object_get(o, "resolves")), 12);
    assert_int_equal(json_integer_value(json_object_get(o, "raised_ts")), 5000);
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "restart");
    assert_true(json_is_null(json_object_get(o, "value")));
    json_decref(o);
}

static void test_insights_reply(void **state)
{
    (void)state;
    pulse_insight_log *log;
    assert_int_equal(pulse_insight_log_new(16, &log), 0);
    for (int i = 1; i <= 5; i++) {
        pulse_insight in = {.key = "threshold:cpu.usage",
                            .level = PULSE_LEVEL_WARNING,
                            .active = true,
                            .metric = "cpu.usage",
                            .value = i,
                            .ts_ms = i * 1000,
                            .threshold = 90,
                            .clear_below = 85,
                            .baseline = NAN,
                            .z = NAN,
                            .seq = (uint64_t)i};
        assert_int_equal(pulse_insight_log_add(log, &in), 0);
    }
    json_t *o = NULL;
    assert_int_equal(pulse_insights_reply_json(log, 3, 100, 5000, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "insights");
    json_t *arr = json_object_get(o, "insights");
    assert_int_equal(json_array_size(arr), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 0), "seq")), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "type")),
                        "insight");
    json_decref(o);
    assert_int_equal(pulse_insights_reply_json(log, 60, 2, 5000, &o), 0);
    arr = json_object_get(o, "insights");
    assert_int_equal(json_array_size(arr), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 1), "seq")), 5);
    json_decref(o);
    o = NULL;
    assert_int_equal(pulse_insights_reply_json(log, 0, 2, 5000, &o), -EINVAL);
    assert_int_equal(pulse_insights_reply_json(log, 604801, 2, 5000, &o), -EINVAL);
    assert_int_equal(pulse_insights_reply_json(log, 60, 0, 5000, &o), -EINVAL);
    assert_int_equal(pulse_insights_reply_json(log, 60, 1001, 5000, &o), -EINVAL);
    assert_null(o);
    pulse_insight_log_free(log);
}

static void test_history_reply(void **state)
{
    (void)state;
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    pulse_history *h;
    assert_int_equal(pulse_history_new(&cfg, &h), 0);
    double v[PULSE_METRIC_COUNT];
    for (int k = 1; k <= 5; k++) {
        for (int m = 0; m < PULSE_METRIC_COUNT; m++)
            v[m] = k;
        assert_int_equal(pulse_history_add(h, k * 1000, v), 0);
    }
    json_t *o = NULL;
    assert_int_equal(pulse_history_json(h, "cpu.nope", 60, 5000, &o), -ENOENT);
    assert_int_equal(pulse_history_json(h, "cpu.usage", 0, 5000, &o), -EINVAL);
    assert_int_equal(pulse_history_json(h, "cpu.usage", 604801, 5000, &o), -EINVAL);
    assert_null(o);
    assert_int_equal(pulse_history_json(h, "load.1m", 60, 5000, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "history");
    assert_string_equal(json_string_value(json_object_get(o, "metric")), "load.1m");
    assert_int_equal(json_integer_value(json_object_get(o, "step_ms")), 1000);
    json_t *pts = json_object_get(o, "points");
    assert_int_equal(json_array_size(pts), 5);
    json_t *first = json_array_get(pts, 0);
    assert_int_equal(json_integer_value(json_array_get(first, 0)), 1000);
    assert_near(json_number_value(json_array_get(first, 1)), 1, 0);
    json_decref(o);
    /* five seconds old: a week's range is answered from the five fine samples */
    assert_int_equal(pulse_history_json(h, "memory.used", 604800, 5000, &o), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "step_ms")), 1000);
    assert_int_equal(json_array_size(json_object_get(o, "points")), 5);
    json_decref(o);
    pulse_history_free(h);
}

static void test_analytics_bodies(void **state)
{
    (void)state;
    pulse_analytics_config cfg;
    pulse_analytics_config_default(&cfg);
    cfg.cpu_hold_s = 0;
    pulse_analytics *a;
    assert_int_equal(pulse_analytics_new(&cfg, &a), 0);
    double v[PULSE_METRIC_COUNT];
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        v[m] = NAN;
    for (int k = 1; k <= 4; k++) {
        v[PULSE_M_CPU_USAGE] = 90 + k; /* above 90 with no hold: raised at once */
        assert_int_equal(pulse_analytics_update(a, k * 1000, v, 4, NULL, 0, NULL), 0);
    }
    json_t *o;
    assert_int_equal(pulse_analytics_json(a, 4000, &o), 0);
    assert_int_equal(json_object_size(o), 1);
    json_t *cpu = json_object_get(o, "cpu.usage");
    assert_near(json_number_value(json_object_get(cpu, "min")), 91, 0);
    assert_near(json_number_value(json_object_get(cpu, "max")), 94, 0);
    assert_near(json_number_value(json_object_get(cpu, "avg")), 92.5, 1e-12);
    assert_near(json_number_value(json_object_get(cpu, "p95")), 94, 0);
    assert_near(json_number_value(json_object_get(cpu, "trend")), 60, 1e-9);
    json_decref(o);
    assert_int_equal(pulse_active_insights_json(a, &o), 0);
    assert_int_equal(json_array_size(o), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(o, 0), "metric")),
                        "cpu.usage");
    json_decref(o);
    pulse_analytics_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channel_groups),
        cmocka_unit_test(test_group_mask_filters),
        cmocka_unit_test(test_full_frame_values),
        cmocka_unit_test(test_significant_digits),
        cmocka_unit_test(test_cgroup_block),
        cmocka_unit_test(test_first_sample_says_no_rates),
        cmocka_unit_test(test_metric_values_from_sample),
        cmocka_unit_test(test_insight_json),
        cmocka_unit_test(test_insight_states_json),
        cmocka_unit_test(test_insights_reply),
        cmocka_unit_test(test_history_reply),
        cmocka_unit_test(test_analytics_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
