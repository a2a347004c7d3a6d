/* The node registry and presence records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/nodes.h"

static int freed;

static void free_data(void *p)
{
    freed++;
    free(p);
}

static void test_registry(void **state)
{
    (void)state;
    struct fleet_nodes r;
    nodes_init(&r);
    assert_non_null(nodes_seen(&r, "web2", 100));
    struct fleet_node *n = nodes_seen(&r, "web1", 50);
    n->data = malloc(8);
    assert_non_null(nodes_seen(&r, "web2", 90)); /* last_seen never moves back */
    assert_int_equal(nodes_find(&r, "web2")->last_seen, 100);
    nodes_seen(&r, "web2", 200);
    assert_int_equal(nodes_find(&r, "web2")->last_seen, 200);
    assert_null(nodes_seen(&r, "bad name", 1));
    assert_null(nodes_find(&r, "nobody"));
    json_t *j = nodes_json(&r);
    char *s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(
        s, "[{\"name\":\"web1\",\"last_seen\":50},{\"name\":\"web2\",\"last_seen\":200}]");
    free(s);
    json_decref(j);
    nodes_free(&r, free_data);
    assert_int_equal(freed, 1);
    assert_int_equal(r.count, 0);
}

static void test_registry_bound(void **state)
{
    (void)state;
    struct fleet_nodes r;
    char name[16];
    nodes_init(&r);
    for (int i = 0; i < FLEET_MAX_NODES; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        assert_non_null(nodes_seen(&r, name, i));
    }
    assert_null(nodes_seen(&r, "one-more", 1));
    assert_non_null(nodes_seen(&r, "n3", 1000)); /* known ones still update */
    nodes_free(&r, NULL);
}

static void test_presence(void **state)
{
    (void)state;
    const char *fields[] = {"self", "a", "b", "c", "bad name", "d"};
    const char *values[] = {"999999", "2000", "1000", "x", "5000", "1500"};
    const char *out[8];
    size_t n = presence_live_nodes(fields, values, 6, "self", 1200, out, 8);
    assert_int_equal(n, 2);
    assert_string_equal(out[0], "a");
    assert_string_equal(out[1], "d");
    assert_int_equal(presence_live_nodes(fields, values, 6, "self", 1200, out, 1), 1);
    int64_t ms;
    assert_int_equal(nodes_parse_ms("123", 3, &ms), 0);
    assert_int_equal(ms, 123);
    assert_int_equal(nodes_parse_ms("", 0, &ms), -22);
    assert_int_equal(nodes_parse_ms("1a", 2, &ms), -22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_registry_bound),
        cmocka_unit_test(test_presence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
