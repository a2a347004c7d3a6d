#include "metrics/metrics_json.h"

#include "metrics/humanize.h"
#include "metrics/json_build.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static json_t *pct_or_null(bool valid, double v)
{
    return valid ? real2(v) : json_null();
}

/* A rate in bytes/s: an integer with 3 significant digits. */
static json_t *bps_or_null(bool valid, double v)
{
    return valid ? json_integer((json_int_t)round_significant(v, 3)) : json_null();
}

int pulse_channel_groups(const char *channel)
{
    if (!channel)
        return -EINVAL;
    unsigned groups = metrics_channel_groups(channel);
    if (groups)
        return (int)groups;
    return strncmp(channel, "metrics", 7) == 0 ? -ENOENT : 0;
}

/* ---- metrics frame ---- */

static json_t *cpu_json(build *b, const pulse_sample *s)
{
    json_t *o = json_object(), *cores = json_array();
    const pulse_cpu_pct *c = &s->cpu;
    put(b, o, "usage", pct_or_null(c->valid, c->usage));
    for (int i = 0; i < s->ncores; i++)
        push(b, cores, pct_or_null(s->cores[i].valid, s->cores[i].usage));
    put(b, o, "cores", cores);
    put(b, o, "user", pct_or_null(c->valid, c->user));
    put(b, o, "system", pct_or_null(c->valid, c->system));
    put(b, o, "iowait", pct_or_null(c->valid, c->iowait));
    put(b, o, "idle", pct_or_null(c->valid, c->idle));
    return o;
}

static json_t *memory_json(build *b, const pulse_mem_sample *m)
{
    json_t *o = json_object();
    put(b, o, "total", u64(m->total));
    put(b, o, "used", u64(m->used));
    put(b, o, "available", u64(m->available));
    put(b, o, "usage", real2(m->usage));
    put(b, o, "cached", gauge4(m->cached));
    put(b, o, "buffers", gauge4(m->buffers));
    put(b, o, "swap_total", u64(m->swap_total));
    put(b, o, "swap_used", u64(m->swap_used));
    put(b, o, "swap_usage", real2(m->swap_usage));
    if (m->cgroup_limited) {
        json_t *cg = json_object();
        put(b, cg, "limit", u64(m->cgroup_limit));
        put(b, cg, "used", u64(m->cgroup_usage));
        put(b, cg, "usage", real2(m->cgroup_pct));
        put(b, o, "cgroup", cg);
    }
    return o;
}

static json_t *rate_pair(build *b, const char *ka, const char *kb, bool valid, double va, double vb)
{
    json_t *o = json_object();
    put(b, o, ka, bps_or_null(valid, va));
    put(b, o, kb, bps_or_null(valid, vb));
    return o;
}

static json_t *network_json(build *b, const pulse_sample *s)
{
    json_t *o = rate_pair(b, "rx_bps", "tx_bps", s->has_rates, s->net.rx_bps, s->net.tx_bps);
    json_t *ifs = json_object();
    for (int i = 0; i < s->net.count; i++) {
        const pulse_iface_rate *r = &s->net.ifaces[i];
        put(b, ifs, r->name, rate_pair(b, "rx_bps", "tx_bps", r->valid, r->rx_bps, r->tx_bps));
    }
    put(b, o, "interfaces", ifs);
    return o;
}

static json_t *disk_json(build *b, const pulse_sample *s)
{
    json_t *o =
        rate_pair(b, "read_bps", "write_bps", s->has_rates, s->disk.read_bps, s->disk.write_bps);
    json_t *disks = json_object();
    for (int i = 0; i < s->disk.count; i++) {
        const pulse_disk_rate *r = &s->disk.disks[i];
        put(b, disks, r->name,
            rate_pair(b, "read_bps", "write_bps", r->valid, r->read_bps, r->write_bps));
    }
    put(b, o, "disks", disks);
    return o;
}

