#include "metrics/analytics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RULE_CPU, RULE_MEM, RULE_SWAP, RULE_LOAD };

typedef struct {
    bool cond, active;
    int64_t since; /* when cond last changed */
    pulse_insight insight;
} rule_state;

typedef struct {
    uint64_t n;
    double mean, var;
    uint32_t hot, calm; /* consecutive anomalous / normal samples */
    bool active;
    pulse_insight insight;
} anomaly_state;

struct pulse_analytics {
    pulse_analytics_config cfg;
    size_t cap, head, count;
    int64_t *ts;
    double *vals;    /* vals[metric * cap + slot] */
    double *xs, *ys; /* scratch for one metric's window */
    int64_t last_ts;
    rule_state rules[PULSE_ALERT_RULES];
    anomaly_state anomalies[PULSE_METRIC_COUNT];
};

typedef struct {
    pulse_insight *events;
    size_t cap, n;
} event_sink;

void pulse_analytics_config_default(pulse_analytics_config *cfg)
{
    *cfg = (pulse_analytics_config){
        .interval_ms = 1000,
        .window_s = 300,
        .cpu_usage_pct = 90,
        .cpu_hold_s = 60,
        .mem_usage_pct = 90,
        .mem_hold_s = 60,
        .swap_rise_bytes_per_min = 1024.0 * 1024.0,
        .swap_hold_s = 60,
        .load_per_core = 1.0,
        .load_hold_s = 60,
        .clear_hold_s = 10,
        .ewma_alpha = 0.1,
        .anomaly_z = 3.0,
        .anomaly_consecutive = 3,
        .anomaly_warmup = 30,
        .anomaly_min_rel_sd = 0.05,
        .anomaly_metrics = 1u << PULSE_M_CPU_USAGE | 1u << PULSE_M_MEM_USAGE |
                           1u << PULSE_M_NET_RX | 1u << PULSE_M_NET_TX | 1u << PULSE_M_DISK_READ |
                           1u << PULSE_M_DISK_WRITE,
    };
}

static bool config_ok(const pulse_analytics_config *c)
{
    return c->interval_ms && c->window_s && c->ewma_alpha > 0 && c->ewma_alpha <= 1 &&
           c->anomaly_z > 0 && c->anomaly_consecutive > 0 && c->anomaly_min_rel_sd >= 0;
}

int pulse_analytics_new(const pulse_analytics_config *cfg, pulse_analytics **out)
{
    if (!cfg || !out || !config_ok(cfg))
        return -EINVAL;
    *out = NULL;
    pulse_analytics *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->cfg = *cfg;
    a->cap = (size_t)cfg->window_s * 1000 / cfg->interval_ms + 2;
    a->ts = calloc(a->cap, sizeof(*a->ts));
    a->vals = calloc(a->cap * PULSE_METRIC_COUNT, sizeof(*a->vals));
    a->xs = calloc(a->cap, sizeof(*a->xs));
    a->ys = calloc(a->cap, sizeof(*a->ys));
    a->last_ts = INT64_MIN;
    if (!a->ts || !a->vals || !a->xs || !a->ys) {
        pulse_analytics_free(a);
        return -ENOMEM;
    }
    *out = a;
    return 0;
}

void pulse_analytics_free(pulse_analytics *a)
{
    if (!a)
        return;
    free(a->ts);
    free(a->vals);
    free(a->xs);
    free(a->ys);
    free(a);
}

const char *pulse_level_name(pulse_level level)
{
    switch (level) {
    case PULSE_LEVEL_WARNING:
        return "warning";
    case PULSE_LEVEL_CRITICAL:
        return "critical";
    default:
        return "info";
    }
}

/* ---- window statistics ---- */

static void window_push(pulse_analytics *a, int64_t ts, const double *values)
{
    a->ts[a->head] = ts;
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        a->vals[(size_t)m * a->cap + a->head] = values[m];
    a->head = (a->head + 1) % a->cap;
    if (a->count < a->cap)
        a->count++;
}

