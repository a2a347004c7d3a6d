/* Filesystems: which mounts count (pseudo skipped, bind mounts once), statvfs figures, and the
 * "nearly full" and "will be full" alerts with their hysteresis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/fs.h"
#include "metrics/humanize.h"
#include "metrics/metrics_json.h"
#include "metrics/fs_alerts.h"
#include "metrics/host_json.h"
#include "pulse_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

static char *load(const char *rel, size_t *len)
{
    const char *f = getenv("PULSE_FIXTURES");
    char path[1024];
    snprintf(path, sizeof(path), "%s/proc/%s", f ? f : "tests/fixtures", rel);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open fixture %s", path);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

static pulse_fs_list *list_from(const char *rel)
{
    size_t len;
    char *t = load(rel, &len);
    pulse_fs_list *l = calloc(1, sizeof(*l));
    assert_non_null(l);
    assert_int_equal(pulse_fs_from_mountinfo(t, len, l), 0);
    free(t);
    return l;
}

static void test_host_mounts(void **state)
{
    (void)state;
    pulse_fs_list *l = list_from("mounts/mountinfo_host.txt");
    /* / (vda, once despite the bind mount and /also-root), /home, /net/share, overlay,
     * /boot/efi; proc, sysfs, devtmpfs, tmpfs, cgroup2 and squashfs are skipped. */
    assert_int_equal(l->count, 5);
    assert_string_equal(l->fs[0].mount, "/");
    assert_string_equal(l->fs[0].device, "/dev/vda");
    assert_string_equal(l->fs[1].mount, "/home");
    assert_string_equal(l->fs[1].fstype, "xfs");
    assert_string_equal(l->fs[2].mount, "/net/share");
    assert_string_equal(l->fs[3].fstype, "overlay");
    assert_string_equal(l->fs[4].mount, "/boot/efi");
    assert_null(pulse_fs_find(l, "/mnt/bind with space"));
    assert_null(pulse_fs_find(l, "/proc"));
    free(l);
}

static void test_container_mounts(void **state)
{
    (void)state;
    pulse_fs_list *l = list_from("mounts/mountinfo_container.txt");
    /* The overlay root, and the host disk once, under the first of its bind mounts (no mount
     * of its root exists in the container). */
    assert_int_equal(l->count, 2);
    assert_string_equal(l->fs[0].mount, "/");
    assert_string_equal(l->fs[1].mount, "/etc/resolv.conf");
    free(l);
}

static void test_statvfs_and_json(void **state)
{
    (void)state;
    pulse_fs_list l = {.count = 2};
    snprintf(l.fs[0].mount, sizeof(l.fs[0].mount), "/");
    snprintf(l.fs[1].mount, sizeof(l.fs[1].mount), "/nonexistent/pulse");
    pulse_fs_stat("/", &l);
    assert_true(l.fs[0].ok);
    assert_true(l.fs[0].size > 0);
    assert_true(l.fs[0].used + l.fs[0].available <= l.fs[0].size);
    assert_true(l.fs[0].usage >= 0 && l.fs[0].usage <= 100);
    assert_false(l.fs[1].ok);
    json_t *arr = NULL;
    assert_int_equal(pulse_filesystems_json(&l, &arr), 0);
    assert_int_equal(json_array_size(arr), 2);
    assert_true(json_is_integer(json_object_get(json_array_get(arr, 0), "size")));
    assert_true(json_is_null(json_object_get(json_array_get(arr, 1), "size")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "mount")),
                        "/nonexistent/pulse");
    json_decref(arr);
}

static pulse_fs_list one_fs(double usage, uint64_t used, uint64_t avail)
{
    pulse_fs_list l = {.count = 1};
    pulse_fs *f = &l.fs[0];
    snprintf(f->mount, sizeof(f->mount), "/var");
    f->ok = true;
    f->size = used + avail;
    f->used = used;
    f->available = avail;
    f->usage = usage;
    return l;
}

