#include "metrics/history.h"

#include "metrics/collector.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef struct {
    size_t cap, head, count; /* head is the next write position */
    int64_t *ts;
    double **cols; /* cols[metric][slot]; `room` pointers, a column allocated at its first
                      value and never moved, NULL = no value yet */
} ring;

struct pulse_history {
    pulse_history_config cfg;
    ring fine, minute;
    int64_t bucket; /* start of the minute being accumulated, INT64_MIN when none */
    double *sum;
    uint32_t *cnt;
    int room; /* entries of sum, cnt and both rings' cols: grown with nmetrics */
    size_t bytes;
};

/* Read-only view over a ring plus an optional trailing point (the unfinished minute). */
typedef struct {
    const ring *r;
    int metric;
    bool has_extra;
    pulse_point extra;
} source;

void pulse_history_config_default(pulse_history_config *cfg)
{
    cfg->interval_ms = 1000;
    cfg->fine_seconds = 3600;
    cfg->minute_seconds = 7 * 86400;
    cfg->minute_ms = 60000;
    cfg->nmetrics = PULSE_METRIC_COUNT;
    cfg->max_metrics = 0;
}

static int ring_init(ring *r, size_t cap, int room, size_t *bytes)
{
    r->cap = cap;
    r->ts = calloc(cap, sizeof(*r->ts));
    r->cols = calloc((size_t)room, sizeof(*r->cols));
    *bytes += cap * sizeof(*r->ts) + (size_t)room * sizeof(*r->cols);
    return r->ts && r->cols ? 0 : -ENOMEM;
}

/* Columns are anonymous mappings: zero pages the kernel only backs once written, so a column
 * costs resident memory as the ring fills, not when allocated (a heap calloc may touch it all). */
static size_t column_bytes(const ring *r)
{
    return r->cap * sizeof(double);
}

static void ring_free(ring *r, int room)
{
    for (int m = 0; r->cols && m < room; m++)
        if (r->cols[m])
            munmap(r->cols[m], column_bytes(r));
    free(r->cols);
    free(r->ts);
}

static size_t ring_slot(const ring *r, size_t i)
{
    return (r->head + r->cap - r->count + i) % r->cap;
}

/* A column for a metric's first value: the points already in the ring have none. Only those
 * slots are written, so the rest of the column costs no resident memory until the ring
 * reaches it. On -ENOMEM the metric stays without a column (its values are dropped). */
