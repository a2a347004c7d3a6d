/* Redis URL parsing for --redis: redis://[[user]:password@]host[:port][/db] and
 * unix://[[user]:password@]/path[?db=N]. Pure: no I/O, no allocation. */
#ifndef PULSE_REDIS_URL_H
#define PULSE_REDIS_URL_H

#include <stddef.h>

#define REDIS_URL_HOST_MAX 256
#define REDIS_URL_PATH_MAX 108 /* sun_path */
#define REDIS_URL_CRED_MAX 256

struct redis_url {
    int is_unix;                       /* 1: `path` is a Unix socket; 0: `host`:`port` */
    char host[REDIS_URL_HOST_MAX];     /* without IPv6 brackets */
    int port;                          /* 1..65535, default 6379 */
    char path[REDIS_URL_PATH_MAX];     /* Unix socket path */
    char user[REDIS_URL_CRED_MAX];     /* ACL user, "" for the default user */
    char password[REDIS_URL_CRED_MAX]; /* "" for none */
    int has_password;                  /* AUTH is needed (a password was given, even empty) */
    long db;                           /* SELECT index, 0 by default */
};

/* Parses `url` into *out: 0, or -EINVAL with a one-line reason in `err` (never echoing the
 * password). User and password are percent-decoded. */
int redis_url_parse(const char *url, struct redis_url *out, char *err, size_t errlen);

/* Writes a printable form of `u` without the password (for logs) into buf; returns buf. */
const char *redis_url_describe(const struct redis_url *u, char *buf, size_t len);

#endif
