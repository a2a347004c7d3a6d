/* JSON bodies of the metrics side of the protocol (SPEC section 4): the metrics frame filtered by
 * subscribed groups, insights, the snapshot's analytics object, and the history reply. Every
 * json_t handed out is a new reference the caller must json_decref. */
#ifndef PULSE_METRICS_JSON_H
#define PULSE_METRICS_JSON_H

#include "hub/channels.h"
#include "metrics/analytics.h"
#include "metrics/collector.h"
#include "metrics/history.h"

#include <jansson.h>
#include <stdint.h>

#define PULSE_HISTORY_MAX_SECONDS 604800
/* Group mask of a metrics channel ("metrics" = all); 0 for a name outside "metrics*", -ENOENT
 * for an unlisted "metrics*" name (reserved: unknown_channel), -EINVAL for NULL. */
int pulse_channel_groups(const char *channel);
/* The metrics frame holding only the groups in mask (type, ts and rates always). */
int pulse_metrics_json(const pulse_sample *s, unsigned groups, json_t **out);
/* {"type":"insight","level","metric","message","value","ts","id","active"}. */
int pulse_insight_json(const pulse_insight *in, json_t **out);
/* The snapshot's "analytics" object: {METRIC:{"min","max","avg","p95","trend"}} for every
 * metric with data in the window. */
int pulse_analytics_json(pulse_analytics *a, int64_t now_ms, json_t **out);
/* The snapshot's "insights" array: the currently active insights. */
int pulse_active_insights_json(const pulse_analytics *a, json_t **out);
/* The whole history reply {"type":"history","metric","step_ms","points"}; -ENOENT for an
 * unknown metric (unknown_metric), -EINVAL for seconds outside 1..604800 (bad_request). */
int pulse_history_json(const pulse_history *h, const char *metric, int64_t seconds, int64_t now_ms,
                       json_t **out);

#endif
