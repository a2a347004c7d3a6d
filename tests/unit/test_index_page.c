/* The dashboard page with a snapshot inlined: where it goes, '<' escaped so the data cannot end
 * its element, pages without a <head> tag left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "app/index_page.h"

#define OPEN "<script type=\"application/json\" id=\"pulse-snapshot\">"

static char *inline_str(const char *html, const char *json, size_t *len)
{
    return index_page_inline(html, strlen(html), json, strlen(json), len);
}

static void test_after_head(void **state)
{
    (void)state;
    size_t len = 0;
    char *p = inline_str("<!doctype html><html><head><meta charset=\"UTF-8\"></head><body></body>",
                         "{\"type\":\"snapshot\"}", &len);
    assert_non_null(p);
    assert_string_equal(p, "<!doctype html><html><head>" OPEN "{\"type\":\"snapshot\"}</script>"
                           "<meta charset=\"UTF-8\"></head><body></body>");
    assert_int_equal(len, strlen(p));
    free(p);
    /* attributes and upper case; <header> is not <head> */
    p = inline_str("<header>x</header><HEAD lang=en>y", "{}", &len);
    assert_non_null(p);
    assert_string_equal(p, "<header>x</header><HEAD lang=en>" OPEN "{}</script>y");
    free(p);
}

static void test_lt_escaped(void **state)
{
    (void)state;
    size_t len = 0;
    /* a host name or mount point could hold "</script>" or "<!--" */
    char *p = inline_str("<head>", "{\"m\":\"</script><!--<\"}", &len);
    assert_non_null(p);
    assert_string_equal(p, "<head>" OPEN "{\"m\":\"\\u003c/script>\\u003c!--\\u003c\"}</script>");
    assert_int_equal(len, strlen(p));
    assert_null(strstr(p + strlen("<head>" OPEN), "<!--"));
    free(p);
}

static void test_no_head(void **state)
{
    (void)state;
    size_t len = 123;
    assert_null(inline_str("<!doctype html><body>placeholder</body>", "{}", &len));
    assert_null(inline_str("<head", "{}", &len)); /* no closing '>' */
    assert_null(inline_str("", "{}", &len));
    assert_int_equal(len, 123);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_head),
        cmocka_unit_test(test_lt_escaped),
        cmocka_unit_test(test_no_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
