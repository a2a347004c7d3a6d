/* libFuzzer target: the batched history and insights requests (JSON fields and the /api
 * `metrics` list) against a small fixed history and insight log. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics/collector.h"
#include "metrics/insight_log.h"
#include "metrics/metrics_json.h"
#include "metrics/series_json.h"

static pulse_history *hist;
static pulse_insight_log *ilog;

/* A history with a gap and value-less samples, and a few insights, built once. */
static void fixtures(void)
{
    pulse_history_config cfg;
    pulse_history_config_default(&cfg);
    if (pulse_history_new(&cfg, &hist) < 0 || pulse_insight_log_new(8, &ilog) < 0)
        abort();
    double v[PULSE_METRIC_COUNT];
    for (int k = 1; k <= 600; k++) {
        for (int m = 0; m < PULSE_METRIC_COUNT; m++)
            v[m] = k % 7 ? k : NAN;
        if (k < 100 || k > 200)
            pulse_history_add(hist, k * 1000, v);
    }
    for (uint64_t i = 1; i <= 5; i++) {
        pulse_insight in = {.seq = i, .ts_ms = (int64_t)i * 100000, .active = i % 2, .value = NAN};
        pulse_insight_log_add(ilog, &in);
    }
}

static void run(json_t *metrics, json_t *seconds, json_t *points)
{
    json_t *out = NULL;
    const char *detail = NULL;
    if (pulse_series_reply_json(hist, NULL, metrics, seconds, points, 600000, &out, &detail) == 0) {
        char *text = json_dumps(out, JSON_COMPACT);
        free(text);
    }
    json_decref(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!hist)
        fixtures();
    if (size > 0 && data[0] == '?') { /* the /api form: a %-decoded comma list */
        json_t *names = pulse_series_names_from_list((const char *)data + 1, size - 1);
        json_t *secs = json_integer(600);
        run(names, secs, NULL);
        json_decref(names);
        json_decref(secs);
        return 0;
    }
    json_t *msg = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
    if (!msg)
        return 0;
    run(json_object_get(msg, "metrics"), json_object_get(msg, "seconds"),
        json_object_get(msg, "points"));
    json_t *s = json_object_get(msg, "seconds"), *l = json_object_get(msg, "limit"), *out = NULL;
    if (json_is_integer(s) && json_is_integer(l) &&
        pulse_insights_reply_json(ilog, json_integer_value(s), json_integer_value(l), 600000,
                                  &out) == 0)
        json_decref(out);
    json_decref(msg);
    return 0;
}
