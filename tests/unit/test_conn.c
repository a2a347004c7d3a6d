/* The connection manager: ids, lookup, counters, iteration that may remove. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hub/conn.h"

static void test_ids_and_lookup(void **state)
{
    (void)state;
    struct conn_mgr m;
    struct conn a = {0}, b = {0}, c = {0};
    conn_mgr_init(&m);
    conn_mgr_add(&m, &a, "");
    conn_mgr_add(&m, &b, "");
    conn_mgr_add(&m, &c, "node-1");
    assert_string_not_equal(a.id, b.id);
    assert_non_null(strstr(c.id, "node-1"));
    assert_int_equal(m.total, 3);
    assert_ptr_equal(conn_mgr_find(&m, a.id), &a);
    assert_ptr_equal(conn_mgr_find(&m, c.id), &c);
    assert_null(conn_mgr_find(&m, "nobody"));
    conn_mgr_remove(&m, &b);
    conn_mgr_remove(&m, &b); /* idempotent */
    assert_int_equal(m.total, 2);
    assert_null(conn_mgr_find(&m, b.id));
    conn_mgr_ws_count(&m, +1);
    conn_mgr_ws_count(&m, +1);
    conn_mgr_ws_count(&m, -1);
    assert_int_equal(m.ws_count, 1);
    conn_mgr_remove(&m, &a);
    conn_mgr_remove(&m, &c);
    assert_int_equal(m.total, 0);
}

static void remove_it(struct conn *c, void *arg)
{
    struct conn_mgr *m = arg;
    conn_mgr_remove(m, c);
}

static void test_foreach_may_remove(void **state)
{
    (void)state;
    struct conn_mgr m;
    struct conn cs[50];
    memset(cs, 0, sizeof(cs));
    conn_mgr_init(&m);
    for (int i = 0; i < 50; i++)
        conn_mgr_add(&m, &cs[i], "");
    conn_mgr_foreach(&m, remove_it, &m);
    assert_int_equal(m.total, 0);
    assert_null(m.by_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_and_lookup),
        cmocka_unit_test(test_foreach_may_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
