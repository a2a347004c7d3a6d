#include "metrics/fs.h"

#include "metrics/procfs_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#define MOUNTS_PARSED 512

static int find_dev(const pulse_fs_list *l, uint32_t major, uint32_t minor)
{
    for (int i = 0; i < l->count; i++)
        if (l->fs[i].major == major && l->fs[i].minor == minor)
            return i;
    return -1;
}

static void set_entry(pulse_fs *f, const pulse_mount_entry *m)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->mount, m->mount, sizeof(f->mount));
    memcpy(f->device, m->source, sizeof(f->device));
    memcpy(f->fstype, m->fstype, sizeof(f->fstype));
    f->major = m->major;
    f->minor = m->minor;
}

int pulse_fs_from_mountinfo(const char *text, size_t len, pulse_fs_list *out)
{
    if (!text || !out)
        return -EINVAL;
    int n = 0;
    pulse_mount_entry *m = malloc(MOUNTS_PARSED * sizeof(*m));
    if (!m)
        return -ENOMEM;
    pulse_parse_mountinfo(text, len, m, MOUNTS_PARSED, &n);
    out->count = 0;
    bool whole[PULSE_FS_MAX] = {false}; /* the entry is the filesystem's root, not a part */
    for (int i = 0; i < n; i++) {
        if (pulse_fstype_is_pseudo(m[i].fstype))
            continue;
        /* A bind mount shows the same device again: keep one, the whole filesystem's if any. */
        int at = find_dev(out, m[i].major, m[i].minor);
        if (at >= 0) {
            if (strcmp(m[i].root, "/") == 0 && !whole[at]) {
                set_entry(&out->fs[at], &m[i]);
                whole[at] = true;
            }
            continue;
        }
        if (out->count >= PULSE_FS_MAX)
            continue;
        set_entry(&out->fs[out->count], &m[i]);
        whole[out->count++] = strcmp(m[i].root, "/") == 0;
    }
    free(m);
    return 0;
}

int pulse_fs_read_mounts(const char *root, char *buf, size_t bufsize, pulse_fs_list *out)
{
    ssize_t n = pulse_read_file(root, "proc/self/mountinfo", buf, bufsize);
    if (n < 0)
        return (int)n;
    return pulse_fs_from_mountinfo(buf, (size_t)n, out);
}

static void stat_one(const char *root, pulse_fs *f)
{
    char path[PULSE_PATH_TEXT + 1100];
    struct statvfs v;
    bool host = strcmp(root, "/") == 0;
    snprintf(path, sizeof(path), "%s%s", host ? "" : root, f->mount);
    f->ok = statvfs(path, &v) == 0 && v.f_blocks > 0;
    if (!f->ok)
        return;
    uint64_t unit = v.f_frsize ? v.f_frsize : v.f_bsize;
    f->size = (uint64_t)v.f_blocks * unit;
    f->used = (uint64_t)(v.f_blocks - (v.f_bfree < v.f_blocks ? v.f_bfree : v.f_blocks)) * unit;
    f->available = (uint64_t)v.f_bavail * unit;
    f->usage =
        f->used + f->available ? (double)f->used * 100.0 / (double)(f->used + f->available) : 0;
    f->inodes = v.f_files;
    f->inodes_free = v.f_ffree < v.f_files ? v.f_ffree : v.f_files;
    f->inodes_used = f->inodes - f->inodes_free;
    f->inodes_usage = f->inodes ? (double)f->inodes_used * 100.0 / (double)f->inodes : 0;
}

void pulse_fs_stat(const char *root, pulse_fs_list *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->count; i++)
        stat_one(root ? root : "/", &l->fs[i]);
}

const pulse_fs *pulse_fs_find(const pulse_fs_list *l, const char *mount)
{
    for (int i = 0; l && mount && i < l->count; i++)
        if (strcmp(l->fs[i].mount, mount) == 0)
            return &l->fs[i];
    return NULL;
}
