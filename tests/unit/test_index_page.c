/* The dashboard page with a snapshot inlined: written into the page's empty slot element, '<'
 * escaped so the data cannot end the element, pages without the slot left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "app/index_page.h"

#define OPEN "<script type=\"application/json\" id=\"pulse-snapshot\">"

/* Prepares `html` and inlines `json`: the page, or NULL when the page has no slot. */
static char *inline_str(const char *html, const char *json, size_t *len)
{
    struct index_page ip;
    if (index_page_prepare(&ip, html, strlen(html)) < 0)
        return NULL;
    char *page = index_page_inline(&ip, json, strlen(json), len);
    index_page_free(&ip);
    return page;
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

/* Gunzips a whole gzip member: a malloc'd NUL-terminated text, or NULL when it is not valid. */
static char *gunzip(const struct pbuf *gz, size_t *len)
{
    z_stream z = {0};
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)gz->data + gz->start;
    z.avail_in = (uInt)pbuf_len(gz);
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap - 1;
    int rc = inflate(&z, Z_FINISH);
    *len = z.total_out;
    int rest = (int)z.avail_in;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || rest) { /* a CRC or length mismatch is an error here too */
        free(out);
        return NULL;
    }
    out[*len] = '\0';
    return out;
}

static void test_gzip_splice(void **state)
{
    (void)state;
    char html[20000];
    int n = snprintf(html, sizeof(html), "<!doctype html><head><style>");
    for (int i = 0; i < 300; i++)
        n += snprintf(html + n, sizeof(html) - (size_t)n, ".c%d{color:red}", i);
    n += snprintf(html + n, sizeof(html) - (size_t)n,
                  "</style>" INDEX_PAGE_SLOT "<script>boot()</script></head><body>x</body>");
    struct index_page ip;
    assert_int_equal(index_page_prepare(&ip, html, (size_t)n), 0);
    const char *jsons[] = {"{}", "{\"type\":\"snapshot\",\"m\":\"</script><!--\"}", ""};
    for (size_t k = 0; k < sizeof(jsons) / sizeof(jsons[0]); k++) {
        size_t plain_len = 0, got_len = 0;
        char *plain = inline_str(html, jsons[k], &plain_len);
        struct pbuf *gz = index_page_gzip(&ip, jsons[k], strlen(jsons[k]));
        assert_non_null(plain);
        assert_non_null(gz);
        char *got = gunzip(gz, &got_len);
        assert_non_null(got); /* a valid member: blocks, CRC-32 and length agree */
        assert_int_equal(got_len, plain_len);
        assert_string_equal(got, plain);
        assert_true(pbuf_len(gz) < plain_len / 4);
        free(got);
        free(plain);
        pbuf_unref(gz);
    }
    index_page_free(&ip);
    assert_int_equal(index_page_prepare(&ip, "<head></head>", 13), -ENOENT);
    assert_null(ip.html);
    index_page_free(&ip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_into_slot),
        cmocka_unit_test(test_lt_escaped),
        cmocka_unit_test(test_no_slot),
        cmocka_unit_test(test_gzip_splice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
