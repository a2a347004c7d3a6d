/* The user interning table: one record per name, per-user connection lists, refcounts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub/users.h"

static unsigned list_len(const struct user *u)
{
    unsigned n = 0;
    for (const struct user_link *l = u->head; l; l = l->next)
        n++;
    return n;
}

static void test_one_record_per_name(void **state)
{
    (void)state;
    struct user_table t;
    struct user_link a = {0}, b = {0}, c = {0}, d = {0};
    users_init(&t);
    assert_int_equal(users_attach(&t, &a, "alice"), 0);
    assert_int_equal(users_attach(&t, &b, "alice"), 0);
    assert_int_equal(users_attach(&t, &c, "alice"), 0);
    assert_int_equal(users_attach(&t, &d, "bob"), 0);
    assert_int_equal(t.count, 2);
    struct user *u = users_find(&t, "alice");
    assert_non_null(u);
    assert_ptr_equal(a.user, u);
    assert_ptr_equal(users_name(&a), users_name(&c)); /* the name is stored once */
    assert_string_equal(users_name(&d), "bob");
    assert_int_equal(u->refs, 3);
    assert_int_equal(list_len(u), 3);
    assert_null(users_find(&t, "carol"));
    assert_null(users_find(&t, "alic"));
    users_detach(&t, &b); /* from the middle */
    assert_int_equal(list_len(u), 2);
    assert_ptr_equal(u->head, &c);
    assert_ptr_equal(c.next, &a);
    assert_null(a.next);
    users_detach(&t, &b); /* idempotent */
    users_detach(&t, &c); /* the head */
    users_detach(&t, &a); /* the last: the user goes */
    assert_null(users_find(&t, "alice"));
    assert_int_equal(t.count, 1);
    assert_null(users_name(&a));
    users_detach(&t, &d);
    assert_int_equal(t.count, 0);
    assert_null(t.by_name);
}

static void test_reattach_moves(void **state)
{
    (void)state;
    struct user_table t;
    struct user_link a = {0}, b = {0};
    users_init(&t);
    assert_int_equal(users_attach(&t, &a, "alice"), 0);
    assert_int_equal(users_attach(&t, &b, "alice"), 0);
    assert_int_equal(users_attach(&t, &a, "alice"), 0); /* same name: nothing changes */
    assert_int_equal(users_find(&t, "alice")->refs, 2);
    assert_int_equal(users_attach(&t, &a, "bob"), 0); /* a new identity on one connection */
    assert_int_equal(users_find(&t, "alice")->refs, 1);
    assert_int_equal(list_len(users_find(&t, "bob")), 1);
    assert_int_equal(users_attach(&t, &b, "bob"), 0); /* alice's last link left */
    assert_null(users_find(&t, "alice"));
    assert_int_equal(t.count, 1);
    assert_int_equal(users_attach(&t, &b, ""), -EINVAL);
    assert_int_equal(users_attach(&t, &b, NULL), -EINVAL);
    assert_string_equal(users_name(&b), "bob"); /* a refused attach changes nothing */
    users_free(&t);
    assert_int_equal(t.count, 0);
}

static void test_many(void **state)
{
    (void)state;
    enum { N = 3000 };
    static struct user_link links[N];
    struct user_table t;
    char name[16];
    users_init(&t);
    memset(links, 0, sizeof(links));
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "u%d", i % 100);
        assert_int_equal(users_attach(&t, &links[i], name), 0);
    }
    assert_int_equal(t.count, 100);
    assert_int_equal(list_len(users_find(&t, "u7")), N / 100);
    for (int i = 0; i < N; i += 2)
        users_detach(&t, &links[i]);
    assert_int_equal(list_len(users_find(&t, "u7")), N / 100);
    assert_null(users_find(&t, "u8"));
    for (int i = 1; i < N; i += 2)
        users_detach(&t, &links[i]);
    assert_int_equal(t.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_record_per_name),
        cmocka_unit_test(test_reattach_moves),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
