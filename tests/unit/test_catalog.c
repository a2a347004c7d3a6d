/* The host's history metric set, hwmon temperatures, host identity and the frame additions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "metrics/catalog.h"
#include "metrics/host.h"
#include "metrics/host_json.h"
#include "metrics/metrics_json.h"
#include "pulse_test.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void root_of(char *out, size_t cap, const char *name)
{
    const char *f = getenv("PULSE_FIXTURES");
    snprintf(out, cap, "%s/proc/%s", f ? f : "tests/fixtures", name);
}

static pulse_sample *sample_2cores(void)
{
    pulse_sample *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    s->has_rates = true;
    s->cpu = (pulse_cpu_pct){.valid = true, .usage = 50, .steal = 2.5};
    s->ncores = 2;
    s->cores[0] = (pulse_cpu_pct){.valid = true, .usage = 70};
    s->net.count = 1;
    s->net.ifaces[0] = (pulse_iface_rate){"eth0", true, 100, 200};
    s->disk.count = 1;
    s->disk.disks[0] = (pulse_disk_rate){"vda", true, 4096, 512};
    s->ntemps = 1;
    snprintf(s->temps[0].name, sizeof(s->temps[0].name), "coretemp/Core 0");
    s->temps[0].celsius = 41.5;
    s->mem.buffers = 1234;
    return s;
}

static void test_catalog_names_and_values(void **state)
{
    (void)state;
    pulse_sample *s = sample_2cores();
    pulse_fs_list fs = {.count = 1};
    snprintf(fs.fs[0].mount, sizeof(fs.fs[0].mount), "/home");
    fs.fs[0].ok = true;
    fs.fs[0].usage = 42.0;
    fs.fs[0].used = 4200;
    pulse_catalog *c = NULL;
    assert_int_equal(pulse_catalog_new(s, &fs, &c), 0);
    int n = pulse_catalog_count(c);
    assert_int_equal(n, PULSE_METRIC_COUNT + 2 + 2 + 2 + 1 + 2);
    assert_int_equal(pulse_catalog_id(c, "cpu.usage"), PULSE_M_CPU_USAGE);
    int c0 = pulse_catalog_id(c, "cpu.cores.0"), c1 = pulse_catalog_id(c, "cpu.cores.1");
    assert_true(c0 >= PULSE_METRIC_COUNT);
    assert_int_equal(pulse_catalog_id(c, "cpu.cores.2"), -ENOENT);
    double *v = malloc((size_t)n * sizeof(*v));
    assert_non_null(v);
    pulse_catalog_values(c, s, &fs, v);
    assert_near(v[c0], 70, 1e-9);
    assert_true(isnan(v[c1])); /* core 1 had no valid interval */
    assert_near(v[pulse_catalog_id(c, "network.interfaces.eth0.tx_bps")], 200, 1e-9);
    assert_near(v[pulse_catalog_id(c, "disk.disks.vda.read_bps")], 4096, 1e-9);
    assert_near(v[pulse_catalog_id(c, "sensors.coretemp/Core 0.celsius")], 41.5, 1e-9);
    assert_near(v[pulse_catalog_id(c, "fs./home.usage")], 42, 1e-9);
    assert_near(v[pulse_catalog_id(c, "fs./home.used")], 4200, 1e-9);
    assert_near(v[PULSE_M_CPU_STEAL], 2.5, 1e-9);
    assert_near(v[PULSE_M_MEM_BUFFERS], 1234, 1e-9);
    /* An interface gone later has no value rather than a stale one. */
    s->net.count = 0;
    pulse_catalog_values(c, s, NULL, v);
    assert_true(isnan(v[pulse_catalog_id(c, "network.interfaces.eth0.rx_bps")]));
    assert_true(isnan(v[pulse_catalog_id(c, "fs./home.usage")]));
    assert_string_equal(pulse_catalog_names(c)[c1], "cpu.cores.1");
    assert_null(pulse_catalog_name(c, n));
    free(v);
    free(s);
    pulse_catalog_free(c);
}

