/* The channel index: names, subscribe/unsubscribe, fan-out, metric group masks, stats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub/broadcast.h"

static void test_channel_kinds(void **state)
{
    (void)state;
    unsigned mask = 0;
    assert_int_equal(bc_channel_kind("chat", NULL), CH_FREE);
    assert_int_equal(bc_channel_kind("a.b:c-d_E9", NULL), CH_FREE);
    assert_int_equal(bc_channel_kind("", NULL), CH_INVALID);
    assert_int_equal(bc_channel_kind("has space", NULL), CH_INVALID);
    assert_int_equal(bc_channel_kind("sl/ash", NULL), CH_INVALID);
    char name[80];
    memset(name, 'a', 64);
    name[64] = '\0';
    assert_int_equal(bc_channel_kind(name, NULL), CH_FREE);
    name[64] = 'a';
    name[65] = '\0';
    assert_int_equal(bc_channel_kind(name, NULL), CH_INVALID);
    assert_int_equal(bc_channel_kind("metrics", &mask), CH_METRICS);
    assert_int_equal(mask, PULSE_GROUP_ALL);
    assert_int_equal(bc_channel_kind("metrics.disk", &mask), CH_METRICS);
    assert_int_equal(mask, PULSE_GROUP_DISK);
    assert_int_equal(bc_channel_kind("insights", NULL), CH_INSIGHTS);
    assert_int_equal(bc_channel_kind("metrics.bogus", NULL), CH_RESERVED);
    assert_int_equal(bc_channel_kind("metricsfoo", NULL), CH_RESERVED);
    assert_int_equal(bc_channel_kind("insightsX", NULL), CH_RESERVED);
}

struct seen {
    struct conn *who[8];
    int n;
};

static void record(struct conn *c, struct pbuf *frame, void *arg)
{
    struct seen *s = arg;
    (void)frame;
    s->who[s->n++] = c;
}

static void test_subscribe_publish(void **state)
{
    (void)state;
    struct broadcast bc;
    struct conn a = {0}, b = {0}, c = {0};
    bc_init(&bc);
    assert_int_equal(bc_subscribe(&bc, &a, "chat"), 0);
    assert_int_equal(bc_subscribe(&bc, &a, "chat"), 1); /* already */
    assert_int_equal(bc_subscribe(&bc, &b, "chat"), 0);
    assert_int_equal(bc_subscribe(&bc, &c, "other"), 0);
    struct seen s = {0};
    assert_int_equal(bc_publish(&bc, "chat", NULL, record, &s), 2);
    assert_int_equal(s.n, 2);
    assert_true((s.who[0] == &a && s.who[1] == &b) || (s.who[0] == &b && s.who[1] == &a));
    assert_int_equal(bc_publish(&bc, "nobody", NULL, record, &s), 0);

    assert_int_equal(bc_unsubscribe(&bc, &a, "chat"), 0);
    assert_int_equal(bc_unsubscribe(&bc, &a, "chat"), 1); /* not subscribed */
    s.n = 0;
    assert_int_equal(bc_publish(&bc, "chat", NULL, record, &s), 1);
    assert_ptr_equal(s.who[0], &b);

    /* Empty channels disappear from the index and from stats. */
    bc_unsubscribe_all(&bc, &b);
    assert_null(bc_find(&bc, "chat"));
    json_t *st = bc_stats(&bc);
    assert_int_equal(json_object_size(st), 1);
    assert_int_equal(json_integer_value(json_object_get(st, "other")), 1);
    json_decref(st);
    bc_free(&bc);
}

static void test_metrics_masks(void **state)
{
    (void)state;
    struct broadcast bc;
    struct conn a = {0};
    bc_init(&bc);
    bc_subscribe(&bc, &a, "metrics.cpu");
    bc_subscribe(&bc, &a, "metrics.load");
    assert_int_equal(a.metrics_mask, PULSE_GROUP_CPU | PULSE_GROUP_LOAD);
    bc_subscribe(&bc, &a, "metrics");
    assert_int_equal(a.metrics_mask, PULSE_GROUP_ALL);
    bc_unsubscribe(&bc, &a, "metrics");
    assert_int_equal(a.metrics_mask, PULSE_GROUP_CPU | PULSE_GROUP_LOAD);
    bc_unsubscribe(&bc, &a, "metrics.cpu");
    assert_int_equal(a.metrics_mask, PULSE_GROUP_LOAD);
    bc_unsubscribe_all(&bc, &a);
    assert_int_equal(a.metrics_mask, 0);
    assert_int_equal(bc.nchannels, 0);
    bc_free(&bc);
}

static void test_subscription_cap(void **state)
{
    (void)state;
    struct broadcast bc;
    struct conn a = {0};
    char name[16];
    bc_init(&bc);
    for (int i = 0; i < BC_MAX_SUBS_PER_CONN; i++) {
        snprintf(name, sizeof(name), "ch%d", i);
        assert_int_equal(bc_subscribe(&bc, &a, name), 0);
    }
    assert_int_equal(bc_subscribe(&bc, &a, "one-more"), -E2BIG);
    assert_int_equal(a.nsubs, BC_MAX_SUBS_PER_CONN);
    bc_unsubscribe_all(&bc, &a);
    assert_int_equal(bc.nchannels, 0);
    bc_free(&bc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channel_kinds),
        cmocka_unit_test(test_subscribe_publish),
        cmocka_unit_test(test_metrics_masks),
        cmocka_unit_test(test_subscription_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