/* Gathers the window's values into ys and their minutes since the first one into xs. */
static size_t window_gather(pulse_analytics *a, int metric, int64_t now_ms)
{
    int64_t from = now_ms - (int64_t)a->cfg.window_s * 1000, t0 = 0;
    size_t n = 0;
    for (size_t i = 0; i < a->count; i++) {
        size_t slot = (a->head + a->cap - a->count + i) % a->cap;
        double v = a->vals[(size_t)metric * a->cap + slot];
        if (a->ts[slot] <= from || a->ts[slot] > now_ms || isnan(v))
            continue;
        if (n == 0)
            t0 = a->ts[slot];
        a->xs[n] = (double)(a->ts[slot] - t0) / 60000.0;
        a->ys[n++] = v;
    }
    return n;
}

/* Two-pass least squares: centring first keeps precision for byte-sized values. */
static double slope(const double *xs, const double *ys, size_t n)
{
    if (n < 2)
        return 0;
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) {
        mx += xs[i];
        my += ys[i];
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxy += (xs[i] - mx) * (ys[i] - my);
        sxx += (xs[i] - mx) * (xs[i] - mx);
    }
    return sxx > 0 ? sxy / sxx : 0;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int pulse_analytics_stats(pulse_analytics *a, int metric, int64_t now_ms, pulse_stats *out)
{
    if (!a || !out || metric < 0 || metric >= PULSE_METRIC_COUNT)
        return -EINVAL;
    size_t n = window_gather(a, metric, now_ms);
    if (n == 0)
        return -ENODATA;
    out->count = n;
    out->trend = slope(a->xs, a->ys, n);
    qsort(a->ys, n, sizeof(*a->ys), cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += a->ys[i];
    out->min = a->ys[0];
    out->max = a->ys[n - 1];
    out->avg = sum / (double)n;
    /* Nearest-rank percentile: the smallest value with at least 95% of samples at or below. */
    size_t rank = (size_t)ceil(0.95 * (double)n);
    out->p95 = a->ys[rank ? rank - 1 : 0];
    return 0;
}

/* ---- events ---- */

static void emit(event_sink *sink, const pulse_insight *in)
{
    if (sink->n < sink->cap)
        sink->events[sink->n++] = *in;
}

static void make_insight(pulse_insight *in, const char *key, pulse_level level, bool active,
                         int metric, double value, int64_t ts)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->key, sizeof(in->key), "%s:%s", key, pulse_metric_name(metric));
    snprintf(in->metric, sizeof(in->metric), "%s", pulse_metric_name(metric));
    in->level = level;
    in->active = active;
    in->value = value;
    in->ts_ms = ts;
}

/* ---- threshold rules ---- */

typedef struct {
    int metric;
    pulse_level level;
    uint32_t hold_s;
    bool cond;
    double value;
    char raise_msg[128], clear_msg[128];
} rule_eval;

static double window_trend(pulse_analytics *a, int metric, int64_t now_ms)
{
    size_t n = window_gather(a, metric, now_ms);
    return slope(a->xs, a->ys, n);
}

static void eval_pct_rule(rule_eval *e, const char *label, double v, double thr, uint32_t hold)
{
    e->cond = v > thr;
    e->hold_s = hold;
    snprintf(e->raise_msg, sizeof(e->raise_msg), "%s above %.0f%% for %u s (%.1f%%)", label, thr,
             hold, v);
    snprintf(e->clear_msg, sizeof(e->clear_msg), "%s back below %.0f%% (%.1f%%)", label, thr, v);
}

static void eval_swap_rule(pulse_analytics *a, rule_eval *e, double v, int64_t ts)
{
    double trend = window_trend(a, PULSE_M_SWAP_USED, ts);
    const double mib = 1024.0 * 1024.0;
    e->cond = v > 0 && trend > a->cfg.swap_rise_bytes_per_min;
    e->hold_s = a->cfg.swap_hold_s;
    snprintf(e->raise_msg, sizeof(e->raise_msg), "Swap in use and rising (%.1f MiB, +%.2f MiB/min)",
             v / mib, trend / mib);
    snprintf(e->clear_msg, sizeof(e->clear_msg), "Swap no longer rising (%.1f MiB)", v / mib);
}

