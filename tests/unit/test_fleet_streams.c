/* Fleet history encoding: values, stream ids, lengths, minute averages, and Redis key names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "fleet/keys.h"
#include "fleet/streams.h"
#include "pulse_test.h"

static void test_values(void **state)
{
    (void)state;
    double v[4] = {12.5, NAN, 8123456789.0, 0}, back[4];
    char buf[128];
    int n = stream_values_encode(v, 4, buf, sizeof(buf));
    assert_true(n > 0);
    assert_string_equal(buf, "12.5,,8.12346e+09,0");
    assert_int_equal(stream_values_decode(buf, (size_t)n, back, 4), 0);
    assert_near(back[0], 12.5, 0);
    assert_true(isnan(back[1]));
    assert_near(back[2], 8.12346e9, 1);
    assert_near(back[3], 0, 0);
    /* Fewer values than expected: the rest are NaN. */
    assert_int_equal(stream_values_decode("1,2", 3, back, 4), 0);
    assert_true(isnan(back[2]) && isnan(back[3]));
    assert_int_equal(stream_values_encode(v, 4, buf, 5), -28);
    static const char *const bad[] = {"1,2,3,4,5", "abc",   "1;2",  "nan",
                                      "inf",       "1e999", "1 ,2", "1,0x10"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (stream_values_decode(bad[i], strlen(bad[i]), back, 4) != -22)
            fail_msg("accepted '%s'", bad[i]);
}

static void test_ids_and_lengths(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(stream_id_ms("1700000000123-4", 15, &ms), 0);
    assert_int_equal(ms, 1700000000123LL);
    assert_int_equal(stream_id_ms("17", 2, &ms), 0);
    assert_int_equal(stream_id_ms("-1", 2, &ms), -22);
    assert_int_equal(stream_id_ms("12x-1", 5, &ms), -22);
    assert_int_equal(stream_raw_maxlen(1000), 3600);
    assert_int_equal(stream_raw_maxlen(250), 14400);
    assert_int_equal(stream_raw_maxlen(10), STREAM_RAW_MAX_ENTRIES);
    assert_int_equal(stream_raw_maxlen(60000), 60);
}

static void test_minutes(void **state)
{
    (void)state;
    struct minute_acc a;
    double v[PULSE_METRIC_COUNT], avg[PULSE_METRIC_COUNT];
    int64_t ts = 0;
    minute_acc_init(&a);
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        v[m] = NAN;
    v[0] = 10;
    assert_int_equal(minute_acc_add(&a, 120000, v, &ts, avg), 0);
    v[0] = 20;
    assert_int_equal(minute_acc_add(&a, 150000, v, &ts, avg), 0);
    assert_int_equal(minute_acc_add(&a, 60000, v, &ts, avg), 0); /* older: ignored */
    v[0] = 99;
    assert_int_equal(minute_acc_add(&a, 180000, v, &ts, avg), 1);
    assert_int_equal(ts, 120000);
    assert_near(avg[0], 15, 1e-9);
    assert_true(isnan(avg[1]));
    assert_int_equal(minute_acc_add(&a, 300000, v, &ts, avg), 1);
    assert_int_equal(ts, 180000);
    assert_near(avg[0], 99, 1e-9);
}

static void test_keys(void **state)
{
    (void)state;
    char k[64];
    assert_int_equal(fleet_key(k, sizeof(k), "pulse:", FK_BUS, NULL), 9);
    assert_string_equal(k, "pulse:bus");
    fleet_key(k, sizeof(k), "p:", FK_HIST_MIN, "web1");
    assert_string_equal(k, "p:hist:web1:m");
    fleet_key(k, sizeof(k), "p:", FK_HIST_RAW, "web1");
    assert_string_equal(k, "p:hist:web1");
    fleet_key(k, sizeof(k), "p:", FK_USER, "alice");
    assert_string_equal(k, "p:user:alice");
    assert_int_equal(fleet_key(k, 8, "pulse:", FK_NODES, NULL), -28);
    assert_true(fleet_node_name_ok("web-1.example_2"));
    assert_false(fleet_node_name_ok(""));
    assert_false(fleet_node_name_ok("a b"));
    assert_false(fleet_node_name_ok("a:b"));
    char big[70];
    memset(big, 'a', 64);
    big[64] = '\0';
    assert_false(fleet_node_name_ok(big));
    assert_true(fleet_prefix_ok("pulse:"));
    assert_false(fleet_prefix_ok(""));
    assert_false(fleet_prefix_ok("a b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_ids_and_lengths),
        cmocka_unit_test(test_minutes),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