/* Moving counts keep 4 significant digits rounded down: used + available <= size stays true. */
static void test_json_counts_rounded_down(void **state)
{
    (void)state;
    pulse_fs_list l = one_fs(18.4, 18949918720, 83795361792);
    l.fs[0].size = 18949918720 + 83795361792 - 1;
    l.fs[0].inodes = 16777216;
    l.fs[0].inodes_used = 464732;
    l.fs[0].inodes_free = 9999;
    json_t *arr = NULL;
    assert_int_equal(pulse_filesystems_json(&l, &arr), 0);
    json_t *o = json_array_get(arr, 0);
    assert_int_equal(json_integer_value(json_object_get(o, "size")), 102745280511); /* exact */
    assert_int_equal(json_integer_value(json_object_get(o, "used")), 18940000000);
    assert_int_equal(json_integer_value(json_object_get(o, "available")), 83790000000);
    assert_int_equal(json_integer_value(json_object_get(o, "inodes")), 16777216);
    assert_int_equal(json_integer_value(json_object_get(o, "inodes_used")), 464700);
    assert_int_equal(json_integer_value(json_object_get(o, "inodes_free")), 9999);
    json_decref(arr);
}

static void test_full_alert_hysteresis(void **state)
{
    (void)state;
    pulse_fs_alerts *a = NULL;
    assert_int_equal(pulse_fs_alerts_new(&a), 0);
    pulse_insight ev[PULSE_FS_MAX_EVENTS];
    size_t n = 0;
    const uint64_t G = 1ULL << 30;
    pulse_fs_list l = one_fs(91.0, 91 * G, 9 * G);
    assert_int_equal(pulse_fs_alerts_update(a, &l, 1000, ev, PULSE_FS_MAX_EVENTS, &n), 0);
    assert_int_equal(n, 1);
    assert_true(ev[0].active);
    assert_int_equal(ev[0].level, PULSE_LEVEL_WARNING);
    assert_string_equal(ev[0].key, "fs_full:/var");
    assert_string_equal(ev[0].message, "Disk /var is 91 % full (9.0 GiB free)");
    assert_near(ev[0].value, 91.0, 1e-9);
    assert_near(ev[0].threshold, PULSE_FS_FULL_PCT, 1e-9);
    assert_near(ev[0].clear_below, PULSE_FS_FULL_CLEAR_PCT, 1e-9);
    assert_true(ev[0].seq > 0);
    assert_int_equal(ev[0].raised_ts, 1000);
    assert_string_equal(ev[0].reason, "");
    uint64_t raised_seq = ev[0].seq;
    /* 87 %: still above the clear level, nothing new; 84 %: resolved. */
    l = one_fs(87.0, 87 * G, 13 * G);
    pulse_fs_alerts_update(a, &l, 2000, ev, PULSE_FS_MAX_EVENTS, &n);
    assert_int_equal(n, 0);
    size_t na = 0;
    pulse_insight act[4];
    pulse_fs_alerts_active(a, act, 4, &na);
    assert_int_equal(na, 1);
    l = one_fs(84.0, 84 * G, 16 * G);
    pulse_fs_alerts_update(a, &l, 3000, ev, PULSE_FS_MAX_EVENTS, &n);
    assert_int_equal(n, 1);
    assert_false(ev[0].active);
    assert_int_equal(ev[0].level, PULSE_LEVEL_INFO);
    assert_string_equal(ev[0].message,
                        "Disk /var back to normal at 84 % full, 16 GiB free (alert lasted 2 s)");
    assert_int_equal(ev[0].resolves, raised_seq);
    assert_true(ev[0].seq > raised_seq);
    assert_int_equal(ev[0].raised_ts, 1000);
    assert_string_equal(ev[0].reason, "recovered");
    assert_near(ev[0].threshold, PULSE_FS_FULL_PCT, 1e-9);
    /* 89 %: under the raise level, so no new alert until 90 % again. */
    l = one_fs(89.0, 89 * G, 11 * G);
    pulse_fs_alerts_update(a, &l, 4000, ev, PULSE_FS_MAX_EVENTS, &n);
    assert_int_equal(n, 0);
    pulse_fs_alerts_free(a);
}

