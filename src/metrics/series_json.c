#include "metrics/series_json.h"

#include "metrics/collector.h"
#include "metrics/metrics_json.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string that holds no NUL byte (one would make it read as a shorter name). */
static bool plain_string(json_t *v)
{
    return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

static int check_shape(json_t *metrics, json_t *seconds, json_t *points, const char **detail)
{
    size_t n = json_array_size(metrics), i;
    json_t *v;
    if (!json_is_array(metrics) || n < 1 || n > PULSE_SERIES_MAX_METRICS) {
        *detail = "metrics must be an array of 1..64 metric names";
        return -EINVAL;
    }
    json_array_foreach(metrics, i, v)
    {
        if (!json_is_string(v)) {
            *detail = "metrics must hold strings";
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (json_equal(v, json_array_get(metrics, j))) {
                *detail = "metrics must not name a metric twice";
                return -EINVAL;
            }
        }
    }
    json_int_t s = json_integer_value(seconds);
    if (!json_is_integer(seconds) || s < 1 || s > PULSE_HISTORY_MAX_SECONDS) {
        *detail = "seconds must be an integer in 1..604800";
        return -EINVAL;
    }
    json_int_t p = json_integer_value(points);
    if (points && (!json_is_integer(points) || p < 2 || p > PULSE_HISTORY_MAX_POINTS)) {
        *detail = "points must be an integer in 2..1000";
        return -EINVAL;
    }
    return 0;
}

static json_t *series_object(const pulse_point *pts, size_t n, int64_t step)
{
    json_t *o = json_pack("{s:I, s:[]}", "step_ms", (json_int_t)step, "points");
    json_t *arr = json_object_get(o, "points");
    for (size_t i = 0; arr && i < n; i++) {
        json_t *v = isnan(pts[i].value) ? json_null() : json_real(pts[i].value);
        if (json_array_append_new(arr, json_pack("[I,o]", (json_int_t)pts[i].ts_ms, v)) != 0)
            arr = NULL;
    }
    if (!arr) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A history column: this host's catalog when there is one (per-core, per-mount... names), else
 * the base metrics. */
static int metric_id(const pulse_catalog *cat, const char *name)
{
    return cat ? pulse_catalog_id(cat, name) : pulse_metric_id(name);
}

/* {NAME: series} for every (valid, known) name. */
static int build_series(const pulse_history *h, const pulse_catalog *cat, json_t *metrics,
                        int64_t seconds, size_t max, int64_t now_ms, json_t *series)
{
    pulse_point *pts = malloc(max * sizeof(*pts));
    if (!pts)
        return -ENOMEM;
    size_t i;
    json_t *v;
    int rc = 0;
    json_array_foreach(metrics, i, v)
    {
        size_t n = 0;
        int64_t step = 0;
        rc = pulse_history_query_series(h, metric_id(cat, json_string_value(v)), seconds, now_ms,
                                        max, pts, &n, &step);
        json_t *o = rc == 0 ? series_object(pts, n, step) : NULL;
        if (rc == 0 && (!o || json_object_set_new(series, json_string_value(v), o) != 0))
            rc = -ENOMEM;
        if (rc < 0)
            break;
    }
    free(pts);
    return rc;
}

int pulse_series_reply_json(const pulse_history *h, const pulse_catalog *cat, json_t *metrics,
                            json_t *seconds, json_t *points, int64_t now_ms, json_t **out,
                            const char **detail)
{
    if (!h || !out || !detail)
        return -EINVAL;
    int rc = check_shape(metrics, seconds, points, detail);
    if (rc < 0)
        return rc;
    size_t i;
    json_t *v;
    json_array_foreach(metrics, i, v) if (!plain_string(v) ||
                                          metric_id(cat, json_string_value(v)) < 0) return -ENOENT;
    size_t max = points ? (size_t)json_integer_value(points) : PULSE_HISTORY_MAX_POINTS;
    json_t *series = json_object();
    json_t *o = json_pack("{s:s, s:I, s:o}", "type", "history", "seconds",
                          json_integer_value(seconds), "series", series);
    if (!o)
        return -ENOMEM;
    rc = build_series(h, cat, metrics, json_integer_value(seconds), max, now_ms, series);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

json_t *pulse_series_names_from_list(const char *list, size_t len)
{
    json_t *arr = json_array();
    size_t start = 0;
    while (arr && start <= len && json_array_size(arr) <= PULSE_SERIES_MAX_METRICS) {
        const char *comma = memchr(list + start, ',', len - start);
        size_t end = comma ? (size_t)(comma - list) : len;
        json_t *name = json_stringn(list + start, end - start);
        if (json_array_append_new(arr, name ? name : json_string("")) != 0) {
            json_decref(arr);
            return NULL;
        }
        start = end + 1;
    }
    return arr;
}