static void test_temperatures(void **state)
{
    (void)state;
    char root[1024], buf[4096];
    pulse_temp t[PULSE_MAX_TEMPS];
    root_of(root, sizeof(root), "hwmon_host");
    int n = pulse_read_temps(root, buf, sizeof(buf), t);
    assert_int_equal(n, 3); /* garbage input and the fan chip are left out */
    assert_string_equal(t[0].name, "coretemp/Package id 0");
    assert_near(t[0].celsius, 45.0, 1e-9);
    assert_string_equal(t[1].name, "coretemp/temp2");
    assert_string_equal(t[2].name, "nvme/temp1");
    assert_near(t[2].celsius, 38.85, 1e-9);
    root_of(root, sizeof(root), "container");
    assert_int_equal(pulse_read_temps(root, buf, sizeof(buf), t), 0); /* none: not an error */
}

static void test_frame_extras(void **state)
{
    (void)state;
    pulse_sample *s = sample_2cores();
    pulse_fs_list fs = {.count = 0};
    json_t *o = NULL;
    assert_int_equal(pulse_metrics_json(s, PULSE_GROUP_ALL, &o), 0);
    assert_int_equal(pulse_metrics_json_extras(o, s, &fs, PULSE_GROUP_ALL), 0);
    assert_near(json_real_value(json_object_get(json_object_get(o, "cpu"), "steal")), 2.5, 1e-9);
    json_t *temps = json_object_get(json_object_get(o, "system"), "temperatures");
    assert_near(json_real_value(json_object_get(temps, "coretemp/Core 0")), 41.5, 1e-9);
    assert_true(json_is_array(json_object_get(json_object_get(o, "disk"), "filesystems")));
    json_decref(o);
    /* Only the groups asked for get their additions. */
    assert_int_equal(pulse_metrics_json(s, PULSE_GROUP_MEMORY, &o), 0);
    assert_int_equal(pulse_metrics_json_extras(o, s, &fs, PULSE_GROUP_MEMORY), 0);
    assert_null(json_object_get(o, "cpu"));
    assert_null(json_object_get(o, "system"));
    json_decref(o);
    s->cpu.valid = false;
    assert_int_equal(pulse_metrics_json(s, PULSE_GROUP_CPU, &o), 0);
    assert_int_equal(pulse_metrics_json_extras(o, s, NULL, PULSE_GROUP_CPU), 0);
    assert_true(json_is_null(json_object_get(json_object_get(o, "cpu"), "steal")));
    json_decref(o);
    free(s);
}

static void test_host_identity(void **state)
{
    (void)state;
    char root[1024];
    pulse_host_info h;
    root_of(root, sizeof(root), "hwmon_host");
    pulse_host_read(root, &h);
    assert_string_equal(h.os, "Debian GNU/Linux 12 \"bookworm\"");
    assert_true(h.cores >= 1);
    assert_true(h.hostname[0] != '\0');
    assert_true(h.kernel[0] != '\0');
    assert_int_equal(h.boot_ms, 0); /* no proc/stat in this tree */
    root_of(root, sizeof(root), "procs_t0");
    pulse_host_read(root, &h);
    assert_string_equal(h.os, "Linux"); /* no os-release */
    assert_int_equal(h.boot_ms, 1700000000000LL);
    json_t *o = NULL;
    assert_int_equal(pulse_host_json(&h, &o), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "boot_ts")), 1700000000000LL);
    assert_true(json_is_array(json_object_get(o, "addresses")));
    assert_string_equal(json_string_value(json_object_get(o, "os")), "Linux");
    for (size_t i = 0; i < json_array_size(json_object_get(o, "addresses")); i++) {
        json_t *a = json_array_get(json_object_get(o, "addresses"), i);
        const char *fam = json_string_value(json_object_get(a, "family"));
        assert_true(strcmp(fam, "ipv4") == 0 || strcmp(fam, "ipv6") == 0);
    }
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_names_and_values),
        cmocka_unit_test(test_temperatures),
        cmocka_unit_test(test_frame_extras),
        cmocka_unit_test(test_host_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
