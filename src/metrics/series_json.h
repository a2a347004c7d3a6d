/* The batched history request of the dashboard: several metrics over one range in one reply,
 * {"type":"history","seconds":S,"series":{NAME:{"step_ms":N,"points":[[TS,V|null],...]}}}, with
 * every check of the request, so the WebSocket and /api forms answer alike. */
#ifndef PULSE_SERIES_JSON_H
#define PULSE_SERIES_JSON_H

#include "metrics/catalog.h"
#include "metrics/history.h"

#include <jansson.h>
#include <stdint.h>

#define PULSE_SERIES_MAX_METRICS 64 /* names one batched request may ask for */

/* Checks `metrics` (an array of 1..64 unique names, looked up in `cat`, this host's history
 * columns, or among the base metrics when it is NULL), `seconds` (integer 1..604800) and `points`
 * (NULL, or an integer 2..1000) and builds the reply (a new reference) in *out. Returns 0,
 * -EINVAL (bad_request, *detail says why) or -ENOENT (unknown_metric); -ENOMEM. */
int pulse_series_reply_json(const pulse_history *h, const pulse_catalog *cat, json_t *metrics,
                            json_t *seconds, json_t *points, int64_t now_ms, json_t **out,
                            const char **detail);

/* The `metrics` query parameter of /api/history ("a,b,c", already %-decoded) as a JSON array of
 * names for pulse_series_reply_json: an empty element or one that is not UTF-8 becomes ""
 * (no metric's name); more than 64 elements give 65 (too many). NULL on allocation failure. */
json_t *pulse_series_names_from_list(const char *list, size_t len);

#endif