static void ring_add_column(ring *r, int m, size_t *bytes)
{
    void *map =
        mmap(NULL, column_bytes(r), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return;
    double *col = map;
    for (size_t i = 0; i < r->count; i++)
        col[ring_slot(r, i)] = NAN;
    r->cols[m] = col;
    *bytes += column_bytes(r);
}

static void ring_push(ring *r, int nmetrics, int64_t ts, const double *values, size_t *bytes)
{
    r->ts[r->head] = ts;
    for (int m = 0; m < nmetrics; m++) {
        if (!r->cols[m] && !isnan(values[m]))
            ring_add_column(r, m, bytes);
        if (r->cols[m])
            r->cols[m][r->head] = values[m];
    }
    r->head = (r->head + 1) % r->cap;
    if (r->count < r->cap)
        r->count++;
}

static int64_t ring_last_ts(const ring *r)
{
    return r->count ? r->ts[ring_slot(r, r->count - 1)] : INT64_MIN;
}

/* Capacity to hold span_ms at one point per step_ms, plus the point at both ends. */
static size_t span_cap(uint32_t span_s, uint32_t step_ms)
{
    return (size_t)(((uint64_t)span_s * 1000 + step_ms - 1) / step_ms) + 1;
}

int pulse_history_new(const pulse_history_config *cfg, pulse_history **out)
{
    if (!cfg || !out || !cfg->interval_ms || !cfg->fine_seconds || !cfg->minute_seconds ||
        !cfg->minute_ms || cfg->nmetrics < 1 ||
        (cfg->max_metrics != 0 && cfg->max_metrics < cfg->nmetrics))
        return -EINVAL;
    *out = NULL;
    pulse_history *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->cfg = *cfg;
    if (!h->cfg.max_metrics)
        h->cfg.max_metrics = cfg->nmetrics;
    size_t max = (size_t)cfg->nmetrics; /* grown on demand up to max_metrics */
    h->room = cfg->nmetrics;
    h->bucket = INT64_MIN;
    h->sum = calloc(max, sizeof(*h->sum));
    h->cnt = calloc(max, sizeof(*h->cnt));
    h->bytes = sizeof(*h) + max * (sizeof(*h->sum) + sizeof(*h->cnt));
    int rc =
        ring_init(&h->fine, span_cap(cfg->fine_seconds, cfg->interval_ms), (int)max, &h->bytes);
    if (rc == 0)
        rc = ring_init(&h->minute, span_cap(cfg->minute_seconds, cfg->minute_ms), (int)max,
                       &h->bytes);
    if (rc < 0 || !h->sum || !h->cnt) {
        pulse_history_free(h);
        return -ENOMEM;
    }
    *out = h;
    return 0;
}

void pulse_history_free(pulse_history *h)
{
    if (!h)
        return;
    ring_free(&h->fine, h->room);
    ring_free(&h->minute, h->room);
    free(h->sum);
    free(h->cnt);
    free(h);
}

/* Floor division so pre-1970 or negative test timestamps still bucket consistently. */
static int64_t floor_to(int64_t ts, int64_t step)
{
    int64_t q = ts / step;
    if ((ts % step) != 0 && ts < 0)
        q--;
    return q * step;
}

static void bucket_average(const pulse_history *h, double *avg)
{
    for (int m = 0; m < h->cfg.nmetrics; m++)
        avg[m] = h->cnt[m] ? h->sum[m] / h->cnt[m] : NAN;
}

static int flush_minute(pulse_history *h)
{
    /* A minute restored from the store wins over one rebuilt from replayed raw samples. */
    if (h->bucket != INT64_MIN && h->bucket > ring_last_ts(&h->minute)) {
        double *avg = malloc((size_t)h->cfg.nmetrics * sizeof(*avg));
        if (!avg)
            return -ENOMEM;
        bucket_average(h, avg);
        ring_push(&h->minute, h->cfg.nmetrics, h->bucket, avg, &h->bytes);
        free(avg);
    }
    memset(h->sum, 0, (size_t)h->cfg.nmetrics * sizeof(*h->sum));
    memset(h->cnt, 0, (size_t)h->cfg.nmetrics * sizeof(*h->cnt));
    return 0;
}

int pulse_history_add(pulse_history *h, int64_t ts_ms, const double *values)
{
    if (!h || !values || ts_ms <= ring_last_ts(&h->fine))
        return -EINVAL;
    int64_t bucket = floor_to(ts_ms, h->cfg.minute_ms);
    if (bucket != h->bucket) {
        int rc = flush_minute(h);
        if (rc < 0)
            return rc;
        h->bucket = bucket;
    }
    ring_push(&h->fine, h->cfg.nmetrics, ts_ms, values, &h->bytes);
    for (int m = 0; m < h->cfg.nmetrics; m++) {
        if (!isnan(values[m])) {
            h->sum[m] += values[m];
            h->cnt[m]++;
        }
    }
    return 0;
}

int pulse_history_load_minute(pulse_history *h, int64_t ts_ms, const double *values)
{
    if (!h || !values)
        return -EINVAL;
    if (ts_ms <= ring_last_ts(&h->minute))
        return 0;
    ring_push(&h->minute, h->cfg.nmetrics, ts_ms, values, &h->bytes);
    return 0;
}

/* ---- query ---- */

static size_t source_len(const source *s)
{
    return s->r->count + (s->has_extra ? 1 : 0);
}

static pulse_point source_get(const source *s, size_t i)
{
    if (i == s->r->count)
        return s->extra;
    size_t slot = ring_slot(s->r, i);
    const double *col = s->r->cols[s->metric];
    return (pulse_point){s->r->ts[slot], col ? col[slot] : NAN};
}

static bool in_range(pulse_point p, int64_t from, int64_t now)
{
    return p.ts_ms > from && p.ts_ms <= now && !isnan(p.value);
}

static size_t count_in_range(const source *s, int64_t from, int64_t now)
{
    size_t n = 0, len = source_len(s);
    for (size_t i = 0; i < len; i++)
        n += in_range(source_get(s, i), from, now);
    return n;
}

static size_t copy_range(const source *s, int64_t from, int64_t now, pulse_point *out)
{
    size_t n = 0, len = source_len(s);
    for (size_t i = 0; i < len; i++) {
        pulse_point p = source_get(s, i);
        if (in_range(p, from, now))
            out[n++] = p;
    }
    return n;
}

/* Points are in time order, so each epoch-aligned bucket is one contiguous run. */
static size_t average_range(const source *s, int64_t from, int64_t now, int64_t w, pulse_point *out)
{
    size_t n = 0, len = source_len(s), members = 0;
    double sum = 0;
    int64_t cur = INT64_MIN;
    for (size_t i = 0; i < len; i++) {
        pulse_point p = source_get(s, i);
        if (!in_range(p, from, now))
            continue;
        int64_t b = floor_to(p.ts_ms, w);
        if (b != cur && members) {
            out[n++] = (pulse_point){cur, sum / (double)members};
            sum = 0;
            members = 0;
        }
        cur = b;
        sum += p.value;
        members++;
    }
    if (members)
        out[n++] = (pulse_point){cur, sum / (double)members};
    return n;
}

/* Bucket width giving at most max_points epoch-aligned buckets over range_ms: a range spans
 * fewer than range/w + 1 bucket boundaries, so w >= range / (max_points - 1) suffices; it is
 * rounded up to whole ring steps so every bucket averages the same number of samples. */
static int64_t bucket_width(int64_t range_ms, int64_t base, size_t max_points)
{
    int64_t w = (range_ms + (int64_t)max_points - 2) / (int64_t)(max_points - 1);
    return (w + base - 1) / base * base;
}

static void make_source(const pulse_history *h, int metric, bool fine, source *s)
{
    *s = (source){.r = fine ? &h->fine : &h->minute, .metric = metric};
    /* The unfinished minute is shown so long ranges do not lag by up to a minute. */
    if (!fine && h->bucket != INT64_MIN && h->bucket > ring_last_ts(&h->minute) && h->cnt[metric]) {
        s->has_extra = true;
        s->extra = (pulse_point){h->bucket, h->sum[metric] / h->cnt[metric]};
    }
}

/* Whether the minute ring reaches back before the oldest fine sample's minute. Until it does
 * (a daemon younger than the fine span, with no older minutes restored), the fine samples are
 * all there is, and a long range is answered from them rather than from a few minute points. */
static bool minutes_reach_further(const pulse_history *h)
{
    if (h->minute.count == 0)
        return false;
    if (h->fine.count == 0)
        return true;
    int64_t fine_oldest = h->fine.ts[ring_slot(&h->fine, 0)];
    return h->minute.ts[ring_slot(&h->minute, 0)] < floor_to(fine_oldest, h->cfg.minute_ms);
}

/* What both queries share: the checks, the ring that answers (fine samples or minute averages),
 * its step and the window's start; 0 or -EINVAL. */
static int plan_query(const pulse_history *h, int metric, int64_t seconds, int64_t now_ms,
                      size_t max_points, const void *out, source *s, int64_t *base, int64_t *from)
{
    if (!h || !out || metric < 0 || metric >= h->cfg.nmetrics || seconds <= 0 ||
        seconds > INT64_MAX / 2000 || max_points < 2)
        return -EINVAL;
    bool fine = seconds <= (int64_t)h->cfg.fine_seconds || !minutes_reach_further(h);
    *base = fine ? h->cfg.interval_ms : h->cfg.minute_ms;
    *from = now_ms - seconds * 1000;
    make_source(h, metric, fine, s);
    return 0;
}

int pulse_history_query(const pulse_history *h, int metric, int64_t seconds, int64_t now_ms,
                        size_t max_points, pulse_point *out, size_t *n, int64_t *step_ms)
{
    source s;
    int64_t base, from;
    if (!n || !step_ms || plan_query(h, metric, seconds, now_ms, max_points, out, &s, &base, &from))
        return -EINVAL;
    int64_t range = seconds * 1000; /* checked by plan_query: no overflow */
    if (count_in_range(&s, from, now_ms) <= max_points) {
        *n = copy_range(&s, from, now_ms, out);
        *step_ms = base;
        return 0;
    }
    *step_ms = bucket_width(range, base, max_points);
    *n = average_range(&s, from, now_ms, *step_ms, out);
    return 0;
}

/* ---- series for charts: NaN kept, gaps marked ---- */

static bool in_window(pulse_point p, int64_t from, int64_t now)
{
    return p.ts_ms > from && p.ts_ms <= now;
}

/* Every sample in the window, with a NaN marker after each gap longer than two steps; SIZE_MAX
 * when that takes more than max points. */
static size_t series_raw(const source *s, int64_t from, int64_t now, int64_t step, size_t max,
                         pulse_point *out)
{
    size_t n = 0, len = source_len(s);
    int64_t prev = INT64_MIN;
    for (size_t i = 0; i < len; i++) {
        pulse_point p = source_get(s, i);
        if (!in_window(p, from, now))
            continue;
        bool gap = prev != INT64_MIN && p.ts_ms - prev > 2 * step;
        if (n + (gap ? 2 : 1) > max)
            return SIZE_MAX;
        if (gap)
            out[n++] = (pulse_point){prev + step, NAN};
        out[n++] = p;
        prev = p.ts_ms;
    }
    return n;
}

/* Epoch-aligned buckets of width w: the mean of each non-empty one (NaN when none of its samples
 * has a value), and a NaN marker in the first empty bucket after it when the next is further.
 * Every point sits on its own bucket, so there are at most as many as buckets in the range. */
static size_t series_buckets(const source *s, int64_t from, int64_t now, int64_t w,
                             pulse_point *out)
{
    size_t n = 0, len = source_len(s), members = 0;
    double sum = 0;
    int64_t cur = INT64_MIN;
    for (size_t i = 0; i < len; i++) {
        pulse_point p = source_get(s, i);
        if (!in_window(p, from, now))
            continue;
        int64_t b = floor_to(p.ts_ms, w);
        if (b != cur && cur != INT64_MIN) {
            out[n++] = (pulse_point){cur, members ? sum / (double)members : NAN};
            if (b - cur > w)
                out[n++] = (pulse_point){cur + w, NAN};
            sum = 0;
            members = 0;
        }
        cur = b;
        if (!isnan(p.value)) {
            sum += p.value;
            members++;
        }
    }
    if (cur != INT64_MIN)
        out[n++] = (pulse_point){cur, members ? sum / (double)members : NAN};
    return n;
}

int pulse_history_query_series(const pulse_history *h, int metric, int64_t seconds, int64_t now_ms,
                               size_t max_points, pulse_point *out, size_t *n, int64_t *step_ms)
{
    source s;
    int64_t base, from;
    if (!n || !step_ms || plan_query(h, metric, seconds, now_ms, max_points, out, &s, &base, &from))
        return -EINVAL;
    int64_t range = seconds * 1000; /* checked by plan_query: no overflow */
    size_t k = series_raw(&s, from, now_ms, base, max_points, out);
    if (k != SIZE_MAX) {
        *n = k;
        *step_ms = base;
        return 0;
    }
    *step_ms = bucket_width(range, base, max_points);
    *n = series_buckets(&s, from, now_ms, *step_ms, out);
    return 0;
}

/* Widens an array of `room` entries to `n`, zeroing the new ones; false on -ENOMEM (the old one
 * stays valid). Only the loop reads these arrays and nothing keeps a pointer into them: the
 * columns they point to never move. */
static bool widen(void **arr, size_t elem, int room, int n)
{
    char *p = realloc(*arr, (size_t)n * elem);
    if (!p)
        return false;
    memset(p + (size_t)room * elem, 0, (size_t)(n - room) * elem);
    *arr = p;
    return true;
}

static int make_room(pulse_history *h, int nmetrics)
{
    if (nmetrics <= h->room)
        return 0;
    int n = h->room * 2 > nmetrics ? h->room * 2 : nmetrics;
    if (n > h->cfg.max_metrics)
        n = h->cfg.max_metrics;
    if (!widen((void **)&h->sum, sizeof(*h->sum), h->room, n) ||
        !widen((void **)&h->cnt, sizeof(*h->cnt), h->room, n) ||
        !widen((void **)&h->fine.cols, sizeof(*h->fine.cols), h->room, n) ||
        !widen((void **)&h->minute.cols, sizeof(*h->minute.cols), h->room, n))
        return -ENOMEM; /* the arrays widened so far are merely larger than needed */
    h->bytes +=
        (size_t)(n - h->room) * (sizeof(*h->sum) + sizeof(*h->cnt) + 2 * sizeof(*h->fine.cols));
    h->room = n;
    return 0;
}

int pulse_history_grow(pulse_history *h, int nmetrics)
{
    if (!h || nmetrics < h->cfg.nmetrics)
        return -EINVAL;
    if (nmetrics > h->cfg.max_metrics)
        return -ENOSPC;
    int rc = make_room(h, nmetrics);
    if (rc < 0)
        return rc;
    h->cfg.nmetrics = nmetrics; /* the new columns come with their first values */
    return 0;
}

int pulse_history_nmetrics(const pulse_history *h)
{
    return h ? h->cfg.nmetrics : -EINVAL;
}

size_t pulse_history_memory_bytes(const pulse_history *h)
{
    return h ? h->bytes : 0;
}
