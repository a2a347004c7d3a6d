/* In-memory metric history at two resolutions: every sample of the last hour (fine ring) and
 * one-minute averages of the last 7 days (minute ring). Values are columnar: one timestamp
 * ring shared by every metric plus one double per metric per point; NaN means "no value". A
 * metric's column is allocated when its first value arrives (none for a metric never seen).
 * Not thread-safe: one owner (the event loop). See docs/METRICS.md for the memory figure. */
#ifndef PULSE_HISTORY_H
#define PULSE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#define PULSE_HISTORY_MAX_POINTS 1000

typedef struct {
    uint32_t interval_ms;    /* sampling interval; sizes the fine ring (default 1000) */
    uint32_t fine_seconds;   /* span of the fine ring (default 3600) */
    uint32_t minute_seconds; /* span of the minute ring (default 7 days) */
    uint32_t minute_ms;      /* width of a coarse bucket (default 60000) */
    int nmetrics;            /* values per point (default PULSE_METRIC_COUNT) */
    int max_metrics;         /* values per point it may grow to (0 = nmetrics) */
} pulse_history_config;

typedef struct {
    int64_t ts_ms;
    double value;
} pulse_point;

typedef struct pulse_history pulse_history;

/* Fills cfg with the defaults above. */
void pulse_history_config_default(pulse_history_config *cfg);
/* Allocates both rings; -EINVAL for a zero interval/span or nmetrics < 1, -ENOMEM. */
int pulse_history_new(const pulse_history_config *cfg, pulse_history **out);
/* Frees the history; NULL is fine. */
void pulse_history_free(pulse_history *h);
/* Appends one sample (nmetrics values, NaN = none) and rolls finished minutes into the minute
 * ring; -EINVAL unless ts_ms is newer than the last sample. */
int pulse_history_add(pulse_history *h, int64_t ts_ms, const double *values);
/* Restores a stored minute average (on start, oldest first); older-or-equal minutes are ignored. */
int pulse_history_load_minute(pulse_history *h, int64_t ts_ms, const double *values);
/* Points of one metric in (now - seconds, now], oldest first, averaged into at most max_points
 * (>= 2) buckets when needed; out must hold max_points. step_ms is the ring step when no
 * downsampling was needed, else the bucket width. */
int pulse_history_query(const pulse_history *h, int metric, int64_t seconds, int64_t now_ms,
                        size_t max_points, pulse_point *out, size_t *n, int64_t *step_ms);
/* Like pulse_history_query, for charts: a sample without a value is kept as a NaN point, an
 * averaged bucket without a value is NaN, and a gap (no sample for more than two steps: the
 * daemon was down) is marked by one NaN point one step after the point before it. At most
 * max_points points in all, markers included. */
int pulse_history_query_series(const pulse_history *h, int metric, int64_t seconds, int64_t now_ms,
                               size_t max_points, pulse_point *out, size_t *n, int64_t *step_ms);
/* Grows the values per point to nmetrics (new metrics have no value before): -EINVAL when fewer
 * than now, -ENOSPC past max_metrics, -ENOMEM. Columns never move (each is allocated at its
 * metric's first value); only the small per-metric pointer and accumulator arrays grow. */
int pulse_history_grow(pulse_history *h, int nmetrics);
/* Number of values per point now. */
int pulse_history_nmetrics(const pulse_history *h);
/* Bytes allocated by the history (both rings and the minute accumulator). */
size_t pulse_history_memory_bytes(const pulse_history *h);

#endif
