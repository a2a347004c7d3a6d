#include "fleet/streams.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int stream_values_encode(const double *v, int n, char *buf, size_t cap)
{
    size_t off = 0;
    if (cap == 0)
        return -ENOSPC;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        int w = isfinite(v[i]) ? snprintf(buf + off, cap - off, "%s%.6g", i ? "," : "", v[i])
                               : snprintf(buf + off, cap - off, "%s", i ? "," : "");
        if (w < 0 || (size_t)w >= cap - off)
            return -ENOSPC;
        off += (size_t)w;
    }
    return (int)off;
}

/* One number of at most 31 characters in s[0..len): 0 or -EINVAL. */
static int parse_one(const char *s, size_t len, double *out)
{
    char tmp[32];
    if (len == 0) {
        *out = NAN;
        return 0;
    }
    if (len >= sizeof(tmp))
        return -EINVAL;
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789+-.eE", s[i]) || s[i] == '\0')
            return -EINVAL;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    double d = strtod(tmp, &end);
    if (*end != '\0' || !isfinite(d))
        return -EINVAL;
    *out = d;
    return 0;
}

int stream_values_decode(const char *s, size_t len, double *v, int n)
{
    int i = 0;
    size_t start = 0;
    for (int k = 0; k < n; k++)
        v[k] = NAN;
    for (size_t pos = 0; pos <= len; pos++) {
        if (pos < len && s[pos] != ',')
            continue;
        if (i >= n || parse_one(s + start, pos - start, &v[i]) < 0)
            return -EINVAL;
        i++;
        start = pos + 1;
    }
    return 0;
}

int stream_id_ms(const char *id, size_t len, int64_t *ms)
{
    int64_t v = 0;
    size_t i = 0;
    while (i < len && id[i] >= '0' && id[i] <= '9' && i < 18)
        v = v * 10 + (id[i++] - '0');
    if (i == 0 || (i < len && id[i] != '-'))
        return -EINVAL;
    *ms = v;
    return 0;
}

long stream_raw_maxlen(long interval_ms)
{
    if (interval_ms <= 0)
        return STREAM_RAW_MAX_ENTRIES;
    long n = STREAM_RAW_SECONDS * 1000L / interval_ms;
    return n > STREAM_RAW_MAX_ENTRIES ? STREAM_RAW_MAX_ENTRIES : n < 1 ? 1 : n;
}

void minute_acc_init(struct minute_acc *a)
{
    memset(a, 0, sizeof(*a));
    a->bucket = INT64_MIN;
}

static int64_t minute_of(int64_t ts)
{
    int64_t q = ts / STREAM_MINUTE_MS;
    if (ts % STREAM_MINUTE_MS != 0 && ts < 0)
        q--;
    return q * STREAM_MINUTE_MS;
}

int minute_acc_add(struct minute_acc *a, int64_t ts_ms, const double *v, int64_t *ts, double *avg)
{
    int64_t b = minute_of(ts_ms);
    int done = 0;
    if (a->bucket != INT64_MIN && b < a->bucket)
        return 0;
    if (a->bucket != INT64_MIN && b > a->bucket) {
        *ts = a->bucket;
        for (int m = 0; m < PULSE_METRIC_COUNT; m++)
            avg[m] = a->cnt[m] ? a->sum[m] / a->cnt[m] : NAN;
        done = 1;
        memset(a->sum, 0, sizeof(a->sum));
        memset(a->cnt, 0, sizeof(a->cnt));
    }
    a->bucket = b;
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        if (!isnan(v[m])) {
            a->sum[m] += v[m];
            a->cnt[m]++;
        }
    return done;
}
