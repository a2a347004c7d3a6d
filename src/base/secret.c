#include "base/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads the whole file (at most SECRET_MAX bytes) into `buf`; returns its length or -errno. */
static ssize_t read_all(int fd, unsigned char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return (ssize_t)n;
        n += (size_t)r;
        if (n == cap) /* one byte more than allowed was read: too large */
            return -EFBIG;
    }
}

static int fail(int rc, char *err, size_t errlen, const char *path, const char *why)
{
    snprintf(err, errlen, "auth secret file %s: %s", path, why ? why : strerror(-rc));
    return rc;
}

int secret_load(const char *path, struct secret *s, int *loose, char *err, size_t errlen)
{
    unsigned char buf[SECRET_MAX + 1];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(-errno, err, errlen, path, NULL);
    int rc = fstat(fd, &st) != 0 ? -errno : !S_ISREG(st.st_mode) ? -EINVAL : 0;
    if (rc < 0) {
        close(fd);
        return fail(rc, err, errlen, path, rc == -EINVAL ? "not a regular file" : NULL);
    }
    ssize_t n = read_all(fd, buf, sizeof(buf));
    close(fd);
    if (n == -EFBIG)
        return fail((int)n, err, errlen, path, "larger than 4096 bytes");
    if (n < 0)
        return fail((int)n, err, errlen, path, NULL);
    while (n > 0 && (buf[n - 1] == ' ' || (buf[n - 1] >= '\t' && buf[n - 1] <= '\r')))
        n--;
    if (n < SECRET_MIN) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return fail(-EINVAL, err, errlen, path,
                    "shorter than 32 bytes (after trailing white space is stripped)");
    }
    memcpy(s->bytes, buf, (size_t)n);
    s->len = (size_t)n;
    OPENSSL_cleanse(buf, sizeof(buf));
    *loose = (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
    return 0;
}

void secret_wipe(struct secret *s)
{
    OPENSSL_cleanse(s, sizeof(*s));
}
