/* Humanize: units of metrics, labels, values and durations in words for people. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/collector.h"
#include "metrics/humanize.h"

#include <math.h>

static const char *val(pulse_unit u, double v)
{
    static char buf[64];
    pulse_format_value(u, v, buf, sizeof(buf));
    return buf;
}

static const char *dur(long long ms)
{
    static char buf[64];
    pulse_format_duration(ms, buf, sizeof(buf));
    return buf;
}

static void test_bytes_and_rates(void **state)
{
    (void)state;
    assert_string_equal(val(PULSE_UNIT_BPS, 0), "0 B/s");
    assert_string_equal(val(PULSE_UNIT_BPS, 512), "512 B/s");
    assert_string_equal(val(PULSE_UNIT_BPS, 1023), "1023 B/s");
    assert_string_equal(val(PULSE_UNIT_BPS, 1024), "1.0 KiB/s");
    assert_string_equal(val(PULSE_UNIT_BPS, 1536), "1.5 KiB/s");
    assert_string_equal(val(PULSE_UNIT_BPS, 150 * 1024.0), "150 KiB/s");
    assert_string_equal(val(PULSE_UNIT_BPS, 1019637760), "972 MiB/s");
    /* 1023.9 KiB rounds to 1024: shown as the next unit instead. */
    assert_string_equal(val(PULSE_UNIT_BPS, 1023.9 * 1024), "1.0 MiB/s");
    assert_string_equal(val(PULSE_UNIT_BYTES, 1.5 * 1024 * 1024 * 1024), "1.5 GiB");
    assert_string_equal(val(PULSE_UNIT_BYTES, 3e18), "2.6 EiB");
    assert_string_equal(val(PULSE_UNIT_BYTES, 1e24), "867362 EiB"); /* no unit past EiB */
}

static void test_percent_load_count(void **state)
{
    (void)state;
    assert_string_equal(val(PULSE_UNIT_PERCENT, 12.345), "12 %");
    assert_string_equal(val(PULSE_UNIT_PERCENT, 5.26), "5.3 %");
    assert_string_equal(val(PULSE_UNIT_PERCENT, 0.25), "0.25 %");
    assert_string_equal(val(PULSE_UNIT_PERCENT, 99.6), "99.6 %"); /* never a false "100 %" */
    assert_string_equal(val(PULSE_UNIT_PERCENT, 100), "100 %");
    assert_string_equal(val(PULSE_UNIT_PERCENT, 1), "1 %"); /* a whole threshold stays whole */
    assert_string_equal(val(PULSE_UNIT_PERCENT, 1.04), "1.0 %");
    assert_string_equal(val(PULSE_UNIT_LOAD, 0.666), "0.67");
    assert_string_equal(val(PULSE_UNIT_COUNT, 123), "123");
    assert_string_equal(val(PULSE_UNIT_NUMBER, 2.5), "2.5");
    assert_string_equal(val(PULSE_UNIT_PERCENT, NAN), "no value");
    assert_string_equal(val(PULSE_UNIT_BPS, INFINITY), "no value");
}

static void test_durations(void **state)
{
    (void)state;
    assert_string_equal(dur(-5), "0 s");
    assert_string_equal(dur(45000), "45 s");
    assert_string_equal(dur(119000), "119 s");
    assert_string_equal(dur(120000), "2 min");
    assert_string_equal(dur(7 * 60000 + 10000), "7 min");
    assert_string_equal(dur(2 * 3600000LL + 5 * 60000), "2 h 5 min");
    assert_string_equal(dur(3 * 3600000LL), "3 h");
    assert_string_equal(dur(76 * 3600000LL), "3 d 4 h");
    assert_string_equal(dur(7 * 86400000LL), "7 d");
}

static void test_units_and_labels(void **state)
{
    (void)state;
    assert_int_equal(pulse_metric_unit(PULSE_M_CPU_USAGE), PULSE_UNIT_PERCENT);
    assert_int_equal(pulse_metric_unit(PULSE_M_DISK_WRITE), PULSE_UNIT_BPS);
    assert_int_equal(pulse_metric_unit(PULSE_M_MEM_USED), PULSE_UNIT_BYTES);
    assert_int_equal(pulse_metric_unit(PULSE_M_LOAD1), PULSE_UNIT_LOAD);
    assert_int_equal(pulse_metric_unit(PULSE_M_PROCESSES), PULSE_UNIT_COUNT);
    assert_int_equal(pulse_metric_unit(-1), PULSE_UNIT_NUMBER);
    assert_string_equal(pulse_unit_name(PULSE_UNIT_BPS), "bytes/s");
    assert_string_equal(pulse_unit_name((pulse_unit)99), "number");
    assert_string_equal(pulse_metric_label(PULSE_M_DISK_WRITE), "Disk writes");
    assert_string_equal(pulse_metric_label(PULSE_M_CPU_USAGE), "CPU");
    assert_string_equal(pulse_metric_label(-1), "");
    /* Every history metric has words. */
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        assert_true(pulse_metric_label(m)[0] >= 'A' && pulse_metric_label(m)[0] <= 'Z');
}

/* One unit and one wording for every history name: analytics, insight JSON and messages. */
static void test_units_and_labels_by_name(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        pulse_unit unit;
        const char *label;
    } cases[] = {
        {"cpu.usage", PULSE_UNIT_PERCENT, "CPU"},
        {"disk.write_bps", PULSE_UNIT_BPS, "Disk writes"},
        {"memory.used", PULSE_UNIT_BYTES, "Memory used"}, /* base id first, not ".used" */
        {"load.1m", PULSE_UNIT_LOAD, "Load average"},
        {"cpu.cores.3", PULSE_UNIT_PERCENT, "CPU core 3"},
        {"fs./home.usage", PULSE_UNIT_PERCENT, "Disk /home"},
        {"fs./srv/a.b.used", PULSE_UNIT_BYTES, "Disk /srv/a.b used space"},
        {"network.interfaces.eth0.100.rx_bps", PULSE_UNIT_BPS, "Network receive on eth0.100"},
        {"network.interfaces.veth1.tx_bps", PULSE_UNIT_BPS, "Network send on veth1"},
        {"disk.disks.sdb.read_bps", PULSE_UNIT_BPS, "Disk reads on sdb"},
        {"disk.disks.nvme0n1.write_bps", PULSE_UNIT_BPS, "Disk writes on nvme0n1"},
        {"sensors.coretemp/Core 0.celsius", PULSE_UNIT_CELSIUS, "Temperature coretemp/Core 0"},
        {"something.else", PULSE_UNIT_NUMBER, "something.else"},
        {".usage", PULSE_UNIT_NUMBER, ".usage"}, /* a suffix alone is no name */
    };
    char buf[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(pulse_name_unit(cases[i].name), cases[i].unit);
        pulse_name_label(cases[i].name, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].label);
    }
    assert_int_equal(pulse_name_unit(NULL), PULSE_UNIT_NUMBER);
    assert_string_equal(pulse_unit_name(PULSE_UNIT_CELSIUS), "celsius");
    pulse_format_value(PULSE_UNIT_CELSIUS, 41.54, buf, sizeof(buf));
    assert_string_equal(buf, "41.5 °C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_and_rates),
        cmocka_unit_test(test_percent_load_count),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_units_and_labels),
        cmocka_unit_test(test_units_and_labels_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
