/* The pure parsers added for processes, filesystems, host identity and sensors, on recorded and
 * hand-made text (tests/fixtures/proc). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/procfs_parse.h"
#include "pulse_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *load(const char *rel, size_t *len)
{
    const char *f = getenv("PULSE_FIXTURES");
    char path[1024];
    snprintf(path, sizeof(path), "%s/proc/%s", f ? f : "tests/fixtures", rel);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open fixture %s (set PULSE_FIXTURES)", path);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

static pulse_pid_stat pid_stat_of(const char *text)
{
    pulse_pid_stat st;
    assert_int_equal(pulse_parse_pid_stat(text, strlen(text), &st), 0);
    return st;
}

static void test_pid_stat_recorded(void **state)
{
    (void)state;
    pulse_pid_stat st = pid_stat_of(
        "1 (process_api) S 0 0 0 0 -1 4194560 35967 4893103 0 976 323 601 12957 8677 10 -10 40 0 "
        "18 59543552 4159 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 1 0 0 0 0 0\n");
    assert_int_equal(st.pid, 1);
    assert_string_equal(st.comm, "process_api");
    assert_int_equal(st.state, 'S');
    assert_int_equal(st.utime, 323);
    assert_int_equal(st.stime, 601);
    assert_int_equal(st.threads, 40);
    assert_int_equal(st.starttime, 18);
    assert_int_equal(st.rss_pages, 4159);
}

static void test_pid_stat_odd_comm(void **state)
{
    (void)state;
    size_t len;
    char *t = load("procs_t0/proc/100/stat", &len);
    pulse_pid_stat st;
    assert_int_equal(pulse_parse_pid_stat(t, len, &st), 0);
    assert_string_equal(st.comm, "my (weird) prog");
    assert_int_equal(st.state, 'R');
    assert_int_equal(st.threads, 4);
    free(t);
    t = load("procs_t0/proc/300/stat", &len);
    assert_int_equal(pulse_parse_pid_stat(t, len, &st), 0);
    assert_string_equal(st.comm, "sp ace)(");
    free(t);
    /* Non-UTF-8 bytes become U+FFFD, so the name is valid JSON text. */
    t = load("procs_t0/proc/200/stat", &len);
    assert_int_equal(pulse_parse_pid_stat(t, len, &st), 0);
    assert_string_equal(st.comm, "bad\xef\xbf\xbd\xef\xbf\xbdutf8");
    free(t);
    /* A newline or other control character in comm is shown as '?'. */
    st = pid_stat_of("9 (a\nb\tc) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 7 0 3\n");
    assert_string_equal(st.comm, "a?b?c");
}

static void test_pid_stat_malformed(void **state)
{
    (void)state;
    pulse_pid_stat st;
    static const char *const bad[] = {
        "",
        "700 (trunc",
        "x (a) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 7 0 3",
        "-5 (a) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 7 0 3",
        "5 (a) S 1 1 1",
        "5 (a) 7 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 7 0 3",
        "5 (a)",
        ")(",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pulse_parse_pid_stat(bad[i], strlen(bad[i]), &st), -EINVAL);
    assert_int_equal(pulse_parse_pid_stat(NULL, 0, &st), -EINVAL);
}

static void test_status_and_passwd(void **state)
{
    (void)state;
    size_t len;
    char *t = load("procs_t0/proc/100/status", &len);
    uint32_t uid = 0;
    assert_int_equal(pulse_parse_status_uid(t, len, &uid), 0);
    assert_int_equal(uid, 1000);
    free(t);
    t = load("container/proc/1/status", &len);
    assert_int_equal(pulse_parse_status_uid(t, len, &uid), -EINVAL);
    free(t);
    t = load("procs_t0/etc/passwd", &len);
    char name[33];
    assert_int_equal(pulse_parse_passwd_name(t, len, 1000, name, sizeof(name)), 0);
    assert_string_equal(name, "alice");
    assert_int_equal(pulse_parse_passwd_name(t, len, 33, name, sizeof(name)), 0);
    assert_string_equal(name, "www-data");
    assert_int_equal(pulse_parse_passwd_name(t, len, 4242, name, sizeof(name)), -ENOENT);
    free(t);
}

