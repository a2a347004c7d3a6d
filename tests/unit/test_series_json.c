/* The batched history reply: every check of the request, nulls and gap markers, the points cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/collector.h"
#include "metrics/series_json.h"
#include "pulse_test.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static pulse_history *hist;

static int setup(void **state)
{
    (void)state;
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    if (pulse_history_new(&cfg, &hist) < 0)
        return -1;
    double v[PULSE_METRIC_COUNT];
    for (int k = 1; k <= 3600; k++) {
        if (k > 5 && k < 20)
            continue; /* the daemon was down */
        for (int m = 0; m < PULSE_METRIC_COUNT; m++)
            v[m] = m * 100 + k;
        v[PULSE_M_NET_RX] = k == 3 ? NAN : k;
        pulse_history_add(hist, k * 1000, v);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pulse_history_free(hist);
    return 0;
}

/* Runs a request given as JSON text: {"metrics":..,"seconds":..,"points":..}. */
static int ask(const char *text, json_t **out, const char **detail)
{
    json_t *req = json_loads(text, JSON_ALLOW_NUL, NULL);
    assert_non_null(req);
    *out = NULL;
    *detail = NULL;
    int rc = pulse_series_reply_json(hist, NULL, json_object_get(req, "metrics"),
                                     json_object_get(req, "seconds"),
                                     json_object_get(req, "points"), 3600000, out, detail);
    json_decref(req);
    return rc;
}

static void test_two_series(void **state)
{
    (void)state;
    json_t *o;
    const char *d;
    assert_int_equal(
        ask("{\"metrics\":[\"network.rx_bps\",\"cpu.usage\"],\"seconds\":3600}", &o, &d), 0);
    assert_string_equal(json_string_value(json_object_get(o, "type")), "history");
    assert_int_equal(json_integer_value(json_object_get(o, "seconds")), 3600);
    json_t *series = json_object_get(o, "series");
    assert_int_equal(json_object_size(series), 2);
    json_t *rx = json_object_get(series, "network.rx_bps");
    assert_int_equal(json_integer_value(json_object_get(rx, "step_ms")), 4000);
    json_t *pts = json_object_get(rx, "points");
    assert_true(json_array_size(pts) <= 1000);
    /* Bucket [0, 4000) holds 1, 2 (3 has no value): mean 1.5; [4000, 8000) holds 4, 5; then
     * the empty bucket [8000, 12000) is the gap's null; the next point is [20000, 24000). */
    json_t *p0 = json_array_get(pts, 0), *p2 = json_array_get(pts, 2);
    assert_int_equal(json_integer_value(json_array_get(p0, 0)), 0);
    assert_near(json_real_value(json_array_get(p0, 1)), 1.5, 1e-12);
    assert_int_equal(json_integer_value(json_array_get(p2, 0)), 8000);
    assert_true(json_is_null(json_array_get(p2, 1)));
    json_t *p3 = json_array_get(pts, 3);
    assert_int_equal(json_integer_value(json_array_get(p3, 0)), 20000);
    assert_near(json_real_value(json_array_get(p3, 1)), 21.5, 1e-12);
    json_decref(o);
}

static void test_points_cap(void **state)
{
    (void)state;
    json_t *o;
    const char *d;
    assert_int_equal(ask("{\"metrics\":[\"cpu.usage\"],\"seconds\":3600,\"points\":10}", &o, &d),
                     0);
    json_t *cpu = json_object_get(json_object_get(o, "series"), "cpu.usage");
    assert_true(json_array_size(json_object_get(cpu, "points")) <= 10);
    assert_int_equal(json_integer_value(json_object_get(cpu, "step_ms")), 400000);
    json_decref(o);
    /* 3600 s ago to 3580 s ago at full resolution: (0, 22000] holds 1..5, marker, 20..22. */
    assert_int_equal(
        ask("{\"metrics\":[\"network.rx_bps\"],\"seconds\":3600,\"points\":1000}", &o, &d), 0);
    json_decref(o);
}

