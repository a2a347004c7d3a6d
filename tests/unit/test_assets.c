/* Static files: path normalisation (no escape from the root), content types, SPA fallback,
 * gzip variants, ETag / 304, cache lifetimes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/assets.h"

static char root[256];
static struct assets a;

static void write_file(const char *rel, const char *text, size_t repeat)
{
    char path[512];
    snprintf(path, sizeof(path), "%s%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < repeat; i++)
        fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    char why[256], path[512];
    snprintf(root, sizeof(root), "/tmp/pulse-assets-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(path, sizeof(path), "%s/assets", root);
    mkdir(path, 0755);
    write_file("/index.html", "<!doctype html><title>x</title>", 1);
    write_file("/assets/index-AbCdEf12.js", "console.log('pulse');\n", 200);
    write_file("/assets/font-AbCdEf12.woff2", "wOF2", 1);
    write_file("/favicon.svg", "<svg/>", 1);
    /* a link that points outside the root must not be served */
    snprintf(path, sizeof(path), "%s/passwd", root);
    if (symlink("/etc/passwd", path) != 0)
        return -1;
    return assets_load(&a, root, 1, why, sizeof(why));
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    assets_free(&a);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd);
}

static void test_normalize(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(assets_normalize("/a/b%20c.js", out, sizeof(out)), 0);
    assert_string_equal(out, "/a/b c.js");
    const char *bad[] = {"/../etc/passwd", "/%2e%2e/etc/passwd",
                         "/a/%2E%2E/b",    "/a/./b",
                         "/a%00b",         "etc/passwd",
                         "/a//b",          "/%zz",
                         "/a%5c..%5cb",    "/.."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(assets_normalize(bad[i], out, sizeof(out)), -EINVAL);
}

static void test_lookup(void **state)
{
    (void)state;
    struct asset_reply r;
    assets_lookup(&a, "/", 0, "", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.asset->path, "/index.html");
    assert_string_equal(r.cache_control, "no-cache");
    assets_lookup(&a, "/some/client/route", 0, "", &r); /* single-page app route */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.asset->path, "/index.html");
    assets_lookup(&a, "/missing.js", 0, "", &r); /* a file name that does not exist */
    assert_int_equal(r.status, 404);
    assets_lookup(&a, "/passwd", 0, "", &r); /* the symbolic link was not loaded */
    assert_int_equal(r.status, 200);
    assert_string_equal(r.asset->path, "/index.html");
    assets_lookup(&a, "/%2e%2e/%2e%2e/etc/passwd", 0, "", &r);
    assert_int_equal(r.status, 404);
    /* A route with a trailing slash is a route too, not a missing "index.html" file. */
    assets_lookup(&a, "/deep/a/b/c/", 0, "", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.asset->path, "/index.html");
    assets_lookup(&a, "/assets/", 0, "", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.asset->path, "/index.html");
    assets_lookup(&a, "/deep/a/b/c/index.html", 0, "", &r); /* a named file still is not */
    assert_int_equal(r.status, 404);
}

static void test_types_and_cache(void **state)
{
    (void)state;
    struct asset_reply r;
    assets_lookup(&a, "/assets/index-AbCdEf12.js", 0, "", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.asset->content_type, "text/javascript; charset=utf-8");
    assert_string_equal(r.cache_control, "public, max-age=31536000, immutable");
    assert_false(r.gzip);
    assert_int_equal(pbuf_len(r.body), 200 * strlen("console.log('pulse');\n"));
    assets_lookup(&a, "/assets/font-AbCdEf12.woff2", 1, "", &r);
    assert_string_equal(r.asset->content_type, "font/woff2");
    assert_false(r.gzip); /* already compressed formats are not gzipped */
    assets_lookup(&a, "/favicon.svg", 0, "", &r);
    assert_string_equal(r.asset->content_type, "image/svg+xml");
    assert_string_equal(assets_content_type("x.webmanifest"), "application/manifest+json");
    assert_string_equal(assets_content_type("x.map"), "application/json");
    assert_string_equal(assets_content_type("x.css"), "text/css; charset=utf-8");
    assert_string_equal(assets_content_type("x.png"), "image/png");
    assert_string_equal(assets_content_type("x.ico"), "image/x-icon");
}

static void test_gzip_and_etag(void **state)
{
    (void)state;
    struct asset_reply r;
    assets_lookup(&a, "/assets/index-AbCdEf12.js", 1, "", &r);
    assert_true(r.gzip);
    assert_true(pbuf_len(r.body) < 200);
    assert_int_equal(r.body->data[r.body->start], 0x1f); /* gzip magic */
    assert_int_equal(r.body->data[r.body->start + 1], 0x8b);
    char etag[64];
    snprintf(etag, sizeof(etag), "%s", r.asset->etag);
    assets_lookup(&a, "/assets/index-AbCdEf12.js", 1, etag, &r);
    assert_int_equal(r.status, 304);
    assets_lookup(&a, "/assets/index-AbCdEf12.js", 1, "W/\"other\"", &r);
    assert_int_equal(r.status, 200);
}

static void test_missing_root(void **state)
{
    (void)state;
    struct assets b;
    char why[256] = "";
    assert_int_equal(assets_load(&b, "/nonexistent/pulse", 1, why, sizeof(why)), -ENOENT);
    assert_true(strlen(why) > 0);
    /* the default root may be missing: a placeholder page is served */
    assert_int_equal(assets_load(&b, "/nonexistent/pulse", 0, why, sizeof(why)), 0);
    assert_true(b.builtin);
    assets_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),       cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_types_and_cache), cmocka_unit_test(test_gzip_and_etag),
        cmocka_unit_test(test_missing_root),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
