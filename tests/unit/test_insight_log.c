/* Insight log: order, range and limit selection, the cap, and insights left unresolved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/insight_log.h"

#include <errno.h>
#include <string.h>

static pulse_insight ev(uint64_t seq, int64_t ts, bool active, uint64_t resolves)
{
    pulse_insight in;
    memset(&in, 0, sizeof(in));
    in.seq = seq;
    in.ts_ms = ts;
    in.active = active;
    in.resolves = resolves;
    return in;
}

static void test_select_range_and_limit(void **state)
{
    (void)state;
    pulse_insight_log *l;
    assert_int_equal(pulse_insight_log_new(8, &l), 0);
    for (uint64_t i = 1; i <= 5; i++) {
        pulse_insight in = ev(i, (int64_t)i * 1000, true, 0);
        assert_int_equal(pulse_insight_log_add(l, &in), 0);
    }
    const pulse_insight *out[8];
    /* (2000, 5000]: 3, 4, 5 in time order. */
    assert_int_equal(pulse_insight_log_select(l, 2000, 5000, 8, out), 3);
    assert_int_equal(out[0]->seq, 3);
    assert_int_equal(out[2]->seq, 5);
    /* A limit keeps the newest, still oldest first. */
    assert_int_equal(pulse_insight_log_select(l, 0, 5000, 2, out), 2);
    assert_int_equal(out[0]->seq, 4);
    assert_int_equal(out[1]->seq, 5);
    assert_int_equal(pulse_insight_log_select(l, 0, 3500, 8, out), 3);
    assert_int_equal(pulse_insight_log_select(l, 5000, 9000, 8, out), 0);
    assert_int_equal(pulse_insight_log_select(l, 0, 9000, 0, out), 0);
    /* A seq that does not increase is refused. */
    pulse_insight old = ev(5, 9000, true, 0);
    assert_int_equal(pulse_insight_log_add(l, &old), -EINVAL);
    assert_int_equal(pulse_insight_log_last_seq(l), 5);
    pulse_insight_log_free(l);
}

static void test_cap_drops_oldest(void **state)
{
    (void)state;
    pulse_insight_log *l;
    assert_int_equal(pulse_insight_log_new(3, &l), 0);
    assert_int_equal(pulse_insight_log_last_seq(l), 0);
    for (uint64_t i = 1; i <= 10; i++) {
        pulse_insight in = ev(i, (int64_t)i, true, 0);
        assert_int_equal(pulse_insight_log_add(l, &in), 0);
    }
    assert_int_equal(pulse_insight_log_count(l), 3);
    const pulse_insight *out[3];
    assert_int_equal(pulse_insight_log_select(l, 0, 100, 3, out), 3);
    assert_int_equal(out[0]->seq, 8);
    assert_int_equal(out[2]->seq, 10);
    pulse_insight_log_free(l);
    assert_int_equal(pulse_insight_log_new(0, &l), -EINVAL);
}

static void test_unresolved(void **state)
{
    (void)state;
    pulse_insight_log *l;
    assert_int_equal(pulse_insight_log_new(16, &l), 0);
    pulse_insight list[] = {ev(1, 1, true, 0), ev(2, 2, true, 0), ev(3, 3, false, 1),
                            ev(4, 4, true, 0)};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(pulse_insight_log_add(l, &list[i]), 0);
    pulse_insight out[4];
    assert_int_equal(pulse_insight_log_unresolved(l, out, 4), 2);
    assert_int_equal(out[0].seq, 2);
    assert_int_equal(out[1].seq, 4);
    assert_int_equal(pulse_insight_log_unresolved(l, out, 1), 1);
    pulse_insight_log_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_range_and_limit),
        cmocka_unit_test(test_cap_drops_oldest),
        cmocka_unit_test(test_unresolved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
