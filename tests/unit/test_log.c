/* Structured log lines: text key=value with quoting, JSON objects, level filtering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

static void render(int format, int level, char *out, size_t outlen)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    struct logger lg = {.level = LOG_INFO, .format = format, .out = f};
    struct log_line l;
    if (log_begin(&l, &lg, level, "ws_closed") == 0) {
        log_str(&l, "remote", "127.0.0.1:5");
        log_str(&l, "reason", "a \"b\"\nc");
        log_int(&l, "code", -3);
        log_uint(&l, "bytes", 18446744073709551615ULL);
        log_end(&l);
    }
    rewind(f);
    size_t n = fread(out, 1, outlen - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void test_text(void **state)
{
    (void)state;
    char out[512];
    render(LOG_FORMAT_TEXT, LOG_WARN, out, sizeof(out));
    /* 2026-01-02T03:04:05.678Z */
    assert_int_equal(out[4], '-');
    assert_int_equal(out[10], 'T');
    assert_int_equal(out[23], 'Z');
    assert_string_equal(out + 24,
                        " warn ws_closed remote=127.0.0.1:5 reason=\"a \\\"b\\\"\\u000ac\" "
                        "code=-3 bytes=18446744073709551615\n");
}

static void test_json(void **state)
{
    (void)state;
    char out[512];
    render(LOG_FORMAT_JSON, LOG_ERROR, out, sizeof(out));
    assert_memory_equal(out, "{\"time\":\"", 9);
    assert_non_null(strstr(out, "\",\"level\":\"error\",\"event\":\"ws_closed\",\"remote\":"
                                "\"127.0.0.1:5\",\"reason\":\"a \\\"b\\\"\\u000ac\",\"code\":-3,"
                                "\"bytes\":18446744073709551615}\n"));
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

static void test_filtered(void **state)
{
    (void)state;
    char out[512];
    render(LOG_FORMAT_TEXT, LOG_DEBUG, out, sizeof(out));
    assert_string_equal(out, "");
}

/* A value longer than a line is cut, and the line still ends with its newline. */
static void test_bounded(void **state)
{
    (void)state;
    static char big[LOG_LINE_MAX * 2];
    memset(big, 'x', sizeof(big) - 1);
    FILE *f = tmpfile();
    struct logger lg = {.level = LOG_DEBUG, .format = LOG_FORMAT_JSON, .out = f};
    struct log_line l;
    assert_int_equal(log_begin(&l, &lg, LOG_INFO, "big"), 0);
    log_str(&l, "v", big);
    log_end(&l);
    char out[LOG_LINE_MAX + 8];
    rewind(f);
    size_t n = fread(out, 1, sizeof(out), f);
    fclose(f);
    assert_true(n <= LOG_LINE_MAX);
    assert_int_equal(out[n - 1], '\n');
    assert_int_equal(out[n - 2], '}');
    assert_int_equal(out[n - 3], '"');
    assert_int_equal(log_level_parse("warn"), LOG_WARN);
    assert_int_equal(log_level_parse("loud"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_filtered),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
