/* The slow scans on a real libuv loop over fixture trees: processes only when wanted, the
 * first-scan-then-one-second rule, filesystem figures and alerts handed back on the loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/hostscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    bool want;
    int frames, wanted_asks, with_rates;
    uv_loop_t *loop;
    uv_timer_t stop;
} probe;

static bool want(void *arg)
{
    probe *pr = arg;
    pr->wanted_asks++;
    return pr->want;
}

static void on_procs(void *arg, json_t *frame)
{
    probe *pr = arg;
    pr->frames++;
    assert_string_equal(json_string_value(json_object_get(frame, "type")), "processes");
    if (json_is_true(json_object_get(frame, "rates"))) {
        pr->with_rates++;
        uv_stop(pr->loop);
    }
}

static void on_stop(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void root_of(char *out, size_t cap, const char *name)
{
    const char *f = getenv("PULSE_FIXTURES");
    snprintf(out, cap, "%s/proc/%s", f ? f : "tests/fixtures", name);
}

static void run_for(uv_loop_t *loop, uv_timer_t *t, uint64_t ms)
{
    uv_timer_start(t, on_stop, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT);
}

static void finish(uv_loop_t *loop, struct hostscan *hs, uv_timer_t *t)
{
    hostscan_stop(hs);
    uv_close((uv_handle_t *)t, NULL);
    while (uv_run(loop, UV_RUN_DEFAULT) != 0) {
    }
    hostscan_free(hs);
    assert_int_equal(uv_loop_close(loop), 0);
}

static void test_processes_only_when_wanted(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    probe pr = {.loop = &loop};
    uv_timer_init(&loop, &pr.stop);
    char root[1024];
    root_of(root, sizeof(root), "procs_t1");
    hostscan_hooks h = {&pr, want, on_procs, NULL, NULL};
    struct hostscan *hs = NULL;
    assert_int_equal(hostscan_start(&loop, root, 50, &h, &hs), 0);
    run_for(&loop, &pr.stop, 300);
    assert_true(pr.wanted_asks >= 1); /* the timer asks ... */
    assert_int_equal(pr.frames, 0);   /* ... and nothing is scanned */
    assert_null(hostscan_processes(hs));
    pr.want = true;
    hostscan_poke_processes(hs);
    run_for(&loop, &pr.stop, 30000); /* first scan at once, the one with rates 1 s later */
    assert_int_equal(pr.with_rates, 1);
    assert_int_equal(pr.frames, 2);
    json_t *latest = hostscan_processes(hs);
    assert_non_null(latest);
    assert_int_equal(json_integer_value(json_object_get(latest, "total")), 7);
    /* Mounts from the tree (none here), host identity always. */
    assert_int_equal(hostscan_fs(hs)->count, 0);
    assert_true(hostscan_host(hs)->cores >= 1);
    finish(&loop, hs, &pr.stop);
}

static void test_fs_scan_on_worker(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    probe pr = {.loop = &loop};
    uv_timer_init(&loop, &pr.stop);
    hostscan_hooks h = {&pr, want, on_procs, NULL, NULL};
    struct hostscan *hs = NULL;
    assert_int_equal(hostscan_start(&loop, NULL, 100, &h, &hs), 0);
    const pulse_fs_list *l = hostscan_fs(hs);
    const pulse_fs *root = pulse_fs_find(l, "/");
    assert_non_null(root);
    assert_false(root->ok); /* start-up reads the list only */
    /* The worker's answer arrives on the loop; wait for it (bounded: 20 s). */
    for (int i = 0; i < 400 && !pulse_fs_find(hostscan_fs(hs), "/")->ok; i++)
        run_for(&loop, &pr.stop, 50);
    root = pulse_fs_find(hostscan_fs(hs), "/");
    assert_non_null(root);
    assert_true(root->ok);
    assert_true(root->size > 0);
    pulse_sample *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    hostscan_fill_temps(hs, s);
    assert_true(s->ntemps >= 0);
    free(s);
    size_t n = 0;
    pulse_insight act[4];
    hostscan_active(hs, act, 4, &n);
    assert_true(n <= 4);
    finish(&loop, hs, &pr.stop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_processes_only_when_wanted),
        cmocka_unit_test(test_fs_scan_on_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
