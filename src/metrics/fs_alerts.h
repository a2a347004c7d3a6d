/* Filesystem alerts: "nearly full" with hysteresis, and "will be full in N hours" from the
 * least-squares growth of used space (docs/METRICS.md section 8). Messages in human units and
 * words; raw numbers in the insight's value. One owner (the event loop), no global state. */
#ifndef PULSE_FS_ALERTS_H
#define PULSE_FS_ALERTS_H

#include "metrics/analytics.h"
#include "metrics/fs.h"

#include <stdint.h>

#define PULSE_FS_FULL_PCT 90.0       /* usage at or above this raises "nearly full" ... */
#define PULSE_FS_FULL_CLEAR_PCT 85.0 /* ... and only under this is it resolved */
#define PULSE_FS_TREND_RAISE_H 24.0  /* full within this many hours raises the trend alert ... */
#define PULSE_FS_TREND_CLEAR_H 48.0  /* ... resolved when growth stops or > this many hours */
#define PULSE_FS_TREND_POINTS 360    /* one point a minute: the trend looks back 6 hours */
#define PULSE_FS_TREND_MIN_S 600     /* and needs at least 10 minutes of points */
#define PULSE_FS_MAX_EVENTS (2 * PULSE_FS_MAX)

typedef struct pulse_fs_alerts pulse_fs_alerts;

/* Creates the alert state; -ENOMEM. */
int pulse_fs_alerts_new(pulse_fs_alerts **out);
/* Frees it; NULL is fine. */
void pulse_fs_alerts_free(pulse_fs_alerts *a);
/* Numbers insights with next_seq(arg) (the analytics' shared numbering) instead of 1, 2, ... */
void pulse_fs_alerts_set_numbering(pulse_fs_alerts *a, uint64_t (*next_seq)(void *arg), void *arg);
/* Feeds one filesystem scan at ts_ms; raised and resolved insights go to ev (cap entries). */
int pulse_fs_alerts_update(pulse_fs_alerts *a, const pulse_fs_list *l, int64_t ts_ms,
                           pulse_insight *ev, size_t cap, size_t *n);
/* Appends the currently raised ones to out (cap entries, *n counts what is there). */
void pulse_fs_alerts_active(const pulse_fs_alerts *a, pulse_insight *out, size_t cap, size_t *n);
/* Hours until full from points (t seconds, used bytes) and the free space, or a negative value
 * when the used space is not growing. */
double pulse_fs_hours_to_full(const double *t, const double *used, int n, double available);

#endif
