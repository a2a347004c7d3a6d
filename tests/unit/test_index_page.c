/* The dashboard page with a snapshot inlined: written into the page's empty slot element, '<'
 * escaped so the data cannot end the element, pages without the slot left alone. */
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

static void test_into_slot(void **state)
{
    (void)state;
    size_t len = 0;
    char *p = inline_str("<!doctype html><head><meta charset=\"UTF-8\">" INDEX_PAGE_SLOT
                         "<script>boot()</script></head><body></body>",
                         "{\"type\":\"snapshot\"}", &len);
    assert_non_null(p);
    assert_string_equal(p, "<!doctype html><head><meta charset=\"UTF-8\">" OPEN
                           "{\"type\":\"snapshot\"}</script><script>boot()</script></head>"
                           "<body></body>");
    assert_int_equal(len, strlen(p));
    free(p);
    /* the first slot only; a slot at the very end of the page */
    p = inline_str(INDEX_PAGE_SLOT INDEX_PAGE_SLOT, "{}", &len);
    assert_non_null(p);
    assert_string_equal(p, OPEN "{}</script>" INDEX_PAGE_SLOT);
    free(p);
}

static void test_lt_escaped(void **state)
{
    (void)state;
    size_t len = 0;
    /* a host name or mount point could hold "</script>" or "<!--" */
    char *p = inline_str(INDEX_PAGE_SLOT, "{\"m\":\"</script><!--<\"}", &len);
    assert_non_null(p);
    assert_string_equal(p, OPEN "{\"m\":\"\\u003c/script>\\u003c!--\\u003c\"}</script>");
    assert_int_equal(len, strlen(p));
    free(p);
}

static void test_no_slot(void **state)
{
    (void)state;
    size_t len = 123;
    /* a page of one's own (--static) is served as it is, <head> or not */
    assert_null(inline_str("<!doctype html><head></head><body>mine</body>", "{}", &len));
    assert_null(inline_str("<script type=\"application/json\" id=\"pulse-snapshot\">x</script>",
                           "{}", &len)); /* not empty: not the slot */
    assert_null(inline_str(OPEN "</scrip", "{}", &len));
    assert_null(inline_str("", "{}", &len));
    assert_int_equal(len, 123);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_into_slot),
        cmocka_unit_test(test_lt_escaped),
        cmocka_unit_test(test_no_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
