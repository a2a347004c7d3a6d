/* Command-line parsing against the option table: defaults, values, bounds, refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static const char *write_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/pulse-test-config-%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_file_and_precedence(void **state)
{
    (void)state;
    struct pulse_config cfg;
    char err[256] = "", path[80];
    snprintf(path, sizeof(path), "%s",
             write_file("# comment\n\n  port = 9001\nhost=0.0.0.0\nallowed-origin = http://a\n"
                        "allowed-origin = http://b\nlog-level = warn\ndb = \"/tmp/x y.db\"\n"
                        "log-format = json\n"));
    char *argv[] = {"--config", path, "--host", "127.0.0.2"};
    unsetenv("PULSE_PORT");
    assert_int_equal(parse(&cfg, err, 4, argv), CONFIG_RUN);
    assert_int_equal(cfg.port, 9001);
    assert_string_equal(cfg.host, "127.0.0.2"); /* flag over file */
    assert_int_equal(cfg.n_allowed_origins, 2);
    assert_string_equal(cfg.allowed_origins[1], "http://b");
    assert_int_equal(cfg.log_level, LOG_WARN);
    assert_int_equal(cfg.log_format, LOG_FORMAT_JSON);
    assert_string_equal(cfg.db, "/tmp/x y.db");
    /* environment over file, flag over environment */
    setenv("PULSE_PORT", "9002", 1);
    assert_int_equal(parse(&cfg, err, 2, argv), CONFIG_RUN);
    assert_int_equal(cfg.port, 9002);
    char *flags[] = {"--config", path, "--port", "9003", "--allowed-origin", "http://c"};
    assert_int_equal(parse(&cfg, err, 6, flags), CONFIG_RUN);
    assert_int_equal(cfg.port, 9003);
    /* a repeatable flag replaces the file's list */
    assert_int_equal(cfg.n_allowed_origins, 1);
    assert_string_equal(cfg.allowed_origins[0], "http://c");
    unsetenv("PULSE_PORT");
    unlink(path);
}

static void test_file_errors_name_the_line(void **state)
{
    (void)state;
    struct pulse_config cfg;
    char err[256], path[80];
    const char *bad[] = {"port = 1\nbogus = 2\n", "\n\nport = 70000\n", "port\n",
                         "config = /etc/x\n",     "log-level = loud\n", "compression = maybe\n"};
    const char *want[] = {":2: unknown key 'bogus'", ":3: port",      ":1: expected",
                          ":1: unknown key",         ":1: log-level", ":1: compression"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(path, sizeof(path), "%s", write_file(bad[i]));
        char *argv[] = {"--config", path};
        err[0] = '\0';
        assert_int_equal(parse(&cfg, err, 2, argv), CONFIG_EXIT_USAGE);
        assert_non_null(strstr(err, want[i]));
        unlink(path);
    }
    char *missing[] = {"--config", "/nonexistent/pulse.conf"};
    assert_int_equal(parse(&cfg, err, 2, missing), CONFIG_EXIT_USAGE);
    assert_non_null(strstr(err, "/nonexistent/pulse.conf"));
}

static void test_env(void **state)
{
    (void)state;
    struct pulse_config cfg;
    char err[256];
    char *none[] = {"--db", ":memory:"};
    setenv("PULSE_REDIS", "redis://127.0.0.1:6379", 1);
    assert_int_equal(parse(&cfg, err, 2, none), CONFIG_RUN);
    assert_string_equal(cfg.redis, "redis://127.0.0.1:6379");
    unsetenv("PULSE_REDIS");
    setenv("PULSE_LOG_LEVEL", "loud", 1);
    assert_int_equal(parse(&cfg, err, 2, none), CONFIG_EXIT_USAGE);
    assert_non_null(strstr(err, "PULSE_LOG_LEVEL"));
    unsetenv("PULSE_LOG_LEVEL");
    setenv("PULSE_NODE_NAME", "n1", 1);
    assert_int_equal(parse(&cfg, err, 2, none), CONFIG_RUN);
    assert_string_equal(cfg.node_name, "n1");
    unsetenv("PULSE_NODE_NAME");
}

/* --print-config writes a file that parses back to the same configuration. */
static void test_print_config_round_trip(void **state)
{
    (void)state;
    struct pulse_config a, b;
    char err[256], what = 0, path[80];
    char *argv[] = {"--port",      "1234",  "--allowed-origin", "http://a", "--anomaly-z", "2.5",
                    "--log-level", "debug", "--print-config"};
    config_defaults(&a);
    assert_int_equal(config_parse(&a, 9, argv, err, 256, &what), CONFIG_EXIT_OK);
    assert_int_equal(what, CONFIG_PRINT_CONF);
    snprintf(path, sizeof(path), "/tmp/pulse-test-roundtrip-%d.conf", (int)getpid());
    FILE *f = fopen(path, "w");
    config_sample(f, &a);
    fclose(f);
    char *load[] = {"--config", path};
    assert_int_equal(parse(&b, err, 2, load), CONFIG_RUN);
    unlink(path);
    memcpy(b.config_file, a.config_file, sizeof(b.config_file));
    assert_memory_equal(&a, &b, sizeof(a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_last_wins_and_help),
        cmocka_unit_test(test_file_and_precedence),
        cmocka_unit_test(test_file_errors_name_the_line),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_print_config_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