static void test_trend_alert(void **state)
{
    (void)state;
    pulse_fs_alerts *a = NULL;
    assert_int_equal(pulse_fs_alerts_new(&a), 0);
    pulse_insight ev[PULSE_FS_MAX_EVENTS];
    size_t n = 0, raised = 0;
    const uint64_t G = 1ULL << 30;
    /* Growing 1 GiB a minute with 300 GiB free: full in 5 hours, once 10 minutes are seen. */
    for (int i = 0; i <= 12; i++) {
        uint64_t used = 100 * G + (uint64_t)i * G;
        pulse_fs_list l = one_fs(30.0, used, 400 * G - used);
        pulse_fs_alerts_update(a, &l, (int64_t)i * 60000, ev, PULSE_FS_MAX_EVENTS, &n);
        if (n) {
            raised++;
            assert_string_equal(ev[0].key, "fs_trend:/var");
            assert_true(ev[0].active);
            assert_string_equal(ev[0].message, "Disk /var will be full in about 5 hours at the "
                                               "current rate (290 GiB free)");
            assert_true(isnan(ev[0].threshold));
            assert_near(ev[0].hours_to_full, 290.0 / 60, 1e-6); /* the number in a field */
            json_t *o = NULL;
            assert_int_equal(pulse_insight_json(&ev[0], &o), 0);
            assert_near(json_real_value(json_object_get(o, "hours_to_full")), 4.83, 1e-9);
            assert_string_equal(json_string_value(json_object_get(o, "unit")), "percent");
            json_decref(o);
            assert_true(i >= 10);
        }
    }
    assert_int_equal(raised, 1);
    /* Growth stops: the points' slope falls to zero over the window only slowly, so flatten it
     * by feeding a long flat stretch. */
    for (int i = 13; i < 13 + PULSE_FS_TREND_POINTS && !n; i++) {
        pulse_fs_list l = one_fs(30.0, 112 * G, 288 * G);
        pulse_fs_alerts_update(a, &l, (int64_t)i * 60000, ev, PULSE_FS_MAX_EVENTS, &n);
    }
    assert_int_equal(n, 1);
    assert_false(ev[0].active);
    assert_non_null(strstr(ev[0].message, "Disk /var no longer filling up, at 30 % full, 288 GiB"));
    assert_string_equal(ev[0].reason, "recovered");
    assert_true(ev[0].resolves > 0);
    json_t *o = NULL;
    assert_int_equal(pulse_insight_json(&ev[0], &o), 0);
    assert_null(json_object_get(o, "hours_to_full")); /* only on the raised one */
    json_decref(o);
    pulse_fs_alerts_free(a);
}

static void test_hours_and_bytes(void **state)
{
    (void)state;
    double t[3] = {0, 3600, 7200}, u[3] = {0, 1000, 2000};
    assert_near(pulse_fs_hours_to_full(t, u, 3, 5000), 5.0, 1e-9);
    double flat[3] = {5, 5, 5};
    assert_true(pulse_fs_hours_to_full(t, flat, 3, 5000) < 0);
    assert_true(pulse_fs_hours_to_full(t, u, 1, 5000) < 0);
    char b[32];
    pulse_format_value(PULSE_UNIT_BYTES, 512, b, sizeof(b));
    assert_string_equal(b, "512 B");
    pulse_format_value(PULSE_UNIT_BYTES, 1536, b, sizeof(b));
    assert_string_equal(b, "1.5 KiB");
    pulse_format_value(PULSE_UNIT_BYTES, 972.0 * 1048576, b, sizeof(b));
    assert_string_equal(b, "972 MiB");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_mounts),
        cmocka_unit_test(test_container_mounts),
        cmocka_unit_test(test_statvfs_and_json),
        cmocka_unit_test(test_json_counts_rounded_down),
        cmocka_unit_test(test_full_alert_hysteresis),
        cmocka_unit_test(test_trend_alert),
        cmocka_unit_test(test_hours_and_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
