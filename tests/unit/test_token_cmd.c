/* `pulse token`: output, defaults, and exit codes for bad flags and unusable secret files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/token_cmd.h"
#include "base/jwt.h"

#define SECRET "token-cmd-secret-token-cmd-secret-42"
#define NOW_S 1700000000

static char secret_path[64];

static int setup(void **state)
{
    (void)state;
    strcpy(secret_path, "/tmp/pulse-token-XXXXXX");
    int fd = mkstemp(secret_path);
    if (fd < 0 || write(fd, SECRET "\n", sizeof(SECRET)) != (ssize_t)sizeof(SECRET))
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(secret_path);
    return 0;
}

/* Runs the command with a NULL-terminated argument list; `out`/`err` receive what it printed. */
static int run(char *out, char *err, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, err);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 32;)
        argv[argc++] = a;
    va_end(ap);
    FILE *fo = fmemopen(out, 4096, "w"), *fe = fmemopen(err, 4096, "w");
    assert_non_null(fo);
    assert_non_null(fe);
    memset(out, 0, 4096);
    memset(err, 0, 4096);
    int rc = token_cmd_run(argc, argv, NOW_S, fo, fe);
    fclose(fo);
    fclose(fe);
    return rc;
}

static void test_prints_a_verifiable_token(void **state)
{
    (void)state;
    char out[4096], err[4096];
    struct jwt_claims c;
    assert_int_equal(run(out, err, "--auth-secret-file", secret_path, "--user", "alice", "--role",
                         "publisher", "--role=admin", NULL),
                     0);
    size_t n = strlen(out);
    assert_true(n > 0 && out[n - 1] == '\n');
    assert_null(strchr(out, '\n') != out + n - 1 ? out : NULL); /* one line only */
    assert_int_equal(jwt_verify((const unsigned char *)SECRET, strlen(SECRET), out, n - 1,
                                (int64_t)NOW_S * 1000, &c),
                     0);
    assert_string_equal(c.sub, "alice");
    assert_int_equal(c.nroles, 2);
    assert_string_equal(c.roles[1], "admin");
    assert_int_equal(c.exp_ms, (int64_t)(NOW_S + 3600) * 1000); /* default ttl */
}

static void test_ttl(void **state)
{
    (void)state;
    char out[4096], err[4096];
    struct jwt_claims c;
    assert_int_equal(
        run(out, err, "--user=bob", "--ttl", "2", "--auth-secret-file", secret_path, NULL), 0);
    assert_int_equal(jwt_verify((const unsigned char *)SECRET, strlen(SECRET), out, strlen(out) - 1,
                                (int64_t)NOW_S * 1000, &c),
                     0);
    assert_int_equal(c.exp_ms, (int64_t)(NOW_S + 2) * 1000);
    assert_int_equal(c.nroles, 0);
}

static void test_usage_errors(void **state)
{
    (void)state;
    char out[4096], err[4096];
    static const char *const cases[][6] = {
        {"--user", "a", NULL},
        {"--auth-secret-file", "/x", NULL},
        {"--auth-secret-file", "/x", "--user", "a", "--bogus", NULL},
        {"--auth-secret-file", "/x", "--user", "a", "--ttl", "0"},
        {"--auth-secret-file", "/x", "--user", "a", "--ttl", "12x"},
        {"--auth-secret-file", "/x", "--user", "a", "--ttl", "31536001"},
        {"--auth-secret-file", "/x", "--user", "a", "--role", "a b"},
        {"--auth-secret-file", "/x", "--user", "", NULL},
        {"--auth-secret-file", "/x", "--user", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[7] = {0};
        int argc = 0;
        while (argc < 6 && cases[i][argc])
            argv[argc] = (char *)cases[i][argc], argc++;
        FILE *fo = fmemopen(out, sizeof(out), "w"), *fe = fmemopen(err, sizeof(err), "w");
        memset(err, 0, sizeof(err));
        memset(out, 0, sizeof(out));
        int rc = token_cmd_run(argc, argv, NOW_S, fo, fe);
        fclose(fo);
        fclose(fe);
        if (rc != 2)
            fail_msg("case %zu: exit %d", i, rc);
        assert_string_equal(out, "");
        assert_non_null(strstr(err, "pulse token: "));
        assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1); /* exactly one line */
    }
}

static void test_secret_errors(void **state)
{
    (void)state;
    char out[4096], err[4096], short_path[64] = "/tmp/pulse-short-XXXXXX";
    assert_int_equal(run(out, err, "--auth-secret-file", "/nonexistent", "--user", "a", NULL), 1);
    assert_string_equal(out, "");
    int fd = mkstemp(short_path);
    assert_int_equal(write(fd, "too short\n", 10), 10);
    close(fd);
    assert_int_equal(run(out, err, "--auth-secret-file", short_path, "--user", "a", NULL), 1);
    assert_non_null(strstr(err, "shorter than 32"));
    unlink(short_path);
    assert_int_equal(run(out, err, "--help", NULL), 0);
    assert_non_null(strstr(out, "usage: pulse token"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prints_a_verifiable_token),
        cmocka_unit_test(test_ttl),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_secret_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