static json_t *load_json(build *b, const pulse_sample *s)
{
    json_t *o = json_object();
    put(b, o, "1m", real2(s->load1));
    put(b, o, "5m", real2(s->load5));
    put(b, o, "15m", real2(s->load15));
    return o;
}

static json_t *system_json(build *b, const pulse_sample *s)
{
    json_t *o = json_object();
    put(b, o, "uptime_s", json_integer((json_int_t)floor(s->uptime_s)));
    put(b, o, "processes", json_integer(s->processes));
    return o;
}

int pulse_metrics_json(const pulse_sample *s, unsigned groups, json_t **out)
{
    if (!s || !out)
        return -EINVAL;
    build b = {true};
    json_t *o = json_object();
    put(&b, o, "type", json_string("metrics"));
    put(&b, o, "ts", json_integer(s->ts_ms));
    put(&b, o, "rates", json_boolean(s->has_rates));
    if (groups & PULSE_GROUP_CPU)
        put(&b, o, "cpu", cpu_json(&b, s));
    if (groups & PULSE_GROUP_MEMORY)
        put(&b, o, "memory", memory_json(&b, &s->mem));
    if (groups & PULSE_GROUP_NETWORK)
        put(&b, o, "network", network_json(&b, s));
    if (groups & PULSE_GROUP_DISK)
        put(&b, o, "disk", disk_json(&b, s));
    if (groups & PULSE_GROUP_LOAD)
        put(&b, o, "load", load_json(&b, s));
    if (groups & PULSE_GROUP_SYSTEM)
        put(&b, o, "system", system_json(&b, s));
    if (!b.ok) {
        json_decref(o);
        return -ENOMEM;
    }
    *out = o;
    return 0;
}

/* ---- insights and analytics ---- */

/* An optional number: present only when the insight has it. */
static void put_finite(build *b, json_t *o, const char *key, double v)
{
    if (isfinite(v))
        put(b, o, key, json_real(v));
}

static json_t *insight_object(build *b, const pulse_insight *in)
{
    json_t *o = json_object();
    put(b, o, "type", json_string("insight"));
    put(b, o, "level", json_string(pulse_level_name(in->level)));
    put(b, o, "metric", json_string(in->metric));
    put(b, o, "message", json_string(in->message));
    put(b, o, "value", isfinite(in->value) ? json_real(in->value) : json_null());
    put(b, o, "ts", json_integer(in->ts_ms));
    put(b, o, "key", json_string(in->key));
    put(b, o, "active", json_boolean(in->active));
    put(b, o, "state", json_string(in->active ? "raised" : "resolved"));
    put(b, o, "seq", json_integer((json_int_t)in->seq));
    put(b, o, "unit", json_string(pulse_unit_name(pulse_name_unit(in->metric))));
    put_finite(b, o, "threshold", in->threshold);
    put_finite(b, o, "clear_below", in->clear_below);
    put_finite(b, o, "baseline", in->baseline);
    put_finite(b, o, "z", isfinite(in->z) ? round(in->z * 100.0) / 100.0 : in->z);
    if (in->active && isfinite(in->hours_to_full) && in->hours_to_full > 0)
        put(b, o, "hours_to_full", json_real(round(in->hours_to_full * 100.0) / 100.0));
    if (!in->active) {
        put(b, o, "resolves", json_integer((json_int_t)in->resolves));
        put(b, o, "raised_ts", json_integer(in->raised_ts));
        put(b, o, "reason", json_string(in->reason));
    }
    return o;
}

int pulse_insight_json(const pulse_insight *in, json_t **out)
{
    if (!in || !out)
        return -EINVAL;
    build b = {true};
    json_t *o = insight_object(&b, in);
    return build_finish(&b, o, out);
}

