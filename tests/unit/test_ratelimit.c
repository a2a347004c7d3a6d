/* Token bucket and the sliding count of rejections. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hub/ratelimit.h"

static void test_burst_then_refill(void **state)
{
    (void)state;
    struct ratelimit rl;
    uint64_t t = 1000000;
    rl_init(&rl, 100, t);
    for (int i = 0; i < 100; i++)
        assert_true(rl_take(&rl, 50, 100, t));
    assert_false(rl_take(&rl, 50, 100, t)); /* the 101st in the same instant */
    assert_false(rl_take(&rl, 50, 100, t + 19));
    assert_true(rl_take(&rl, 50, 100, t + 20)); /* 50/s: one token per 20 ms */
    assert_false(rl_take(&rl, 50, 100, t + 20));
    /* Refill never exceeds the burst. */
    for (int i = 0; i < 100; i++)
        assert_true(rl_take(&rl, 50, 100, t + 100000));
    assert_false(rl_take(&rl, 50, 100, t + 100000));
}

static void test_sliding_rejections(void **state)
{
    (void)state;
    struct ratelimit rl;
    uint64_t t = 5000000;
    rl_init(&rl, 1, t);
    for (unsigned i = 1; i <= 300; i++)
        assert_int_equal(rl_reject(&rl, t), i);
    /* 5 s later the earlier ones still count ... */
    assert_int_equal(rl_reject(&rl, t + 5000), 301);
    /* ... 10 s after the first batch they no longer do. */
    assert_int_equal(rl_reject(&rl, t + 10000), 2);
    /* a long pause forgets everything */
    assert_int_equal(rl_reject(&rl, t + 100000), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refill),
        cmocka_unit_test(test_sliding_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
