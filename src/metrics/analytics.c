#include "metrics/analytics.h"

#include "metrics/humanize.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RULE_CPU, RULE_MEM, RULE_SWAP, RULE_LOAD };

#define NEVER INT64_MIN

typedef struct {
    bool active;
    int64_t above_since, below_since; /* start of the current run above / below, or NEVER */
    pulse_insight insight;            /* the raised one, while active */
} rule_state;

typedef struct {
    double mean, var;
    uint64_t n;
} ewma;

typedef struct {
    ewma base;          /* the usual level; frozen while an anomaly is active */
    ewma shadow;        /* the level during an active anomaly, adopted if it lasts */
    uint32_t hot, calm; /* consecutive anomalous / normal samples */
    bool active;
    pulse_insight insight; /* the raised one, while active */
} anomaly_state;

struct pulse_analytics {
    pulse_analytics_config cfg;
    size_t cap, head, count;
    int64_t *ts;
    double *vals;    /* vals[metric * cap + slot] */
    double *xs, *ys; /* scratch for one metric's window */
    int64_t last_ts;
    uint64_t next_seq;
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
        .pct_clear_margin = 5,
        .load_clear_ratio = 0.9,
        .ewma_alpha = 0.1,
        .anomaly_z = 3.0,
        .anomaly_consecutive = 3,
        .anomaly_clear_z = 1.5,
        .anomaly_clear_samples = 10,
        .anomaly_adopt_s = 600,
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
           c->anomaly_z > 0 && c->anomaly_consecutive > 0 && c->anomaly_min_rel_sd >= 0 &&
           c->anomaly_clear_z >= 0 && c->anomaly_clear_z <= c->anomaly_z &&
           c->anomaly_clear_samples > 0 && c->pct_clear_margin >= 0 && c->load_clear_ratio > 0 &&
           c->load_clear_ratio <= 1;
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
    a->next_seq = 1;
    for (int i = 0; i < PULSE_ALERT_RULES; i++)
        a->rules[i].above_since = a->rules[i].below_since = NEVER;
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

void pulse_analytics_set_next_seq(pulse_analytics *a, uint64_t seq)
{
    if (a && seq > a->next_seq)
        a->next_seq = seq;
}

uint64_t pulse_analytics_take_seq(pulse_analytics *a)
{
    return a ? a->next_seq++ : 0;
}

int pulse_level_from_name(const char *name, pulse_level *out)
{
    static const pulse_level levels[] = {PULSE_LEVEL_INFO, PULSE_LEVEL_WARNING,
                                         PULSE_LEVEL_CRITICAL};
    for (size_t i = 0; name && out && i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcmp(name, pulse_level_name(levels[i])) == 0) {
            *out = levels[i];
            return 0;
        }
    }
    return -EINVAL;
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

/* A new insight about `metric`, numbered; the numbers (threshold, baseline, z) start as NaN. */
static void make_insight(pulse_analytics *a, pulse_insight *in, const char *kind, pulse_level level,
                         int metric, double value, int64_t ts)
{
    const char *name = pulse_metric_name(metric);
    name = name ? name : "";
    memset(in, 0, sizeof(*in));
    snprintf(in->key, sizeof(in->key), "%s:%s", kind, name);
    snprintf(in->metric, sizeof(in->metric), "%s", name);
    in->level = level;
    in->active = level != PULSE_LEVEL_INFO;
    in->value = value;
    in->ts_ms = ts;
    in->threshold = in->clear_below = in->baseline = in->z = NAN;
    in->seq = a->next_seq++;
    in->raised_ts = ts;
}

/* The resolution of `raised`: level info, a reference to it and why it ended. */
static void make_resolution(pulse_analytics *a, pulse_insight *in, const pulse_insight *raised,
                            int metric, double value, int64_t ts, const char *reason)
{
    const char *kind = strncmp(raised->key, "anomaly:", 8) == 0 ? "anomaly" : "threshold";
    make_insight(a, in, kind, PULSE_LEVEL_INFO, metric, value, ts);
    in->threshold = raised->threshold;
    in->clear_below = raised->clear_below;
    in->baseline = raised->baseline;
    in->resolves = raised->seq;
    in->raised_ts = raised->ts_ms;
    snprintf(in->reason, sizeof(in->reason), "%s", reason);
}

static const char *fmt(int metric, double v, char *buf, size_t len)
{
    pulse_format_value(pulse_name_unit(pulse_metric_name(metric)), v, buf, len);
    return buf;
}

void pulse_analytics_restart_resolution(pulse_analytics *a, const pulse_insight *raised,
                                        int64_t now_ms, pulse_insight *out)
{
    char took[32], label[128];
    int metric = pulse_metric_id(raised->metric);
    pulse_name_label(raised->metric, label, sizeof(label)); /* words, also for fs.MOUNT.usage */
    make_resolution(a, out, raised, metric, NAN, now_ms, "restart");
    /* make_resolution names the metric by id: keep the stored name even if this build lacks it */
    snprintf(out->metric, sizeof(out->metric), "%s", raised->metric);
    snprintf(out->key, sizeof(out->key), "%s", raised->key);
    pulse_format_duration((long long)(now_ms - raised->ts_ms), took, sizeof(took));
    snprintf(out->message, sizeof(out->message),
             "%.80s alert closed: pulse restarted %s after it was raised; checking again from now",
             label, took);
}

/* ---- threshold rules ---- */

typedef struct {
    int metric;
    pulse_level level;
    uint32_t hold_s;
    double value, threshold, clear_below, trend;
    int ncores;
    bool known; /* false: no value (or no core count), the rule stays as it was */
} rule_eval;

static double window_trend(pulse_analytics *a, int metric, int64_t now_ms)
{
    size_t n = window_gather(a, metric, now_ms);
    return slope(a->xs, a->ys, n);
}

static void eval_rule(pulse_analytics *a, int rule, const double *values, int ncores, int64_t ts,
                      rule_eval *e)
{
    static const int metric[] = {PULSE_M_CPU_USAGE, PULSE_M_MEM_USAGE, PULSE_M_SWAP_USED,
                                 PULSE_M_LOAD1};
    static const pulse_level level[] = {PULSE_LEVEL_WARNING, PULSE_LEVEL_CRITICAL,
                                        PULSE_LEVEL_WARNING, PULSE_LEVEL_WARNING};
    const pulse_analytics_config *c = &a->cfg;
    *e = (rule_eval){.metric = metric[rule], .level = level[rule], .trend = NAN, .ncores = ncores};
    e->value = values[e->metric];
    e->known = !isnan(e->value);
    if (rule == RULE_CPU || rule == RULE_MEM) {
        e->threshold = rule == RULE_CPU ? c->cpu_usage_pct : c->mem_usage_pct;
        e->hold_s = rule == RULE_CPU ? c->cpu_hold_s : c->mem_hold_s;
        e->clear_below = e->threshold - c->pct_clear_margin;
    } else if (rule == RULE_SWAP) {
        /* The rule is on the growth rate: "swap in use and rising", clear at half the rate. */
        e->trend = window_trend(a, PULSE_M_SWAP_USED, ts);
        e->threshold = c->swap_rise_bytes_per_min;
        e->clear_below = c->swap_rise_bytes_per_min / 2;
        e->hold_s = c->swap_hold_s;
    } else {
        e->threshold = ncores * c->load_per_core;
        e->clear_below = e->threshold * c->load_clear_ratio;
        e->hold_s = c->load_hold_s;
        e->known = e->known && ncores > 0;
    }
}

/* The quantity compared with the threshold: the value, or for swap its trend while in use. */
static double rule_measure(const rule_eval *e)
{
    if (!isnan(e->trend))
        return e->value > 0 ? e->trend : 0;
    return e->value;
}

static void raise_message(const pulse_analytics *a, int rule, const rule_eval *e, char *out,
                          size_t len)
{
    char v[32], thr[32], hold[32], per[32];
    pulse_format_duration((long long)e->hold_s * 1000, hold, sizeof(hold));
    fmt(e->metric, e->value, v, sizeof(v));
    if (rule == RULE_SWAP) {
        pulse_format_value(PULSE_UNIT_BYTES, e->trend, per, sizeof(per));
        snprintf(out, len, "Swap in use and growing: %s, up %s per minute", v, per);
    } else if (rule == RULE_LOAD) {
        fmt(e->metric, e->threshold, thr, sizeof(thr));
        snprintf(out, len, "Load average %s, above %s (%.2f per core, %d cores) for %s", v, thr,
                 a->cfg.load_per_core, e->ncores, hold);
    } else {
        fmt(e->metric, e->threshold, thr, sizeof(thr));
        snprintf(out, len, "%s at %s, above %s for %s", pulse_metric_label(e->metric), v, thr,
                 hold);
    }
}

static void resolve_message(int rule, const rule_eval *e, const pulse_insight *raised, int64_t ts,
                            char *out, size_t len)
{
    char v[32], took[32];
    pulse_format_duration((long long)(ts - raised->ts_ms), took, sizeof(took));
    fmt(e->metric, e->value, v, sizeof(v));
    if (rule == RULE_SWAP)
        snprintf(out, len, "Swap no longer growing, at %s (alert lasted %s)", v, took);
    else
        snprintf(out, len, "%s back to normal at %s (alert lasted %s)",
                 pulse_metric_label(e->metric), v, took);
}

/* Tracks the runs above the threshold and below the clear level; a value in between ends both,
 * so a value hovering around the threshold neither raises nor resolves. */
static void track_runs(rule_state *r, const rule_eval *e, int64_t ts)
{
    double m = rule_measure(e);
    bool above = m > e->threshold, below = m < e->clear_below;
    if (!above)
        r->above_since = NEVER;
    else if (r->above_since == NEVER)
        r->above_since = ts;
    if (!below)
        r->below_since = NEVER;
    else if (r->below_since == NEVER)
        r->below_since = ts;
}

static void step_rule(pulse_analytics *a, int rule, const rule_eval *e, int64_t ts,
                      event_sink *sink)
{
    rule_state *r = &a->rules[rule];
    track_runs(r, e, ts);
    if (!r->active && r->above_since != NEVER && ts - r->above_since >= (int64_t)e->hold_s * 1000) {
        r->active = true;
        pulse_insight *in = &r->insight;
        make_insight(a, in, "threshold", e->level, e->metric, e->value, ts);
        in->threshold = e->threshold;
        in->clear_below = e->clear_below;
        raise_message(a, rule, e, in->message, sizeof(in->message));
        emit(sink, in);
    } else if (r->active && r->below_since != NEVER &&
               ts - r->below_since >= (int64_t)a->cfg.clear_hold_s * 1000) {
        r->active = false;
        pulse_insight in;
        make_resolution(a, &in, &r->insight, e->metric, e->value, ts, "recovered");
        resolve_message(rule, e, &r->insight, ts, in.message, sizeof(in.message));
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
        if (e.known)
            step_rule(a, i, &e, ts, sink);
    }
}

/* ---- anomalies ---- */

/* Smallest standard deviation trusted per metric, so a flat series does not turn tiny
 * wiggles into huge z-scores. */
static double sd_floor(const pulse_analytics *a, int metric, double mean)
{
    double abs_floor;
    switch (pulse_metric_unit(metric)) {
    case PULSE_UNIT_BYTES:
        abs_floor = 1024.0 * 1024.0;
        break;
    case PULSE_UNIT_BPS:
        abs_floor = 64 * 1024;
        break;
    case PULSE_UNIT_LOAD:
        abs_floor = 0.1;
        break;
    default:
        abs_floor = 1.0; /* percentages and process counts */
    }
    return fmax(abs_floor, a->cfg.anomaly_min_rel_sd * fabs(mean));
}

static void ewma_update(ewma *s, double x, double alpha)
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

static void anomaly_raise(pulse_analytics *a, anomaly_state *s, int metric, double x, double z,
                          int64_t ts, event_sink *sink)
{
    char v[32], usual[32];
    pulse_insight *in = &s->insight;
    make_insight(a, in, "anomaly", PULSE_LEVEL_WARNING, metric, x, ts);
    in->baseline = s->base.mean;
    in->z = z;
    const char *how = fabs(z) >= 2 * a->cfg.anomaly_z ? "far " : "";
    snprintf(in->message, sizeof(in->message), "%s at %s, %s%s the usual %s",
             pulse_metric_label(metric), fmt(metric, x, v, sizeof(v)), how,
             z > 0 ? "above" : "below", fmt(metric, s->base.mean, usual, sizeof(usual)));
    s->active = true;
    s->calm = 0;
    s->shadow = (ewma){0};
    emit(sink, in);
}

/* Ends the active anomaly: the value is back ("recovered"), or it stayed away so long that its
 * level becomes the usual one ("new_normal"). */
static void anomaly_resolve(pulse_analytics *a, anomaly_state *s, int metric, double x, double z,
                            int64_t ts, bool adopted, event_sink *sink)
{
    char v[32], took[32];
    pulse_insight in;
    make_resolution(a, &in, &s->insight, metric, x, ts, adopted ? "new_normal" : "recovered");
    in.z = z;
    pulse_format_duration((long long)(ts - s->insight.ts_ms), took, sizeof(took));
    fmt(metric, x, v, sizeof(v));
    if (adopted)
        snprintf(in.message, sizeof(in.message),
                 "%s has stayed near %s for %s: now the usual level", pulse_metric_label(metric), v,
                 took);
    else
        snprintf(in.message, sizeof(in.message), "%s back to normal at %s (alert lasted %s)",
                 pulse_metric_label(metric), v, took);
    if (adopted)
        s->base = s->shadow;
    s->active = false;
    s->hot = s->calm = 0;
    emit(sink, &in);
}

/* Before a raise, outliers stay out of the baseline so isolated spikes do not inflate the
 * variance. While raised, the baseline is frozen: "back to normal" means back near the level
 * before the anomaly (|z| under anomaly_clear_z for anomaly_clear_samples samples), never a
 * baseline that has crept up to the anomalous level. */
static void step_anomaly(pulse_analytics *a, int metric, double x, int64_t ts, event_sink *sink)
{
    anomaly_state *s = &a->anomalies[metric];
    const pulse_analytics_config *c = &a->cfg;
    bool warm = s->base.n >= c->anomaly_warmup;
    double z =
        warm ? (x - s->base.mean) / fmax(sqrt(s->base.var), sd_floor(a, metric, s->base.mean)) : 0;
    if (!s->active) {
        bool hot = fabs(z) > c->anomaly_z;
        s->hot = hot ? s->hot + 1 : 0;
        if (s->hot >= c->anomaly_consecutive)
            anomaly_raise(a, s, metric, x, z, ts, sink);
        else if (!hot)
            ewma_update(&s->base, x, c->ewma_alpha);
        return;
    }
    ewma_update(&s->shadow, x, c->ewma_alpha);
    s->calm = fabs(z) < c->anomaly_clear_z ? s->calm + 1 : 0;
    if (s->calm >= c->anomaly_clear_samples) {
        anomaly_resolve(a, s, metric, x, z, ts, false, sink);
        ewma_update(&s->base, x, c->ewma_alpha);
    } else if (c->anomaly_adopt_s && ts - s->insight.ts_ms >= (int64_t)c->anomaly_adopt_s * 1000) {
        anomaly_resolve(a, s, metric, x, z, ts, true, sink);
    }
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
