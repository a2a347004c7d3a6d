#include "fleet/redis_url.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/http.h"

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "--redis: %s", why);
    return -EINVAL;
}

/* Percent-decodes s[0..len) into out (NUL-terminated) with the HTTP layer's decoder ('+' stays
 * a plus); -EINVAL for a bad escape, a NUL byte or a result that does not fit. */
static int pct_decode(const char *s, size_t len, char *out, size_t cap)
{
    int n = http_pct_decode(s, len, 0, out, cap);
    return n < 0 || memchr(out, '\0', (size_t)n) ? -EINVAL : 0;
}

/* A decimal number of 1..9 digits in s[0..len) within lo..hi, or -1. */
static long parse_num(const char *s, size_t len, long lo, long hi)
{
    long v = 0;
    if (len == 0 || len > 9)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

/* "[user]:password" or "password" (Redis' own URL convention: a lone word is the password). */
static int parse_userinfo(const char *s, size_t len, struct redis_url *u, char *err, size_t el)
{
    const char *colon = memchr(s, ':', len);
    size_t ulen = colon ? (size_t)(colon - s) : 0;
    const char *p = colon ? colon + 1 : s;
    size_t plen = len - (size_t)(p - s);
    if (pct_decode(s, ulen, u->user, sizeof(u->user)) < 0 ||
        pct_decode(p, plen, u->password, sizeof(u->password)) < 0)
        return fail(err, el, "bad user or password (percent-encoding, NUL or too long)");
    u->has_password = 1;
    return 0;
}

static int parse_hostport(const char *s, size_t len, struct redis_url *u, char *err, size_t el)
{
    const char *port = NULL;
    size_t hlen;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return fail(err, el, "unclosed '[' in the host");
        hlen = (size_t)(close - s) - 1;
        s++;
        size_t rest = len - hlen - 2;
        if (rest > 0 && close[1] != ':')
            return fail(err, el, "junk after ']' in the host");
        port = rest > 0 ? close + 1 : NULL;
        len = rest > 0 ? rest : 0;
    } else {
        const char *colon = memchr(s, ':', len);
        hlen = colon ? (size_t)(colon - s) : len;
        port = colon;
        len = colon ? len - hlen : 0;
    }
    if (hlen == 0 || hlen >= sizeof(u->host))
        return fail(err, el, "the host is empty or too long");
    for (size_t i = 0; i < hlen; i++)
        if (s[i] <= ' ' || s[i] == '/' || s[i] == '@' || s[i] == '[' || s[i] == ']' ||
            s[i] == '%' || (unsigned char)s[i] >= 0x7f)
            return fail(err, el, "bad character in the host");
    memcpy(u->host, s, hlen);
    u->host[hlen] = '\0';
    if (port) {
        long v = parse_num(port + 1, len - 1, 1, 65535);
        if (v < 0)
            return fail(err, el, "the port must be a number in 1..65535");
        u->port = (int)v;
    }
    return 0;
}

/* "?db=N" after a Unix path; nothing else is accepted. */
static int parse_query(const char *q, struct redis_url *u, char *err, size_t el)
{
    if (strncmp(q, "db=", 3) != 0)
        return fail(err, el, "the only query parameter is db=N");
    long v = parse_num(q + 3, strlen(q + 3), 0, 1000000);
    if (v < 0)
        return fail(err, el, "db must be a number in 0..1000000");
    u->db = v;
    return 0;
}

static int parse_unix(const char *rest, struct redis_url *u, char *err, size_t el)
{
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    if (at && (!slash || at < slash)) {
        if (parse_userinfo(rest, (size_t)(at - rest), u, err, el) < 0)
            return -EINVAL;
        rest = at + 1;
    }
    if (rest[0] != '/')
        return fail(err, el, "unix:// needs an absolute path (unix:///path)");
    const char *q = strchr(rest, '?');
    size_t plen = q ? (size_t)(q - rest) : strlen(rest);
    if (pct_decode(rest, plen, u->path, sizeof(u->path)) < 0 || strlen(u->path) < 2)
        return fail(err, el, "the socket path is bad or too long");
    u->is_unix = 1;
    return q ? parse_query(q + 1, u, err, el) : 0;
}

static int parse_tcp(const char *rest, struct redis_url *u, char *err, size_t el)
{
    const char *end = rest + strcspn(rest, "/?#");
    const char *at = NULL;
    for (const char *p = rest; p < end; p++)
        if (*p == '@')
            at = p; /* the last '@' ends the user info: a password may hold one */
    if (at) {
        if (parse_userinfo(rest, (size_t)(at - rest), u, err, el) < 0)
            return -EINVAL;
        rest = at + 1;
    }
    if (parse_hostport(rest, (size_t)(end - rest), u, err, el) < 0)
        return -EINVAL;
    if (*end == '\0' || (end[0] == '/' && end[1] == '\0'))
        return 0;
    if (*end != '/')
        return fail(err, el, "unexpected query or fragment");
    long v = parse_num(end + 1, strlen(end + 1), 0, 1000000);
    if (v < 0)
        return fail(err, el, "the path must be a database number in 0..1000000");
    u->db = v;
    return 0;
}

int redis_url_parse(const char *url, struct redis_url *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->port = 6379;
    if (!url)
        return fail(err, errlen, "no URL");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return fail(err, errlen, "the URL holds a space or control character");
    if (strncmp(url, "redis://", 8) == 0)
        return parse_tcp(url + 8, out, err, errlen);
    if (strncmp(url, "unix://", 7) == 0)
        return parse_unix(url + 7, out, err, errlen);
    if (strncmp(url, "rediss://", 9) == 0)
        return fail(err, errlen, "rediss:// (TLS) is not supported; use a TLS tunnel");
    return fail(err, errlen, "the URL must begin with redis:// or unix://");
}

const char *redis_url_describe(const struct redis_url *u, char *buf, size_t len)
{
    const char *user = u->user[0] ? u->user : "";
    const char *sep = u->has_password ? (u->user[0] ? ":***@" : "***@") : "";
    if (u->is_unix)
        snprintf(buf, len, "unix://%s%s%s?db=%ld", user, sep, u->path, u->db);
    else
        snprintf(buf, len, "redis://%s%s%s%s%s:%d/%ld", user, sep, strchr(u->host, ':') ? "[" : "",
                 u->host, strchr(u->host, ':') ? "]" : "", u->port, u->db);
    return buf;
}
