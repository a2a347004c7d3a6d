#include "metrics/insight_history.h"

#include "metrics/metrics_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void insight_history_add(struct insight_history *ih, const pulse_insight *ev, size_t n,
                         pulse_store_batch *pending)
{
    for (size_t i = 0; i < n; i++) {
        pulse_insight_log_add(ih->log, &ev[i]);
        if (pending && pulse_store_batch_add_insight(pending, &ev[i]) < 0)
            ih->dropped++;
    }
}

/* An insight raised by an earlier run is never resolved by this one (its analytics start
 * afresh): close it now so every raised insight in the history has its resolution. */
static void resolve_left_open(struct insight_history *ih, pulse_analytics *an,
                              pulse_store_batch *pending, int64_t now_ms)
{
    pulse_insight open[32], res;
    size_t n = pulse_insight_log_unresolved(ih->log, open, sizeof(open) / sizeof(open[0]));
    for (size_t i = 0; i < n; i++) {
        pulse_analytics_restart_resolution(an, &open[i], now_ms, &res);
        insight_history_add(ih, &res, 1, pending);
    }
}

int insight_history_open(struct insight_history *ih, pulse_store *store, pulse_analytics *an,
                         pulse_store_batch *pending, int64_t now_ms, char *err, size_t errlen)
{
    ih->dropped = 0;
    int rc = pulse_insight_log_new(PULSE_INSIGHT_LOG_CAP, &ih->log);
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    if (store && (rc = pulse_store_load_insights(store, ih->log, now_ms, err, errlen)) < 0)
        return rc;
    pulse_analytics_set_next_seq(an, pulse_insight_log_last_seq(ih->log) + 1);
    resolve_left_open(ih, an, pending, now_ms);
    return 0;
}

void insight_history_free(struct insight_history *ih)
{
    if (!ih)
        return;
    pulse_insight_log_free(ih->log);
    ih->log = NULL;
}

int insight_history_reply(const struct insight_history *ih, json_t *seconds, json_t *limit,
                          int64_t now_ms, json_t **out)
{
    if ((seconds && !json_is_integer(seconds)) || (limit && !json_is_integer(limit)))
        return -EINVAL;
    return pulse_insights_reply_json(
        ih->log, seconds ? json_integer_value(seconds) : PULSE_HISTORY_MAX_SECONDS,
        limit ? json_integer_value(limit) : PULSE_INSIGHTS_DEFAULT_LIMIT, now_ms, out);
}
