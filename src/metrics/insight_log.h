/* The insights of the history retention kept in memory, in seq order, the oldest dropped when
 * full: what `insights` requests and /api/insights are answered from without touching the disk
 * (the SQLite table is its durable copy, loaded on start). Not thread-safe: one owner. */
#ifndef PULSE_INSIGHT_LOG_H
#define PULSE_INSIGHT_LOG_H

#include "metrics/analytics.h"

#include <stddef.h>
#include <stdint.h>

#define PULSE_INSIGHT_LOG_CAP 2048 /* insights kept (and stored) at most */

typedef struct pulse_insight_log pulse_insight_log;

/* Creates a log holding up to cap insights; -EINVAL for cap 0, -ENOMEM. */
int pulse_insight_log_new(size_t cap, pulse_insight_log **out);
/* Frees the log; NULL is fine. */
void pulse_insight_log_free(pulse_insight_log *l);
/* Appends an insight (the oldest goes when full); -EINVAL unless its seq is above the last. */
int pulse_insight_log_add(pulse_insight_log *l, const pulse_insight *in);
/* Number of insights held. */
size_t pulse_insight_log_count(const pulse_insight_log *l);
/* Seq of the newest insight, 0 when empty. */
uint64_t pulse_insight_log_last_seq(const pulse_insight_log *l);
/* Points out[0..] at the newest `limit` insights with from_ms < ts <= to_ms, oldest first;
 * returns how many (out must hold limit). */
size_t pulse_insight_log_select(const pulse_insight_log *l, int64_t from_ms, int64_t to_ms,
                                size_t limit, const pulse_insight **out);
/* Copies the raised insights that no later insight resolves into out (up to cap), oldest first;
 * returns how many. */
size_t pulse_insight_log_unresolved(const pulse_insight_log *l, pulse_insight *out, size_t cap);

#endif
