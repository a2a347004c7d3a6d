/* libFuzzer target: arbitrary bytes into every pure /proc, /sys and /etc text parser. */
#include <stdint.h>
#include <stdlib.h>

#include "metrics/fs.h"
#include "metrics/procfs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    pulse_pid_stat ps;
    pulse_parse_pid_stat(t, size, &ps);
    uint32_t uid;
    pulse_parse_status_uid(t, size, &uid);
    char name[33], os[128], clean[64];
    pulse_parse_passwd_name(t, size, 1000, name, sizeof(name));
    pulse_parse_os_release(t, size, os, sizeof(os));
    pulse_sanitize_text(t, size, clean, sizeof(clean));
    double c;
    pulse_parse_millidegrees(t, size, &c);
    pulse_fs_list *fl = malloc(sizeof(*fl));
    pulse_stat_raw *st = malloc(sizeof(*st));
    pulse_netdev_raw *nd = malloc(sizeof(*nd));
    pulse_disk_raw *dk = malloc(sizeof(*dk));
    if (fl && st && nd && dk) {
        pulse_fs_from_mountinfo(t, size, fl);
        pulse_parse_stat(t, size, st);
        pulse_parse_netdev(t, size, nd);
        pulse_parse_diskstats(t, size, dk);
    }
    pulse_meminfo mi;
    pulse_parse_meminfo(t, size, &mi);
    pulse_loadavg la;
    pulse_parse_loadavg(t, size, &la);
    free(fl);
    free(st);
    free(nd);
    free(dk);
    return 0;
}