static void test_sanitize(void **state)
{
    (void)state;
    char out[8];
    /* Cut at a character boundary: 3 + 3 bytes fit in 8 with the NUL, a third does not. */
    assert_int_equal(pulse_sanitize_text("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9, out, 8), 6);
    assert_string_equal(out, "\xe2\x82\xac\xe2\x82\xac");
    /* Overlong, surrogate and truncated sequences are replaced, not passed through. */
    char big[64];
    pulse_sanitize_text("\xc0\xaf\xed\xa0\x80\xe2\x82", 7, big, sizeof(big));
    for (size_t i = 0; big[i]; i += 3)
        assert_memory_equal(big + i, "\xef\xbf\xbd", 3);
    assert_int_equal(pulse_sanitize_text("abc", 3, out, 1), 0);
}

static void test_mountinfo_host(void **state)
{
    (void)state;
    size_t len;
    char *t = load("mounts/mountinfo_host.txt", &len);
    pulse_mount_entry m[32];
    int n = 0;
    assert_int_equal(pulse_parse_mountinfo(t, len, m, 32, &n), 0);
    assert_int_equal(n, 13); /* the malformed line is skipped */
    assert_string_equal(m[4].mount, "/");
    assert_string_equal(m[4].fstype, "ext4");
    assert_string_equal(m[4].source, "/dev/vda");
    assert_int_equal(m[4].major, 254);
    assert_string_equal(m[6].mount, "/mnt/bind with space");
    assert_string_equal(m[6].root, "/srv/data");
    assert_string_equal(m[5].fstype, "xfs"); /* optional fields before " - " are skipped */
    assert_int_equal(pulse_parse_mountinfo(t, len, m, 2, &n), 0);
    assert_int_equal(n, 2);
    free(t);
    assert_true(pulse_fstype_is_pseudo("proc"));
    assert_true(pulse_fstype_is_pseudo("tmpfs"));
    assert_true(pulse_fstype_is_pseudo(""));
    assert_false(pulse_fstype_is_pseudo("ext4"));
    assert_false(pulse_fstype_is_pseudo("overlay"));
    assert_false(pulse_fstype_is_pseudo("nfs4"));
}

static void test_os_release(void **state)
{
    (void)state;
    char os[128];
    size_t len;
    char *t = load("hwmon_host/etc/os-release", &len);
    assert_int_equal(pulse_parse_os_release(t, len, os, sizeof(os)), 0);
    assert_string_equal(os, "Debian GNU/Linux 12 \"bookworm\"");
    free(t);
    t = load("odd/os-release-unquoted.txt", &len);
    assert_int_equal(pulse_parse_os_release(t, len, os, sizeof(os)), 0);
    assert_string_equal(os, "Alpine");
    free(t);
    t = load("odd/os-release-none.txt", &len);
    assert_int_equal(pulse_parse_os_release(t, len, os, sizeof(os)), -ENOENT);
    free(t);
}

static void test_millidegrees(void **state)
{
    (void)state;
    double c = 0;
    assert_int_equal(pulse_parse_millidegrees("45000\n", 6, &c), 0);
    assert_near(c, 45.0, 1e-9);
    assert_int_equal(pulse_parse_millidegrees("-5500", 5, &c), 0);
    assert_near(c, -5.5, 1e-9);
    assert_int_equal(pulse_parse_millidegrees("garbage\n", 8, &c), -EINVAL);
    assert_int_equal(pulse_parse_millidegrees("", 0, &c), -EINVAL);
    assert_int_equal(pulse_parse_millidegrees("99999999999", 11, &c), -EINVAL);
}

static void test_stat_btime(void **state)
{
    (void)state;
    size_t len;
    char *t = load("procs_t0/proc/stat", &len);
    pulse_stat_raw *st = malloc(sizeof(*st));
    assert_non_null(st);
    assert_int_equal(pulse_parse_stat(t, len, st), 0);
    assert_int_equal(st->btime, 1700000000);
    assert_true(st->have_forks);
    assert_int_equal(st->forks, 500);
    free(t);
    t = load("container/proc/stat", &len);
    assert_int_equal(pulse_parse_stat(t, len, st), 0); /* four tick fields, no btime */
    assert_int_equal(st->btime, 0);
    assert_false(st->have_forks); /* no "processes" line */
    assert_int_equal(st->total.idle, 100);
    free(t);
    free(st);
}

static void test_loadavg(void **state)
{
    (void)state;
    pulse_loadavg l;
    const char *ok = "0.52 1.25 2.00 3/657 12345\n";
    assert_int_equal(pulse_parse_loadavg(ok, strlen(ok), &l), 0);
    assert_near(l.load1, 0.52, 1e-12);
    assert_near(l.load5, 1.25, 1e-12);
    assert_near(l.load15, 2.0, 1e-12);
    assert_int_equal(l.running, 3);
    assert_int_equal(l.threads, 657);
    const char *bad[] = {"",
                         "garbage\n",
                         "0.52 1.25 2.00\n",
                         "0.52 1.25 2.00 3 657 1\n",
                         "0.52 1.25 2.00 -3/657 1\n",
                         "0.52 1.25 2.00 3/ 657 1\n",
                         "0.52 1.25 2.00 3/99999999999 1\n",
                         "nan 1.25 2.00 3/657 1\n",
                         "0.52 inf 2.00 3/657 1\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(pulse_parse_loadavg(bad[i], strlen(bad[i]), &l), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pid_stat_recorded),  cmocka_unit_test(test_pid_stat_odd_comm),
        cmocka_unit_test(test_pid_stat_malformed), cmocka_unit_test(test_status_and_passwd),
        cmocka_unit_test(test_sanitize),           cmocka_unit_test(test_mountinfo_host),
        cmocka_unit_test(test_os_release),         cmocka_unit_test(test_millidegrees),
        cmocka_unit_test(test_stat_btime),         cmocka_unit_test(test_loadavg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