static void eval_load_rule(const pulse_analytics *a, rule_eval *e, double v, int ncores)
{
    double thr = ncores * a->cfg.load_per_core;
    e->cond = ncores > 0 && v > thr;
    e->hold_s = a->cfg.load_hold_s;
    snprintf(e->raise_msg, sizeof(e->raise_msg), "Load average %.2f above %d cores for %u s", v,
             ncores, e->hold_s);
    snprintf(e->clear_msg, sizeof(e->clear_msg), "Load average back to %.2f (%d cores)", v, ncores);
}

static void eval_rule(pulse_analytics *a, int rule, const double *values, int ncores, int64_t ts,
                      rule_eval *e)
{
    static const int metric[] = {PULSE_M_CPU_USAGE, PULSE_M_MEM_USAGE, PULSE_M_SWAP_USED,
                                 PULSE_M_LOAD1};
    static const pulse_level level[] = {PULSE_LEVEL_WARNING, PULSE_LEVEL_CRITICAL,
                                        PULSE_LEVEL_WARNING, PULSE_LEVEL_WARNING};
    const pulse_analytics_config *c = &a->cfg;
    e->metric = metric[rule];
    e->level = level[rule];
    e->value = values[e->metric];
    if (rule == RULE_CPU)
        eval_pct_rule(e, "CPU usage", e->value, c->cpu_usage_pct, c->cpu_hold_s);
    else if (rule == RULE_MEM)
        eval_pct_rule(e, "Memory usage", e->value, c->mem_usage_pct, c->mem_hold_s);
    else if (rule == RULE_SWAP)
        eval_swap_rule(a, e, e->value, ts);
    else
        eval_load_rule(a, e, e->value, ncores);
}

static void step_rule(pulse_analytics *a, rule_state *r, const rule_eval *e, int64_t ts,
                      event_sink *sink)
{
    if (e->cond != r->cond) {
        r->cond = e->cond;
        r->since = ts;
    }
    int64_t held = ts - r->since;
    if (e->cond && !r->active && held >= (int64_t)e->hold_s * 1000) {
        r->active = true;
        make_insight(&r->insight, "threshold", e->level, true, e->metric, e->value, ts);
        snprintf(r->insight.message, sizeof(r->insight.message), "%s", e->raise_msg);
        emit(sink, &r->insight);
    } else if (!e->cond && r->active && held >= (int64_t)a->cfg.clear_hold_s * 1000) {
        r->active = false;
        pulse_insight in;
        make_insight(&in, "threshold", PULSE_LEVEL_INFO, false, e->metric, e->value, ts);
        snprintf(in.message, sizeof(in.message), "%s", e->clear_msg);
        emit(sink, &in);
    }
}

static void update_rules(pulse_analytics *a, int64_t ts, const double *values, int ncores,
                         event_sink *sink)
{
    for (int i = 0; i < PULSE_ALERT_RULES; i++) {
        rule_eval e;
        eval_rule(a, i, values, ncores, ts, &e);
        /* A missing value says nothing about the condition, so the state is left as it was. */
        if (!isnan(e.value))
            step_rule(a, &a->rules[i], &e, ts, sink);
    }
}

/* ---- anomalies ---- */

/* Smallest standard deviation trusted per metric, so a flat series does not turn tiny
 * wiggles into huge z-scores. */
static double sd_floor(const pulse_analytics *a, int metric, double mean)
{
    static const double mib = 1024.0 * 1024.0;
    double abs_floor;
    switch (metric) {
    case PULSE_M_MEM_USED:
    case PULSE_M_MEM_AVAILABLE:
    case PULSE_M_MEM_CACHED:
    case PULSE_M_SWAP_USED:
        abs_floor = mib;
        break;
    case PULSE_M_NET_RX:
    case PULSE_M_NET_TX:
    case PULSE_M_DISK_READ:
    case PULSE_M_DISK_WRITE:
        abs_floor = 64 * 1024;
        break;
    case PULSE_M_LOAD1:
    case PULSE_M_LOAD5:
    case PULSE_M_LOAD15:
        abs_floor = 0.1;
        break;
    default:
        abs_floor = 1.0; /* percentages and process counts */
    }
    return fmax(abs_floor, a->cfg.anomaly_min_rel_sd * fabs(mean));
}

