#include "metrics/procfs_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PULSE_PATH_MAX 4096

int pulse_join_path(char *out, size_t cap, const char *root, const char *rel)
{
    if (!out || !root || !rel)
        return -EINVAL;
    int n = snprintf(out, cap, "%s/%s", root, rel);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* NUL-terminates the len bytes read; a text cut by the buffer loses its partial last line, so
 * parsers never see half a record. */
static ssize_t finish_text(char *buf, size_t len, bool truncated)
{
    if (truncated) {
        char *nl = memrchr(buf, '\n', len);
        len = nl ? (size_t)(nl - buf) + 1 : 0;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Reads at most bufsize - 1 bytes; when the file is larger the partial last line is cut off so
 * parsers never see half a record. Returns the length or a negative errno. */
ssize_t pulse_read_file(const char *root, const char *rel, char *buf, size_t bufsize)
{
    if (!buf || bufsize < 2)
        return -EINVAL;
    int fd = pulse_open_file(root, rel);
    if (fd < 0)
        return fd;
    size_t len = 0;
    while (len < bufsize - 1) {
        ssize_t r = read(fd, buf + len, bufsize - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    char extra;
    bool truncated = len == bufsize - 1 && read(fd, &extra, 1) == 1;
    close(fd);
    return finish_text(buf, len, truncated);
}

int pulse_open_file(const char *root, const char *rel)
{
    char path[PULSE_PATH_MAX];
    int rc = pulse_join_path(path, sizeof(path), root, rel);
    if (rc < 0)
        return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    return fd < 0 ? -errno : fd;
}

ssize_t pulse_pread_file(int fd, char *buf, size_t bufsize)
{
    if (fd < 0 || !buf || bufsize < 2)
        return -EINVAL;
    size_t len = 0;
    for (;;) {
        ssize_t r = pread(fd, buf + len, bufsize - 1 - len, (off_t)len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        len += (size_t)r;
        if (len == bufsize - 1)
            break;
    }
    char extra;
    bool truncated = len == bufsize - 1 && pread(fd, &extra, 1, (off_t)len) == 1;
    return finish_text(buf, len, truncated);
}

ssize_t pulse_read_once_at(int dirfd, const char *rel, char *buf, size_t bufsize)
{
    if (!rel || !buf || bufsize < 2)
        return -EINVAL;
    int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    ssize_t r;
    do
        r = read(fd, buf, bufsize - 1);
    while (r < 0 && errno == EINTR);
    int err = r < 0 ? -errno : 0;
    close(fd);
    if (r < 0)
        return err;
    buf[r] = '\0';
    return r;
}
