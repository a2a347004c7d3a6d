/* The hub's auth: secret loading, the failure counter, identities and the role rules, expiry,
 * the token of a request, and SIGHUP rotation on a real loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hub/auth.h"

#define SECRET1 "first-secret-first-secret-first-secret"
#define SECRET2 "second-secret-second-secret-second-secret"

static struct logger quiet = {.level = 99};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int sign(const char *secret, const char *user, const char *role, int64_t exp_s, char *tok)
{
    const char *roles[1] = {role};
    return jwt_sign((const unsigned char *)secret, strlen(secret), user, roles, role ? 1 : 0, 1000,
                    exp_s, tok, 1024);
}

static void test_open_mode(void **state)
{
    (void)state;
    struct auth a;
    struct auth_ident id = {0};
    const char *detail = NULL;
    char why[256];
    assert_int_equal(auth_init(&a, "", &quiet, why, sizeof(why)), 0);
    assert_false(a.enabled);
    assert_int_equal(auth_permit(&a, &id, "publish", &detail), PERR_COUNT);
    assert_int_equal(auth_permit(&a, &id, "stats", &detail), PERR_COUNT);
    assert_int_equal(auth_init(&a, "/nonexistent/secret", &quiet, why, sizeof(why)), -ENOENT);
    assert_non_null(strstr(why, "/nonexistent/secret"));
    assert_false(a.enabled);
}

static void test_identities_and_rules(void **state)
{
    (void)state;
    char path[] = "/tmp/pulse-auth-XXXXXX", why[256], tok[1024];
    close(mkstemp(path));
    write_file(path, SECRET1 "\n");
    struct auth a;
    struct jwt_claims cl;
    struct auth_ident anon = {0}, pub = {0}, adm = {0}, plain = {0};
    const char *detail = NULL;
    assert_int_equal(auth_init(&a, path, &quiet, why, sizeof(why)), 0);
    assert_true(a.enabled);
    /* Anonymous: ping and auth only. */
    assert_int_equal(auth_permit(&a, &anon, "ping", &detail), PERR_COUNT);
    assert_int_equal(auth_permit(&a, &anon, "auth", &detail), PERR_COUNT);
    assert_int_equal(auth_permit(&a, &anon, "subscribe", &detail), PERR_UNAUTHORIZED);
    assert_int_equal(auth_permit(&a, &anon, "no_such_type", &detail), PERR_UNAUTHORIZED);
    /* A bad token counts; a good one does not. */
    assert_int_equal(auth_verify(&a, "x.y.z", 5, 2000000, &cl), -JWT_E_FORMAT);
    sign(SECRET2, "eve", "admin", 5000, tok);
    assert_int_equal(auth_verify(&a, tok, strlen(tok), 2000000, &cl), -JWT_E_SIG);
    assert_int_equal(a.failures, 2);
    sign(SECRET1, "pat", "publisher", 5000, tok);
    assert_int_equal(auth_verify(&a, tok, strlen(tok), 2000000, &cl), 0);
    assert_int_equal(a.failures, 2);
    assert_int_equal(auth_login(&a, &pub, &cl), 0);
    sign(SECRET1, "ada", "admin", 6000, tok);
    assert_int_equal(auth_verify(&a, tok, strlen(tok), 2000000, &cl), 0);
    assert_int_equal(auth_login(&a, &adm, &cl), 0);
    sign(SECRET1, "sam", NULL, 7000, tok);
    assert_int_equal(auth_verify(&a, tok, strlen(tok), 2000000, &cl), 0);
    assert_int_equal(auth_login(&a, &plain, &cl), 0);
    assert_string_equal(auth_user(&pub), "pat");
    assert_int_equal(auth_permit(&a, &plain, "subscribe", &detail), PERR_COUNT);
    assert_int_equal(auth_permit(&a, &plain, "publish", &detail), PERR_FORBIDDEN);
    assert_int_equal(auth_permit(&a, &plain, "stats", &detail), PERR_FORBIDDEN);
    assert_int_equal(auth_permit(&a, &pub, "publish", &detail), PERR_COUNT);
    assert_int_equal(auth_permit(&a, &pub, "stats", &detail), PERR_FORBIDDEN);
    assert_int_equal(auth_permit(&a, &adm, "publish", &detail), PERR_COUNT);
    assert_int_equal(auth_permit(&a, &adm, "stats", &detail), PERR_COUNT);
    /* Re-auth replaces the identity: sam becomes ada, an admin. */
    sign(SECRET1, "ada", "admin", 6000, tok);
    assert_int_equal(auth_verify(&a, tok, strlen(tok), 2000000, &cl), 0);
    assert_int_equal(auth_login(&a, &plain, &cl), 0);
    assert_string_equal(auth_user(&plain), "ada");
    assert_int_equal(auth_permit(&a, &plain, "stats", &detail), PERR_COUNT);
    assert_null(users_find(&a.users, "sam"));
    assert_int_equal(users_find(&a.users, "ada")->refs, 2);
    auth_logout(&a, &plain);
    assert_null(auth_user(&plain));
    assert_int_equal(auth_permit(&a, &plain, "subscribe", &detail), PERR_UNAUTHORIZED);
    auth_logout(&a, &pub);
    auth_logout(&a, &adm);
    auth_free(&a);
    unlink(path);
}

