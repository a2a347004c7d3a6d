/* Fleet history in Redis Streams: the compact entry encoding (one field, the sample's values as
 * short decimals separated by commas, an empty place for "no value"), stream ids, the
 * one-minute averages a node appends, and the stream lengths that match local retention. */
#ifndef PULSE_FLEET_STREAMS_H
#define PULSE_FLEET_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/collector.h"

#define STREAM_RAW_SECONDS 3600      /* every sample of the last hour */
#define STREAM_MIN_ENTRIES 10080     /* 7 days of one-minute averages */
#define STREAM_RAW_MAX_ENTRIES 18000 /* the local fine ring's bound at short intervals */
#define STREAM_MINUTE_MS 60000

struct minute_acc {
    int64_t bucket; /* start of the minute being summed, INT64_MIN before the first sample */
    double sum[PULSE_METRIC_COUNT];
    unsigned cnt[PULSE_METRIC_COUNT];
};

/* Writes n values as "%.6g" joined by ',' (NaN as nothing); returns the length or -ENOSPC. */
int stream_values_encode(const double *v, int n, char *buf, size_t cap);

/* Parses an encoded entry into n values (missing or empty ones are NaN); 0, or -EINVAL for
 * anything but numbers and commas, or more than n values. */
int stream_values_decode(const char *s, size_t len, double *v, int n);

/* The milliseconds part of a stream id "MS-SEQ"; 0 or -EINVAL. */
int stream_id_ms(const char *id, size_t len, int64_t *ms);

/* MAXLEN of the raw stream for a sampling interval: one hour of samples, at most
 * STREAM_RAW_MAX_ENTRIES. */
long stream_raw_maxlen(long interval_ms);

/* A fresh accumulator. */
void minute_acc_init(struct minute_acc *a);

/* Adds a sample; when it begins a new minute the finished one's averages are written to
 * *ts / avg and 1 is returned, else 0. A sample older than the current minute is ignored. */
int minute_acc_add(struct minute_acc *a, int64_t ts_ms, const double *v, int64_t *ts, double *avg);

#endif
