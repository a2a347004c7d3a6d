#include "fleet/envelope.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int kind_ok(int k)
{
    return k == ENV_PUBLISH || k == ENV_DIRECT || k == ENV_INSIGHT || k == ENV_METRICS;
}

static size_t digits(size_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

size_t envelope_size(const struct envelope *e)
{
    return 3 + digits(e->origin_len) + 1 + e->origin_len + digits(e->arg_len) + 1 + e->arg_len +
           e->payload_len;
}

long envelope_encode(const struct envelope *e, char *buf, size_t cap)
{
    if (!kind_ok((int)e->kind) || e->origin_len == 0 || e->origin_len > ENVELOPE_ORIGIN_MAX ||
        e->arg_len > ENVELOPE_ARG_MAX || cap < envelope_size(e))
        return -EINVAL;
    char head[48], mid[24]; /* formatted apart: snprintf would put a NUL where ':' belongs */
    int hn = snprintf(head, sizeof(head), "P1%c%zu:", (char)e->kind, e->origin_len);
    int mn = snprintf(mid, sizeof(mid), "%zu:", e->arg_len);
    size_t off = (size_t)hn;
    memcpy(buf, head, (size_t)hn);
    memcpy(buf + off, e->origin, e->origin_len);
    off += e->origin_len;
    memcpy(buf + off, mid, (size_t)mn);
    off += (size_t)mn;
    if (e->arg_len)
        memcpy(buf + off, e->arg, e->arg_len);
    off += e->arg_len;
    if (e->payload_len)
        memcpy(buf + off, e->payload, e->payload_len);
    return (long)(off + e->payload_len);
}

/* Reads "LEN:" then LEN bytes at *pos; 0, or -EINVAL when malformed or longer than max. */
static int read_field(const char *d, size_t len, size_t *pos, size_t max, const char **f,
                      size_t *flen)
{
    size_t v = 0, i = *pos, start = i;
    while (i < len && d[i] >= '0' && d[i] <= '9' && i - start < 5)
        v = v * 10 + (size_t)(d[i++] - '0');
    if (i == start || i >= len || d[i] != ':' || (d[start] == '0' && i - start > 1) || v > max)
        return -EINVAL;
    i++;
    if (len - i < v)
        return -EINVAL;
    *f = d + i;
    *flen = v;
    *pos = i + v;
    return 0;
}

int envelope_decode(const char *data, size_t len, struct envelope *out)
{
    memset(out, 0, sizeof(*out));
    if (!data || len < 3 || data[0] != 'P' || data[1] != '1' || !kind_ok(data[2]))
        return -EINVAL;
    out->kind = (enum envelope_kind)data[2];
    size_t pos = 3;
    if (read_field(data, len, &pos, ENVELOPE_ORIGIN_MAX, &out->origin, &out->origin_len) < 0 ||
        out->origin_len == 0 ||
        read_field(data, len, &pos, ENVELOPE_ARG_MAX, &out->arg, &out->arg_len) < 0)
        return -EINVAL;
    out->payload = data + pos;
    out->payload_len = len - pos;
    return 0;
}
