/* The router: JSON parsing, type dispatch, id handling, and the error it answers with. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "hub/router.h"

struct ctx {
    int pings, fails;
    enum pulse_err last_err;
    json_t *last_id;
    const char *last_detail;
};

static int h_ping(void *p, struct route_req *req)
{
    struct ctx *c = p;
    (void)req;
    c->pings++;
    return 0;
}

static int h_fail(void *p, struct route_req *req)
{
    (void)p;
    req->detail = "nope";
    return ROUTE_ERR(PERR_FORBIDDEN);
}

/* A handler failing with an errno, not a protocol error. */
static int h_errno(void *p, struct route_req *req)
{
    (void)p;
    (void)req;
    return -ENOENT;
}

static void on_error(void *p, enum pulse_err e, json_t *id, const char *detail)
{
    struct ctx *c = p;
    c->fails++;
    c->last_err = e;
    json_decref(c->last_id);
    c->last_id = json_incref(id);
    c->last_detail = detail;
}

static const struct route routes[] = {{"ping", h_ping}, {"fail", h_fail}, {"errno", h_errno}};
static const struct router router = {routes, 3, on_error, NULL};

/* A permit hook like auth's: only ping before "signing in". */
static enum pulse_err only_ping(void *p, const char *type, const char **detail)
{
    (void)p;
    *detail = "sign in first";
    return strcmp(type, "ping") == 0 ? PERR_COUNT : PERR_UNAUTHORIZED;
}

static int run(struct ctx *c, const char *msg)
{
    return router_dispatch(&router, c, msg, strlen(msg));
}

static void test_dispatch(void **state)
{
    (void)state;
    struct ctx c = {0};
    assert_int_equal(run(&c, "{\"type\":\"ping\",\"extra\":[1,2]}"), 0);
    assert_int_equal(c.pings, 1);
    assert_int_equal(c.fails, 0);
}

static void test_errors(void **state)
{
    (void)state;
    struct {
        const char *msg;
        enum pulse_err err;
    } cases[] = {
        {"{not json", PERR_BAD_JSON},
        {"", PERR_BAD_JSON},
        {"[1,2]", PERR_BAD_REQUEST},
        {"42", PERR_BAD_REQUEST},
        {"\"str\"", PERR_BAD_REQUEST},
        {"{\"type\":5}", PERR_BAD_REQUEST},
        {"{}", PERR_BAD_REQUEST},
        {"{\"type\":\"ping\",\"id\":[1]}", PERR_BAD_REQUEST},
        {"{\"type\":\"nosuch\"}", PERR_UNKNOWN_TYPE},
        /* a NUL inside the type must not make it read as the known type before it */
        {"{\"type\":\"ping\\u0000x\"}", PERR_UNKNOWN_TYPE},
        {"{\"type\":\"ping\\u0000\"}", PERR_UNKNOWN_TYPE},
        {"{\"type\":\"fail\"}", PERR_FORBIDDEN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ctx c = {0};
        assert_int_equal(run(&c, cases[i].msg), ROUTE_ERR(cases[i].err));
        assert_int_equal(c.fails, 1);
        assert_int_equal(c.last_err, cases[i].err);
        assert_int_equal(c.pings, 0);
        json_decref(c.last_id);
    }
}

/* Integers beyond 64 bits are valid JSON: the message is taken with its numbers as doubles. */
static void test_huge_integer(void **state)
{
    (void)state;
    struct ctx c = {0};
    assert_int_equal(run(&c, "{\"type\":\"ping\",\"ts\":12345678901234567890}"), 0);
    assert_int_equal(c.pings, 1);
    assert_int_equal(run(&c, "{\"type\":\"ping\",\"ts\":1e400}"), ROUTE_ERR(PERR_BAD_JSON));
    json_decref(c.last_id);
}

/* An errno is never mistaken for a protocol error code: it is answered as internal. */
static void test_errno_is_internal(void **state)
{
    (void)state;
    struct ctx c = {0};
    assert_int_equal(run(&c, "{\"type\":\"errno\"}"), -ENOENT);
    assert_int_equal(c.last_err, PERR_COUNT);
    assert_string_equal(perr_code(c.last_err), "internal");
    for (int e = 0; e < PERR_COUNT; e++)
        assert_int_equal(route_err_code(ROUTE_ERR(e)), e);
    json_decref(c.last_id);
}

static void test_id_carried(void **state)
{
    (void)state;
    struct ctx c = {0};
    run(&c, "{\"type\":\"nosuch\",\"id\":\"abc\"}");
    assert_string_equal(json_string_value(c.last_id), "abc");
    json_decref(c.last_id);
    c.last_id = NULL;
    run(&c, "{\"type\":\"fail\",\"id\":7}");
    assert_int_equal(json_integer_value(c.last_id), 7);
    assert_string_equal(c.last_detail, "nope");
    json_decref(c.last_id);
}

static void test_peek_id(void **state)
{
    (void)state;
    json_t *id = router_peek_id("{\"id\":3,\"type\":\"x\"}", 19);
    assert_int_equal(json_integer_value(id), 3);
    json_decref(id);
    assert_null(router_peek_id("{\"id\":{}}", 9));
    assert_null(router_peek_id("garbage", 7));
}

static void test_permit(void **state)
{
    (void)state;
    const struct router guarded = {routes, 3, on_error, only_ping};
    struct ctx c = {0};
    const char *ok = "{\"type\":\"ping\"}", *no = "{\"type\":\"fail\",\"id\":7}";
    const char *unknown = "{\"type\":\"bogus\"}";
    assert_int_equal(router_dispatch(&guarded, &c, ok, strlen(ok)), 0);
    assert_int_equal(c.pings, 1);
    assert_int_equal(router_dispatch(&guarded, &c, no, strlen(no)), ROUTE_ERR(PERR_UNAUTHORIZED));
    assert_int_equal(c.last_err, PERR_UNAUTHORIZED);
    assert_int_equal(json_integer_value(c.last_id), 7);
    assert_string_equal(c.last_detail, "sign in first");
    /* Checked before the lookup: an unknown type is refused the same way. */
    assert_int_equal(router_dispatch(&guarded, &c, unknown, strlen(unknown)),
                     ROUTE_ERR(PERR_UNAUTHORIZED));
    /* Parse errors come first. */
    assert_int_equal(router_dispatch(&guarded, &c, "{x", 2), ROUTE_ERR(PERR_BAD_JSON));
    json_decref(c.last_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_permit),
        cmocka_unit_test(test_id_carried),
        cmocka_unit_test(test_huge_integer),
        cmocka_unit_test(test_peek_id),
        cmocka_unit_test(test_errno_is_internal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