int pulse_insights_reply_json(const pulse_insight_log *log, int64_t seconds, int64_t limit,
                              int64_t now_ms, json_t **out)
{
    if (!log || !out || seconds < 1 || seconds > PULSE_HISTORY_MAX_SECONDS || limit < 1 ||
        limit > PULSE_INSIGHTS_MAX_LIMIT)
        return -EINVAL;
    const pulse_insight **list = malloc((size_t)limit * sizeof(*list));
    if (!list)
        return -ENOMEM;
    size_t n = pulse_insight_log_select(log, now_ms - seconds * 1000, now_ms, (size_t)limit, list);
    build b = {true};
    json_t *o = json_object(), *arr = json_array();
    put(&b, o, "type", json_string("insights"));
    for (size_t i = 0; i < n; i++)
        push(&b, arr, insight_object(&b, list[i]));
    put(&b, o, "insights", arr);
    free(list);
    return build_finish(&b, o, out);
}

static json_t *stats_object(build *b, const pulse_stats *st)
{
    json_t *o = json_object();
    put(b, o, "min", json_real(st->min));
    put(b, o, "max", json_real(st->max));
    put(b, o, "avg", json_real(st->avg));
    put(b, o, "p95", json_real(st->p95));
    put(b, o, "trend", json_real(st->trend));
    return o;
}

int pulse_analytics_json(pulse_analytics *a, int64_t now_ms, json_t **out)
{
    if (!a || !out)
        return -EINVAL;
    build b = {true};
    json_t *o = json_object();
    for (int m = 0; m < PULSE_METRIC_COUNT; m++) {
        pulse_stats st;
        if (pulse_analytics_stats(a, m, now_ms, &st) == 0)
            put(&b, o, pulse_metric_name(m), stats_object(&b, &st));
    }
    return build_finish(&b, o, out);
}

int pulse_active_insights_json(const pulse_analytics *a, json_t **out)
{
    if (!a || !out)
        return -EINVAL;
    pulse_insight list[PULSE_ANALYTICS_MAX_EVENTS];
    size_t n = 0;
    pulse_analytics_active(a, list, PULSE_ANALYTICS_MAX_EVENTS, &n);
    build b = {true};
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        push(&b, arr, insight_object(&b, &list[i]));
    return build_finish(&b, arr, out);
}

/* ---- history reply ---- */

static json_t *points_array(build *b, const pulse_point *pts, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array();
        push(b, p, json_integer(pts[i].ts_ms));
        push(b, p, json_real(pts[i].value));
        push(b, arr, p);
    }
    return arr;
}

int pulse_history_json(const pulse_history *h, const char *metric, int64_t seconds, int64_t now_ms,
                       json_t **out)
{
    if (!h || !out)
        return -EINVAL;
    int id = pulse_metric_id(metric);
    if (id < 0)
        return -ENOENT;
    return pulse_history_json_id(h, id, metric, seconds, now_ms, out);
}

int pulse_history_json_id(const pulse_history *h, int id, const char *metric, int64_t seconds,
                          int64_t now_ms, json_t **out)
{
    if (!h || !out)
        return -EINVAL;
    if (id < 0 || id >= pulse_history_nmetrics(h) || !metric)
        return -ENOENT;
    if (seconds < 1 || seconds > PULSE_HISTORY_MAX_SECONDS)
        return -EINVAL;
    pulse_point *pts = malloc(PULSE_HISTORY_MAX_POINTS * sizeof(*pts));
    if (!pts)
        return -ENOMEM;
    size_t n = 0;
    int64_t step = 0;
    int rc = pulse_history_query(h, id, seconds, now_ms, PULSE_HISTORY_MAX_POINTS, pts, &n, &step);
    if (rc < 0) {
        free(pts);
        return rc;
    }
    build b = {true};
    json_t *o = json_object();
    put(&b, o, "type", json_string("history"));
    put(&b, o, "metric", json_string(metric));
    put(&b, o, "step_ms", json_integer(step));
    put(&b, o, "points", points_array(&b, pts, n));
    free(pts);
    return build_finish(&b, o, out);
}