static void test_bad_requests(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"seconds\":60}",
        "{\"metrics\":\"cpu.usage\",\"seconds\":60}",
        "{\"metrics\":[],\"seconds\":60}",
        "{\"metrics\":[5],\"seconds\":60}",
        "{\"metrics\":[null],\"seconds\":60}",
        "{\"metrics\":[\"cpu.usage\",\"cpu.usage\"],\"seconds\":60}",
        "{\"metrics\":[\"cpu.usage\"]}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":0}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":604801}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":6.5}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":\"60\"}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":60,\"points\":1}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":60,\"points\":1001}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":60,\"points\":2.0}",
        "{\"metrics\":[\"cpu.usage\"],\"seconds\":60,\"points\":null}",
        "{\"metrics\":[\"nope\", 1],\"seconds\":60}", /* a shape error wins over a name */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *o;
        const char *d;
        if (ask(bad[i], &o, &d) != -EINVAL)
            fail_msg("not bad_request: %s", bad[i]);
        assert_non_null(d);
        assert_null(o);
    }
    /* 65 names is too many; 64 distinct unknown names is unknown_metric. */
    char text[4096];
    int len = snprintf(text, sizeof(text), "{\"seconds\":60,\"metrics\":[");
    for (int i = 0; i < 65; i++)
        len += snprintf(text + len, sizeof(text) - (size_t)len, "%s\"m%d\"", i ? "," : "", i);
    snprintf(text + len, sizeof(text) - (size_t)len, "]}");
    json_t *o;
    const char *d;
    assert_int_equal(ask(text, &o, &d), -EINVAL);
    char *cut = strstr(text, ",\"m64\"");
    snprintf(cut, 4, "]}");
    assert_int_equal(ask(text, &o, &d), -ENOENT);
}

static void test_unknown_metrics(void **state)
{
    (void)state;
    json_t *o;
    const char *d;
    assert_int_equal(ask("{\"metrics\":[\"cpu.usage\",\"cpu.nope\"],\"seconds\":60}", &o, &d),
                     -ENOENT);
    assert_int_equal(ask("{\"metrics\":[\"cpu.usage\\u0000x\"],\"seconds\":60}", &o, &d), -ENOENT);
    assert_int_equal(ask("{\"metrics\":[\"\"],\"seconds\":60}", &o, &d), -ENOENT);
    assert_null(o);
}

static void test_names_from_list(void **state)
{
    (void)state;
    json_t *a = pulse_series_names_from_list("cpu.usage,memory.usage", 22);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(json_array_get(a, 1)), "memory.usage");
    json_decref(a);
    a = pulse_series_names_from_list("a,,\xff", 4);
    assert_int_equal(json_array_size(a), 3);
    assert_string_equal(json_string_value(json_array_get(a, 1)), "");
    assert_string_equal(json_string_value(json_array_get(a, 2)), ""); /* not UTF-8 */
    json_decref(a);
    a = pulse_series_names_from_list("", 0);
    assert_int_equal(json_array_size(a), 1); /* one empty name: unknown_metric */
    json_decref(a);
    char many[1024];
    memset(many, ',', 200);
    a = pulse_series_names_from_list(many, 200);
    assert_int_equal(json_array_size(a), 65); /* stops once it is too many */
    json_decref(a);
    /* NUL bytes inside a %-decoded name stay in it, so it is no metric's name. */
    a = pulse_series_names_from_list("cpu.usage\0x", 11);
    json_t *o;
    const char *d;
    json_t *secs = json_integer(60);
    assert_int_equal(pulse_series_reply_json(hist, NULL, a, secs, NULL, 3600000, &o, &d), -ENOENT);
    json_decref(secs);
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_series),      cmocka_unit_test(test_points_cap),
        cmocka_unit_test(test_bad_requests),    cmocka_unit_test(test_unknown_metrics),
        cmocka_unit_test(test_names_from_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
