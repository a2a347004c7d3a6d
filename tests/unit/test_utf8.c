/* The UTF-8 validator: every class of invalid sequence, boundaries, and resumption at any split
 * point, as the WebSocket layer uses it across fragments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "net/utf8.h"

static int whole(const char *s, size_t n)
{
    utf8_state st = 0;
    return utf8_feed(&st, (const uint8_t *)s, n) == 0 && utf8_complete(st);
}

/* Valid only if it is valid split at every point as well. */
static int split_everywhere(const char *s, size_t n)
{
    for (size_t cut = 0; cut <= n; cut++) {
        utf8_state st = 0;
        if (utf8_feed(&st, (const uint8_t *)s, cut) < 0 ||
            utf8_feed(&st, (const uint8_t *)s + cut, n - cut) < 0 || !utf8_complete(st))
            return 0;
    }
    return 1;
}

#define S(lit) lit, sizeof(lit) - 1

static void test_valid(void **state)
{
    (void)state;
    const struct {
        const char *s;
        size_t n;
    } ok[] = {
        {S("")},
        {S("plain ascii, longer than eight bytes")},
        {S("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")}, /* Greek */
        {S("\xe4\xbd\xa0\xe5\xa5\xbd")},                     /* CJK */
        {S("\xf0\x9f\x98\x80")},                             /* emoji */
        {S("\xc2\x80")},                                     /* U+0080 */
        {S("\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf")},             /* U+07FF U+0800 U+FFFF */
        {S("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf")},             /* U+10000 U+10FFFF */
        {S("\xef\xbf\xbe")},                                 /* a non-character is valid */
        {S("\x00")},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_true(whole(ok[i].s, ok[i].n));
        assert_true(split_everywhere(ok[i].s, ok[i].n));
    }
}

static void test_invalid(void **state)
{
    (void)state;
    const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {S("\xed\xa0\x80")},             /* surrogate U+D800 */
        {S("\xed\xbf\xbf")},             /* surrogate U+DFFF */
        {S("\xed\xa0\x80\xed\xb0\x80")}, /* surrogate pair */
        {S("\xc0\xaf")},                 /* overlong / */
        {S("\xc1\xbf")},                 /* overlong */
        {S("\xe0\x80\xaf")},             /* overlong */
        {S("\xe0\x9f\xbf")},             /* overlong */
        {S("\xf0\x80\x80\xaf")},         /* overlong */
        {S("\xf0\x8f\xbf\xbf")},         /* overlong */
        {S("\xc0\x80")},                 /* overlong NUL */
        {S("\xf4\x90\x80\x80")},         /* above U+10FFFF */
        {S("\xf7\xbf\xbf\xbf")},         /* above U+10FFFF */
        {S("\xf8\x88\x80\x80\x80")},     /* 5-byte form */
        {S("\xfc\x84\x80\x80\x80\x80")}, /* 6-byte form */
        {S("\x80")},                     /* lone continuation */
        {S("ab\xbf")},                   /* lone continuation */
        {S("\xc2 ")},                    /* lonely start byte */
        {S("\xe1\x80 ")},                /* truncated in the middle */
        {S("\xfe")},
        {S("\xff")},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        utf8_state st = 0;
        assert_int_equal(utf8_feed(&st, (const uint8_t *)bad[i].s, bad[i].n), -1);
    }
}

/* A text that ends inside a character is not complete, but not yet invalid either. */
static void test_truncated_at_end(void **state)
{
    (void)state;
    utf8_state st = 0;
    assert_int_equal(utf8_feed(&st, (const uint8_t *)"ok\xf0\x9f\x98", 5), 0);
    assert_false(utf8_complete(st));
    assert_int_equal(utf8_feed(&st, (const uint8_t *)"\x80", 1), 0);
    assert_true(utf8_complete(st));
}

/* The error is found at the bad byte, not at the end of the text (fail-fast). */
static void test_fail_fast(void **state)
{
    (void)state;
    utf8_state st = 0;
    assert_int_equal(utf8_feed(&st, (const uint8_t *)"good \xed\xa0", 7), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_truncated_at_end),
        cmocka_unit_test(test_fail_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
