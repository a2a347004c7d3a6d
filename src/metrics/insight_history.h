/* The insight history of the metrics service: the in-memory log of the last 7 days, filled from
 * SQLite on start (insights an earlier run left raised are resolved with reason "restart"), fed
 * with every new insight, which also goes into the next store batch. Loop thread only. */
#ifndef PULSE_INSIGHT_HISTORY_H
#define PULSE_INSIGHT_HISTORY_H

#include "metrics/analytics.h"
#include "metrics/insight_log.h"
#include "metrics/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct insight_history {
    pulse_insight_log *log;
    size_t dropped; /* insights not stored because the batch was full */
};

/* Creates the log, loads the stored insights, resolves the ones left raised (into the log and
 * `pending`) and continues the numbering in `an`; store may be NULL. 0 or a negative errno
 * with err filled. */
int insight_history_open(struct insight_history *ih, pulse_store *store, pulse_analytics *an,
                         pulse_store_batch *pending, int64_t now_ms, char *err, size_t errlen);
/* Frees the log (the struct is the caller's). */
void insight_history_free(struct insight_history *ih);
/* Records new insights: into the log, and into `pending` (NULL: not stored). */
void insight_history_add(struct insight_history *ih, const pulse_insight *ev, size_t n,
                         pulse_store_batch *pending);
/* The `insights` reply for a request's `seconds` and `limit` fields (NULL: absent, the defaults
 * 604800 and 100): 0, or -EINVAL when either is not an integer in its range. */
int insight_history_reply(const struct insight_history *ih, json_t *seconds, json_t *limit,
                          int64_t now_ms, json_t **out);

#endif
