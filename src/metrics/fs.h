/* Filesystems: the real mounts of /proc/self/mountinfo (pseudo filesystems skipped, each device
 * once however often it is bind-mounted) and their space and inode use from statvfs. statvfs
 * on a hung network mount blocks, so the daemon calls pulse_fs_stat on a worker thread, one
 * scan at a time (docs/METRICS.md section 8). */
#ifndef PULSE_FS_H
#define PULSE_FS_H

#include "metrics/procfs_parse.h"

#include <stdbool.h>
#include <stdint.h>

#define PULSE_FS_MAX 64 /* mounts listed; more are left out */

typedef struct {
    char mount[PULSE_PATH_TEXT];
    char device[PULSE_PATH_TEXT]; /* the mount source, e.g. /dev/sda1 */
    char fstype[PULSE_FSTYPE_LEN];
    uint32_t major, minor;
    bool ok;                        /* statvfs answered; false leaves the numbers at 0 */
    uint64_t size, used, available; /* bytes; available = for unprivileged users */
    double usage;                   /* used / (used + available) × 100, as df prints it */
    uint64_t inodes, inodes_used, inodes_free;
    double inodes_usage; /* 0 for filesystems without a fixed inode count */
} pulse_fs;

typedef struct {
    int64_t ts_ms;
    int count;
    pulse_fs fs[PULSE_FS_MAX];
} pulse_fs_list;

/* Lists the real mounts from mountinfo text (no I/O): pseudo types skipped, one entry per
 * device number, preferring the mount of the filesystem's root over bind mounts of a part. */
int pulse_fs_from_mountinfo(const char *text, size_t len, pulse_fs_list *out);
/* Reads root/proc/self/mountinfo into out via pulse_fs_from_mountinfo (buf is scratch). */
int pulse_fs_read_mounts(const char *root, char *buf, size_t bufsize, pulse_fs_list *out);
/* Fills size/used/available/inodes of every entry with statvfs of root + mount (blocking). */
void pulse_fs_stat(const char *root, pulse_fs_list *l);
/* The entry for a mount point, or NULL. */
const pulse_fs *pulse_fs_find(const pulse_fs_list *l, const char *mount);

#endif
