/* The auth secret file: stripping, length bounds, file kinds, the loose-permission flag. */
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

#include "base/secret.h"

/* Writes `len` bytes to a fresh temp file with `mode`; returns its path (static buffer). */
static const char *temp_file(const void *data, size_t len, mode_t mode)
{
    static char path[64];
    strcpy(path, "/tmp/pulse-secret-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void test_strips_trailing_white_space(void **state)
{
    (void)state;
    static const char text[] = "  0123456789abcdef0123456789abcdef \t\r\n\n";
    struct secret s = {0};
    char err[256] = "";
    int loose = -1;
    const char *p = temp_file(text, sizeof(text) - 1, 0600);
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), 0);
    assert_int_equal(s.len, 34); /* leading spaces are part of the secret */
    assert_memory_equal(s.bytes, "  0123456789abcdef0123456789abcdef", 34);
    assert_int_equal(loose, 0);
    unlink(p);
    secret_wipe(&s);
    assert_int_equal(s.len, 0);
}

static void test_too_short(void **state)
{
    (void)state;
    static const char text[] = "0123456789abcdef0123456789abcde\n    "; /* 31 + white space */
    struct secret s = {0};
    char err[256] = "";
    int loose = 0;
    const char *p = temp_file(text, sizeof(text) - 1, 0600);
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "shorter than 32 bytes"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(s.len, 0); /* untouched */
    unlink(p);
    p = temp_file("", 0, 0600);
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), -EINVAL);
    unlink(p);
}

static void test_loose_permissions(void **state)
{
    (void)state;
    static const char text[] = "0123456789abcdef0123456789abcdef";
    struct secret s;
    char err[256];
    int loose = 0;
    const char *p = temp_file(text, 32, 0644);
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), 0);
    assert_int_equal(loose, 1);
    assert_int_equal(chmod(p, 0640), 0);
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), 0);
    assert_int_equal(loose, 1);
    assert_int_equal(chmod(p, 0400), 0);
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), 0);
    assert_int_equal(loose, 0);
    unlink(p);
}

static void test_unusable_files(void **state)
{
    (void)state;
    struct secret s = {0};
    char err[256];
    int loose = 0;
    assert_int_equal(secret_load("/nonexistent/pulse-secret", &s, &loose, err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/pulse-secret"));
    assert_int_equal(secret_load("/tmp", &s, &loose, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "not a regular file"));
    char *big = malloc(SECRET_MAX + 1);
    assert_non_null(big);
    memset(big, 'x', SECRET_MAX + 1);
    const char *p = temp_file(big, SECRET_MAX, 0600); /* exactly the limit: fine */
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), 0);
    assert_int_equal(s.len, SECRET_MAX);
    unlink(p);
    p = temp_file(big, SECRET_MAX + 1, 0600);
    assert_int_equal(secret_load(p, &s, &loose, err, sizeof(err)), -EFBIG);
    assert_non_null(strstr(err, "larger than"));
    unlink(p);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strips_trailing_white_space),
        cmocka_unit_test(test_too_short),
        cmocka_unit_test(test_loose_permissions),
        cmocka_unit_test(test_unusable_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
