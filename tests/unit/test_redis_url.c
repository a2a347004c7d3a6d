/* --redis URL parsing: both forms, credentials, defaults, and every kind of bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fleet/redis_url.h"

static void test_tcp_forms(void **state)
{
    (void)state;
    struct redis_url u;
    char err[200];
    assert_int_equal(redis_url_parse("redis://127.0.0.1:6390", &u, err, sizeof(err)), 0);
    assert_false(u.is_unix);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 0);
    assert_false(u.has_password);
    assert_int_equal(redis_url_parse("redis://cache.example", &u, err, sizeof(err)), 0);
    assert_int_equal(u.port, 6379);
    assert_int_equal(redis_url_parse("redis://h:1/", &u, err, sizeof(err)), 0);
    assert_int_equal(redis_url_parse("redis://h:65535/15", &u, err, sizeof(err)), 0);
    assert_int_equal(u.db, 15);
    assert_int_equal(redis_url_parse("redis://[::1]:7000/2", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 2);
    assert_int_equal(redis_url_parse("redis://[::1]", &u, err, sizeof(err)), 0);
    assert_int_equal(u.port, 6379);
}

static void test_credentials(void **state)
{
    (void)state;
    struct redis_url u;
    char err[200];
    assert_int_equal(redis_url_parse("redis://alice:s%40cr%3At@h:1", &u, err, sizeof(err)), 0);
    assert_string_equal(u.user, "alice");
    assert_string_equal(u.password, "s@cr:t");
    assert_true(u.has_password);
    assert_int_equal(redis_url_parse("redis://:pw@h", &u, err, sizeof(err)), 0);
    assert_string_equal(u.user, "");
    assert_string_equal(u.password, "pw");
    /* A lone word before '@' is the password (Redis' own convention). */
    assert_int_equal(redis_url_parse("redis://pw@h", &u, err, sizeof(err)), 0);
    assert_string_equal(u.password, "pw");
    /* The last '@' ends the user info. */
    assert_int_equal(redis_url_parse("redis://u:a@b@h:2", &u, err, sizeof(err)), 0);
    assert_string_equal(u.password, "a@b");
    assert_string_equal(u.host, "h");
    char desc[300];
    redis_url_describe(&u, desc, sizeof(desc));
    assert_null(strstr(desc, "a@b"));
    assert_non_null(strstr(desc, "***"));
}

static void test_unix(void **state)
{
    (void)state;
    struct redis_url u;
    char err[200];
    assert_int_equal(redis_url_parse("unix:///run/redis/redis.sock", &u, err, sizeof(err)), 0);
    assert_true(u.is_unix);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(redis_url_parse("unix:///tmp/r.sock?db=3", &u, err, sizeof(err)), 0);
    assert_int_equal(u.db, 3);
    assert_int_equal(redis_url_parse("unix://bob:pw@/tmp/r.sock", &u, err, sizeof(err)), 0);
    assert_string_equal(u.user, "bob");
    assert_string_equal(u.password, "pw");
    assert_string_equal(u.path, "/tmp/r.sock");
}

static void test_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "localhost:6379",
        "http://h:1",
        "rediss://h:1",
        "redis://",
        "redis://:1",
        "redis://h:",
        "redis://h:0",
        "redis://h:65536",
        "redis://h:12x",
        "redis://h:-1",
        "redis://h/abc",
        "redis://h/1/2",
        "redis://h/-1",
        "redis://h?x=1",
        "redis://h#f",
        "redis://[::1",
        "redis://[::1]x",
        "redis://[]:1",
        "redis://h h",
        "redis://h\n",
        "redis://u:%zz@h",
        "redis://u:%0@h",
        "redis://u:%00@h",
        "unix://",
        "unix://relative/path",
        "unix:///",
        "unix:///tmp/s?db=x",
        "unix:///tmp/s?foo=1",
        "redis://h:99999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct redis_url u;
        char err[200] = "";
        if (redis_url_parse(bad[i], &u, err, sizeof(err)) != -22)
            fail_msg("accepted '%s'", bad[i]);
        assert_true(strncmp(err, "--redis: ", 9) == 0);
        assert_null(strchr(err, '\n'));
    }
    struct redis_url u;
    char err[200];
    assert_int_equal(redis_url_parse(NULL, &u, err, sizeof(err)), -22);
    /* Too long a host or path. */
    char big[600] = "redis://";
    memset(big + 8, 'a', 400);
    assert_int_equal(redis_url_parse(big, &u, err, sizeof(err)), -22);
    char path[300] = "unix:///";
    memset(path + 8, 'p', 200);
    assert_int_equal(redis_url_parse(path, &u, err, sizeof(err)), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_forms),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_unix),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
