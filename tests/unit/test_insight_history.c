/* Insight history: reload from the store, insights left raised closed with reason "restart",
 * numbering continued, new insights into the log and the next batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/insight_history.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define T0 1700000040000LL

static void test_restart_closes_open_insights(void **state)
{
    (void)state;
    pulse_store *s = NULL;
    char err[256];
    assert_int_equal(pulse_store_open(":memory:", NULL, &s, err, sizeof(err)), 0);
    pulse_analytics_config cfg;
    pulse_analytics_config_default(&cfg);
    cfg.anomaly_metrics = 0;
    cfg.mem_hold_s = 0;
    pulse_analytics *a;
    assert_int_equal(pulse_analytics_new(&cfg, &a), 0);
    /* A first run raises a memory alert and stops while it is raised. */
    pulse_store_batch b;
    assert_int_equal(pulse_store_batch_init(&b, 4), 0);
    struct insight_history ih;
    assert_int_equal(insight_history_open(&ih, s, a, &b, T0, err, sizeof(err)), 0);
    double v[PULSE_METRIC_COUNT];
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        v[m] = NAN;
    v[PULSE_M_MEM_USAGE] = 97;
    pulse_insight ev[PULSE_ANALYTICS_MAX_EVENTS];
    size_t n = 0;
    assert_int_equal(pulse_analytics_update(a, T0, v, 2, ev, PULSE_ANALYTICS_MAX_EVENTS, &n), 0);
    assert_int_equal(n, 1);
    insight_history_add(&ih, ev, n, &b);
    assert_int_equal(b.ninsights, 1);
    assert_int_equal(pulse_store_write(s, &b, T0, err, sizeof(err)), 0);
    pulse_store_batch_reset(&b);
    insight_history_free(&ih);
    pulse_analytics_free(a);
    /* The second run finds it open and closes it. */
    assert_int_equal(pulse_analytics_new(&cfg, &a), 0);
    assert_int_equal(insight_history_open(&ih, s, a, &b, T0 + 300000, err, sizeof(err)), 0);
    assert_int_equal(b.ninsights, 1);
    const pulse_insight *res = &b.insights[0];
    assert_false(res->active);
    assert_int_equal(res->seq, 2);
    assert_int_equal(res->resolves, 1);
    assert_string_equal(res->reason, "restart");
    assert_string_equal(res->key, "threshold:memory.usage");
    assert_string_equal(res->message, "Memory use alert closed: pulse restarted 5 min after it "
                                      "was raised; checking again from now");
    json_t *o, *secs = json_integer(3600), *bad = json_real(1.5);
    assert_int_equal(insight_history_reply(&ih, secs, bad, T0 + 300000, &o), -EINVAL);
    assert_int_equal(insight_history_reply(&ih, bad, NULL, T0 + 300000, &o), -EINVAL);
    json_decref(bad);
    assert_int_equal(insight_history_reply(&ih, NULL, NULL, T0 + 300000, &o), 0);
    assert_int_equal(json_array_size(json_object_get(o, "insights")), 2);
    json_decref(o);
    assert_int_equal(insight_history_reply(&ih, secs, NULL, T0 + 300000, &o), 0);
    json_decref(secs);
    json_t *arr = json_object_get(o, "insights");
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "state")),
                        "resolved");
    json_decref(o);
    /* The numbering goes on after what was stored. */
    assert_int_equal(
        pulse_analytics_update(a, T0 + 301000, v, 2, ev, PULSE_ANALYTICS_MAX_EVENTS, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].seq, 3);
    insight_history_free(&ih);
    insight_history_free(NULL);
    pulse_analytics_free(a);
    pulse_store_batch_free(&b);
    pulse_store_close(s);
}

/* A filesystem alert closed by a restart is named in words, not by its history name. */
static void test_restart_names_a_mount_in_words(void **state)
{
    (void)state;
    pulse_analytics_config cfg;
    pulse_analytics_config_default(&cfg);
    pulse_analytics *a;
    assert_int_equal(pulse_analytics_new(&cfg, &a), 0);
    pulse_insight raised = {.active = true, .level = PULSE_LEVEL_WARNING, .ts_ms = T0, .seq = 4};
    snprintf(raised.key, sizeof(raised.key), "fs_full:/srv/data");
    snprintf(raised.metric, sizeof(raised.metric), "fs./srv/data.usage");
    pulse_insight out;
    pulse_analytics_restart_resolution(a, &raised, T0 + 120000, &out);
    assert_string_equal(out.metric, "fs./srv/data.usage");
    assert_string_equal(out.message, "Disk /srv/data alert closed: pulse restarted 2 min after it "
                                     "was raised; checking again from now");
    pulse_analytics_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_names_a_mount_in_words),
        cmocka_unit_test(test_restart_closes_open_insights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