static void count_expired(struct auth_ident *id, void *arg)
{
    (void)id;
    (*(int *)arg)++;
}

static void test_expiry(void **state)
{
    (void)state;
    char path[] = "/tmp/pulse-auth-XXXXXX", why[256];
    close(mkstemp(path));
    write_file(path, SECRET1);
    struct auth a;
    struct auth_ident ids[4] = {0};
    int expired = 0;
    assert_int_equal(auth_init(&a, path, &quiet, why, sizeof(why)), 0);
    a.on_expire = count_expired;
    a.arg = &expired;
    for (int i = 0; i < 4; i++) {
        struct jwt_claims cl = {.exp_ms = 10000 + 1000 * (i % 2)};
        strcpy(cl.sub, i < 2 ? "alice" : "bob");
        assert_int_equal(auth_login(&a, &ids[i], &cl), 0);
    }
    assert_int_equal(auth_expire_due(&a, 9999), 0);
    assert_int_equal(auth_expire_due(&a, 10000), 2); /* ids 0 and 2 */
    assert_int_equal(expired, 2);
    assert_null(auth_user(&ids[0]));
    assert_string_equal(auth_user(&ids[1]), "alice");
    assert_int_equal(a.next_expiry_ms, 11000);
    assert_int_equal(auth_expire_due(&a, 10999), 0);
    assert_int_equal(auth_expire_due(&a, 20000), 2);
    assert_int_equal(a.users.count, 0);
    assert_int_equal(a.next_expiry_ms, INT64_MAX);
    auth_free(&a);
    unlink(path);
}

static void test_request_token(void **state)
{
    (void)state;
    const char *tok = NULL;
    size_t len = 0;
    assert_int_equal(auth_request_token("Bearer abc.def.ghi", NULL, &tok, &len), 1);
    assert_int_equal(len, 11);
    assert_memory_equal(tok, "abc.def.ghi", 11);
    assert_int_equal(auth_request_token("bearer   xyz  ", "q", &tok, &len), 1);
    assert_int_equal(len, 3);
    assert_memory_equal(tok, "xyz", 3);
    assert_int_equal(auth_request_token("Bearer", NULL, &tok, &len), 1);
    assert_int_equal(len, 0); /* present but empty: refused by verification */
    /* Another scheme (a proxy's Basic auth) is not ours: fall back to the query. */
    assert_int_equal(auth_request_token("Basic dXNlcjpwYXNz", "q.t.s", &tok, &len), 1);
    assert_string_equal(tok, "q.t.s");
    assert_int_equal(auth_request_token("Bearerx", NULL, &tok, &len), 0);
    assert_int_equal(auth_request_token("", NULL, &tok, &len), 0);
    assert_int_equal(auth_request_token(NULL, NULL, &tok, &len), 0);
}

static void test_sighup_rotation(void **state)
{
    (void)state;
    char path[] = "/tmp/pulse-auth-XXXXXX", why[256], tok1[1024], tok2[1024];
    close(mkstemp(path));
    write_file(path, SECRET1);
    struct auth a;
    struct jwt_claims cl;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(auth_init(&a, path, &quiet, why, sizeof(why)), 0);
    assert_int_equal(auth_start(&a, &loop, NULL, NULL), 0);
    sign(SECRET1, "alice", NULL, 5000, tok1);
    sign(SECRET2, "alice", NULL, 5000, tok2);
    assert_int_equal(auth_verify(&a, tok1, strlen(tok1), 2000000, &cl), 0);
    assert_int_equal(auth_verify(&a, tok2, strlen(tok2), 2000000, &cl), -JWT_E_SIG);
    write_file(path, SECRET2 "\n");
    raise(SIGHUP);
    do
        uv_run(&loop, UV_RUN_ONCE);
    while (a.reloading || strcmp((char *)a.secret->bytes, SECRET2) != 0);
    assert_int_equal(auth_verify(&a, tok2, strlen(tok2), 2000000, &cl), 0);
    assert_int_equal(auth_verify(&a, tok1, strlen(tok1), 2000000, &cl), -JWT_E_SIG);
    /* A bad file on reload keeps the current secret. */
    write_file(path, "short");
    raise(SIGHUP);
    do
        uv_run(&loop, UV_RUN_ONCE);
    while (a.reloading || a.reload_rc == 0);
    assert_int_equal(auth_verify(&a, tok2, strlen(tok2), 2000000, &cl), 0);
    auth_stop(&a);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    auth_free(&a);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_mode),       cmocka_unit_test(test_identities_and_rules),
        cmocka_unit_test(test_expiry),          cmocka_unit_test(test_request_token),
        cmocka_unit_test(test_sighup_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