static void ewma_update(anomaly_state *s, double x, double alpha)
{
    if (s->n++ == 0) {
        s->mean = x;
        s->var = 0;
        return;
    }
    double diff = x - s->mean, incr = alpha * diff;
    s->mean += incr;
    s->var = (1 - alpha) * (s->var + diff * incr);
}

static void anomaly_event(anomaly_state *s, int metric, bool raise, double x, double z, int64_t ts,
                          event_sink *sink)
{
    const char *name = pulse_metric_name(metric);
    pulse_insight in;
    make_insight(&in, "anomaly", raise ? PULSE_LEVEL_WARNING : PULSE_LEVEL_INFO, raise, metric, x,
                 ts);
    if (raise)
        snprintf(in.message, sizeof(in.message), "%s unusually %s: %.2f (z=%.1f, mean %.2f)", name,
                 z > 0 ? "high" : "low", x, z, s->mean);
    else
        snprintf(in.message, sizeof(in.message), "%s back to normal: %.2f", name, x);
    s->active = raise;
    if (raise)
        s->insight = in;
    emit(sink, &in);
}

static void step_anomaly(pulse_analytics *a, int metric, double x, int64_t ts, event_sink *sink)
{
    anomaly_state *s = &a->anomalies[metric];
    const pulse_analytics_config *c = &a->cfg;
    bool warm = s->n >= c->anomaly_warmup;
    double z = warm ? (x - s->mean) / fmax(sqrt(s->var), sd_floor(a, metric, s->mean)) : 0;
    bool hot = fabs(z) > c->anomaly_z;
    s->hot = hot ? s->hot + 1 : 0;
    s->calm = hot ? 0 : s->calm + 1;
    if (!s->active && s->hot >= c->anomaly_consecutive)
        anomaly_event(s, metric, true, x, z, ts, sink);
    else if (s->active && s->calm >= c->anomaly_consecutive)
        anomaly_event(s, metric, false, x, z, ts, sink);
    /* Outliers stay out of the baseline until they are a confirmed anomaly; from then on they
     * are learned, so a lasting level shift becomes the new normal and the insight clears. */
    if (!hot || s->active)
        ewma_update(s, x, c->ewma_alpha);
}

static void update_anomalies(pulse_analytics *a, int64_t ts, const double *values, event_sink *sink)
{
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        if ((a->cfg.anomaly_metrics >> m & 1u) && !isnan(values[m]))
            step_anomaly(a, m, values[m], ts, sink);
}

int pulse_analytics_update(pulse_analytics *a, int64_t ts_ms,
                           const double values[PULSE_METRIC_COUNT], int ncores,
                           pulse_insight *events, size_t cap, size_t *nevents)
{
    if (!a || !values || (cap && !events))
        return -EINVAL;
    if (ts_ms <= a->last_ts)
        return -EINVAL;
    a->last_ts = ts_ms;
    event_sink sink = {events, cap, 0};
    window_push(a, ts_ms, values);
    update_rules(a, ts_ms, values, ncores, &sink);
    update_anomalies(a, ts_ms, values, &sink);
    if (nevents)
        *nevents = sink.n;
    return 0;
}

int pulse_analytics_active(const pulse_analytics *a, pulse_insight *out, size_t cap, size_t *n)
{
    if (!a || !n || (cap && !out))
        return -EINVAL;
    size_t k = 0;
    for (int i = 0; i < PULSE_ALERT_RULES; i++)
        if (a->rules[i].active && k < cap)
            out[k++] = a->rules[i].insight;
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        if (a->anomalies[m].active && k < cap)
            out[k++] = a->anomalies[m].insight;
    *n = k;
    return 0;
}
