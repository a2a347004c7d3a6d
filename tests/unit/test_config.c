/* Command-line parsing against the option table: defaults, values, bounds, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "app/config.h"

static enum config_result parse(struct pulse_config *cfg, char *err, int argc, char **argv)
{
    char what = 0;
    config_defaults(cfg);
    return config_parse(cfg, argc, argv, err, 256, &what);
}

static void test_defaults(void **state)
{
    (void)state;
    struct pulse_config cfg;
    config_defaults(&cfg);
    assert_string_equal(cfg.host, "127.0.0.1");
    assert_int_equal(cfg.port, 8080);
    assert_int_equal(cfg.interval_ms, 1000);
    assert_string_equal(cfg.db, "pulse.db");
    assert_int_equal(cfg.max_message_bytes, 65536);
    assert_int_equal(cfg.heartbeat_ms, 25000);
    assert_int_equal(cfg.max_queue_bytes, 4 << 20);
    assert_int_equal(cfg.max_total_queue_bytes, 256L << 20);
    assert_int_equal(cfg.rate_limit, 50);
    assert_int_equal(cfg.rate_burst, 100);
    assert_int_equal(cfg.max_connections, 10000);
    assert_int_equal(cfg.compression, 0);
}

static void test_values(void **state)
{
    (void)state;
    struct pulse_config cfg;
    char err[256];
    char *argv[] = {"--port",         "0", "--host=0.0.0.0", "--log-level", "debug",
                    "--heartbeat-ms", "0", "--compression",  "off",         "--db",
                    ":memory:"};
    assert_int_equal(parse(&cfg, err, 11, argv), CONFIG_RUN);
    assert_int_equal(cfg.port, 0);
    assert_string_equal(cfg.host, "0.0.0.0");
    assert_int_equal(cfg.log_level, LOG_DEBUG);
    assert_int_equal(cfg.heartbeat_ms, 0);
    assert_string_equal(cfg.db, ":memory:");
}

static void test_refusals(void **state)
{
    (void)state;
    struct pulse_config cfg;
    char err[256];
    char *bad[][2] = {
        {"--port", "65536"},     {"--port", "abc"},         {"--port", "-1"},
        {"--port", ""},          {"--interval-ms", "5"},    {"--interval-ms", "60001"},
        {"--log-level", "loud"}, {"--heartbeat-ms", "500"}, {"--compression", "maybe"},
        {"--redis", ""},         {"--bogus", "1"},          {"--max-message-bytes", "0"},
        {"--port", "12x"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(parse(&cfg, err, 2, bad[i]), CONFIG_EXIT_USAGE);
        assert_true(strlen(err) > 0);
        assert_null(strchr(err, '\n'));
    }
    char *missing[] = {"--port"};
    assert_int_equal(parse(&cfg, err, 1, missing), CONFIG_EXIT_USAGE);
}

static void test_last_wins_and_help(void **state)
{
    (void)state;
    struct pulse_config cfg;
    char err[256], what = 0;
    char *argv[] = {"--static", "/a", "--static", "/b"};
    assert_int_equal(parse(&cfg, err, 4, argv), CONFIG_RUN);
    assert_string_equal(cfg.static_dir, "/b");
    char *help[] = {"--help"};
    config_defaults(&cfg);
    assert_int_equal(config_parse(&cfg, 1, help, err, 256, &what), CONFIG_EXIT_OK);
    assert_int_equal(what, 'h');
    char *ver[] = {"--port", "1", "--version"};
    assert_int_equal(config_parse(&cfg, 3, ver, err, 256, &what), CONFIG_EXIT_OK);
    assert_int_equal(what, 'v');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_last_wins_and_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
