#include "metrics/metrics_service.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "hub/frame.h"
#include "metrics/analytics.h"
#include "metrics/collector.h"
#include "metrics/history.h"
#include "metrics/metrics_json.h"
#include "metrics/store.h"

#define BATCH_ROWS 600
#define FINE_POINTS_MAX 18000 /* bounds the fine ring's memory at short intervals */

struct metrics_service {
    uv_loop_t *loop;
    const struct logger *log;
    struct hub *hub; /* publishes through it; reads its connection count and uptime */
    struct metrics_options opt;
    pulse_collector *col;
    pulse_history *hist;
    pulse_analytics *an;
    pulse_store *store;
    pulse_sample latest;
    int have_latest;
    int sample_failed;
    uv_timer_t tick;
    uint64_t tick_no;
    /* SQLite writes run on the thread pool: `pending` fills on the loop, `writing` is the copy a
     * worker owns while `busy`. */
    uv_work_t work;
    pulse_store_batch pending, writing;
    int busy, write_rc, write_failed, batch_full, stopping;
    int64_t write_now;
    char write_err[256];
    struct pbuf *frames[PULSE_GROUP_ALL + 1]; /* this tick's frame per group set, built on demand */
    json_t *analytics; /* the snapshot's analytics since the last sample, built on demand */
};

/* ---- the SQLite writer --------------------------------------------------------------------- */

static void write_work(uv_work_t *w)
{
    struct metrics_service *p = w->data;
    p->write_rc =
        pulse_store_write(p->store, &p->writing, p->write_now, p->write_err, sizeof(p->write_err));
}

static void close_store(struct metrics_service *p)
{
    char err[256];
    if (p->pending.count > 0 &&
        pulse_store_write(p->store, &p->pending, pulse_wall_ms(), err, sizeof(err)) < 0)
        log_event(p->log, LOG_ERROR, "history_write_failed", "final write: %s", err);
    pulse_store_close(p->store);
    p->store = NULL;
}

static void schedule_write(struct metrics_service *p);

static void write_done(uv_work_t *w, int status)
{
    struct metrics_service *p = w->data;
    p->busy = 0;
    int failed = status == 0 && p->write_rc < 0;
    if (failed && !p->write_failed)
        log_event(p->log, LOG_ERROR, "history_write_failed", "will retry each interval: %s",
                  p->write_err);
    else if (!failed && p->write_failed)
        log_event(p->log, LOG_INFO, "history_write_resumed", "%zu rows written", p->writing.count);
    p->write_failed = failed;
    if (!p->write_failed)
        pulse_store_batch_reset(&p->writing);
    if (p->stopping)
        close_store(p);
    else
        schedule_write(p);
}

/* One transaction per interval, on a worker; a failed batch is retried before newer rows. */
static void schedule_write(struct metrics_service *p)
{
    if (p->busy || !p->store || (p->pending.count == 0 && p->writing.count == 0))
        return;
    if (p->writing.count == 0) {
        pulse_store_batch tmp = p->writing;
        p->writing = p->pending;
        p->pending = tmp;
    }
    p->busy = 1;
    p->write_now = pulse_wall_ms();
    p->work.data = p;
    if (uv_queue_work(p->loop, &p->work, write_work, write_done) != 0)
        p->busy = 0;
}

/* ---- fan-out ------------------------------------------------------------------------------- */

static struct pbuf *metrics_frame(struct metrics_service *p, unsigned mask)
{
    json_t *o = NULL;
    if (pulse_metrics_json(&p->latest, mask, &o) < 0)
        return NULL;
    struct pbuf *b = frame_json_flags(o, REPLY_JSON_FLAGS);
    json_decref(o);
    if (b)
        b->kind = PBUF_COALESCE;
    return b;
}

static void deliver_metrics(struct conn *c, struct pbuf *unused, void *arg)
{
    struct metrics_service *p = arg;
    unsigned mask = c->metrics_mask & PULSE_GROUP_ALL;
    (void)unused;
    if (c->metrics_tick == p->tick_no || !mask)
        return; /* one frame per tick, holding the union of its groups */
    c->metrics_tick = p->tick_no;
    if (!p->frames[mask])
        p->frames[mask] = metrics_frame(p, mask);
    if (p->frames[mask])
        conn_send_coalesced(c, p->frames[mask]);
}

static void fan_out_metrics(struct metrics_service *p)
{
    p->tick_no++;
    for (size_t i = 0; i < METRICS_CHANNEL_COUNT; i++)
        bc_publish(&p->hub->bc, metrics_channels[i].name, NULL, deliver_metrics, p);
    for (unsigned m = 0; m <= PULSE_GROUP_ALL; m++) {
        pbuf_unref(p->frames[m]);
        p->frames[m] = NULL;
    }
}

static void publish_insights(struct metrics_service *p, const pulse_insight *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *o = NULL;
        if (pulse_insight_json(&ev[i], &o) < 0)
            continue;
        struct pbuf *b = frame_json_flags(o, REPLY_JSON_FLAGS);
        json_decref(o);
        if (b)
            bc_send(&p->hub->bc, INSIGHTS_CHANNEL, b);
        pbuf_unref(b);
        log_event(p->log, LOG_INFO, "insight", "%s: %s", ev[i].metric, ev[i].message);
    }
}

/* ---- the tick ------------------------------------------------------------------------------ */

static void record(struct metrics_service *p)
{
    double v[PULSE_METRIC_COUNT];
    pulse_insight ev[PULSE_ANALYTICS_MAX_EVENTS];
    size_t nev = 0;
    pulse_sample_metrics(&p->latest, v);
    if (pulse_history_add(p->hist, p->latest.ts_ms, v) < 0)
        return; /* the wall clock stepped back: skip this sample */
    if (pulse_analytics_update(p->an, p->latest.ts_ms, v, p->latest.online_cores, ev,
                               PULSE_ANALYTICS_MAX_EVENTS, &nev) == 0)
        publish_insights(p, ev, nev);
    int full = p->store && pulse_store_batch_add(&p->pending, p->latest.ts_ms, v) < 0;
    if (full && !p->batch_full) /* once per episode: the write failure was logged already */
        log_event(p->log, LOG_WARN, "history_batch_full",
                  "samples are dropped from the "
                  "database (kept in memory) until writing resumes");
    p->batch_full = full;
    schedule_write(p);
}

static void on_tick(uv_timer_t *t)
{
    struct metrics_service *p = t->data;
    int rc = pulse_collector_sample(p->col, (int64_t)pulse_wall_ms(), uv_now(p->loop), &p->latest);
    if (rc < 0) {
        if (!p->sample_failed)
            log_event(p->log, LOG_ERROR, "collector_failed", "cannot read /proc: %s",
                      strerror(-rc));
        p->sample_failed = 1;
        return;
    }
    p->sample_failed = 0;
    p->have_latest = 1;
    if (p->latest.has_rates)
        record(p);
    json_decref(p->analytics);
    p->analytics = NULL;
    fan_out_metrics(p);
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static int open_parts(struct metrics_service *p, char *why, size_t whylen)
{
    pulse_history_config hc;
    pulse_analytics_config ac;
    uint32_t interval = (uint32_t)p->opt.interval_ms;
    pulse_history_config_default(&hc);
    hc.interval_ms = interval;
    if ((uint64_t)hc.fine_seconds * 1000 / interval > FINE_POINTS_MAX)
        hc.fine_seconds = (uint32_t)((uint64_t)FINE_POINTS_MAX * interval / 1000);
    pulse_analytics_config_default(&ac);
    ac.interval_ms = interval;
    ac.cpu_usage_pct = p->opt.alert_cpu_percent;
    ac.cpu_hold_s = (uint32_t)p->opt.alert_hold_s;
    ac.mem_usage_pct = p->opt.alert_memory_percent;
    ac.mem_hold_s = (uint32_t)p->opt.alert_hold_s;
    ac.swap_hold_s = (uint32_t)p->opt.alert_hold_s;
    ac.load_hold_s = (uint32_t)p->opt.alert_hold_s;
    ac.load_per_core = p->opt.alert_load_per_core;
    ac.anomaly_z = p->opt.anomaly_z;
    int rc;
    if ((rc = pulse_collector_new(NULL, PULSE_READ_BUF_DEFAULT, &p->col)) < 0 ||
        (rc = pulse_history_new(&hc, &p->hist)) < 0 ||
        (rc = pulse_analytics_new(&ac, &p->an)) < 0 ||
        (rc = pulse_store_batch_init(&p->pending, BATCH_ROWS)) < 0 ||
        (rc = pulse_store_batch_init(&p->writing, BATCH_ROWS)) < 0) {
        snprintf(why, whylen, "cannot set up metrics: %s", strerror(-rc));
        return rc;
    }
    char err[256] = "";
    if ((rc = pulse_store_open(p->opt.db, NULL, &p->store, err, sizeof(err))) < 0 ||
        (rc = pulse_store_load(p->store, p->hist, (int64_t)pulse_wall_ms(), err, sizeof(err))) <
            0) {
        snprintf(why, whylen, "--db %s: %s", p->opt.db, err);
        return rc;
    }
    return 0;
}

static void hub_send_latest(void *user, struct conn *c)
{
    metrics_service_send_latest(user, c);
}

static json_t *hub_snapshot(void *user)
{
    return metrics_service_snapshot(user);
}

static int hub_history(void *user, const char *metric, long long seconds, json_t **out)
{
    return metrics_service_history(user, metric, seconds, out);
}

/* The hub reaches the service (snapshot, history, a new subscriber's first frame) from now on. */
static void attach(struct metrics_service *p)
{
    p->hub->svc = (struct hub_services){p, hub_send_latest, hub_snapshot, hub_history};
}

int metrics_service_start(struct metrics_service **out, uv_loop_t *loop, const struct logger *log,
                          struct hub *hub, const struct metrics_options *opt, char *why,
                          size_t whylen)
{
    struct metrics_service *p = calloc(1, sizeof(*p));
    *out = p;
    if (!p) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    p->loop = loop;
    p->log = log;
    p->hub = hub;
    p->opt = *opt;
    int rc = open_parts(p, why, whylen);
    if (rc < 0)
        return rc;
    /* The priming sample has no rates; the first tick comes soon so that frames have them. */
    if (pulse_collector_sample(p->col, (int64_t)pulse_wall_ms(), uv_now(p->loop), &p->latest) == 0)
        p->have_latest = 1;
    uv_timer_init(p->loop, &p->tick);
    p->tick.data = p;
    uint64_t interval = (uint64_t)p->opt.interval_ms;
    uv_timer_start(&p->tick, on_tick, interval < 250 ? interval : 250, interval);
    attach(p);
    return 0;
}

void metrics_service_stop(struct metrics_service *p)
{
    if (!p || p->stopping)
        return;
    p->stopping = 1;
    uv_close((uv_handle_t *)&p->tick, NULL);
    if (!p->busy && p->store)
        close_store(p);
    /* else write_done closes the store once the worker is done */
}

void metrics_service_free(struct metrics_service *p)
{
    if (!p)
        return;
    if (p->store)
        pulse_store_close(p->store);
    pulse_collector_free(p->col);
    pulse_history_free(p->hist);
    pulse_analytics_free(p->an);
    json_decref(p->analytics);
    pulse_store_batch_free(&p->pending);
    pulse_store_batch_free(&p->writing);
    free(p);
}

/* ---- requests ------------------------------------------------------------------------------ */

void metrics_service_send_latest(struct metrics_service *p, struct conn *c)
{
    unsigned mask = c->metrics_mask & PULSE_GROUP_ALL;
    if (!p || !p->have_latest || !mask)
        return;
    struct pbuf *b = metrics_frame(p, mask);
    if (b)
        conn_send_coalesced(c, b);
    pbuf_unref(b);
}

json_t *metrics_service_snapshot(struct metrics_service *p)
{
    int64_t now = (int64_t)pulse_wall_ms();
    json_t *metrics = NULL, *insights = NULL;
    if (p->have_latest && pulse_metrics_json(&p->latest, PULSE_GROUP_ALL, &metrics) == 0)
        json_object_del(metrics, "type");
    /* Analytics change with each sample, and computing them walks the whole window (p95 sorts
     * it): once per sample, however many snapshots are asked for. */
    if (!p->analytics && pulse_analytics_json(p->an, now, &p->analytics) < 0)
        p->analytics = NULL;
    json_t *analytics = p->analytics ? json_incref(p->analytics) : json_object();
    if (pulse_active_insights_json(p->an, &insights) < 0)
        insights = json_array();
    return json_pack("{s:s, s:o, s:o, s:o, s:{s:I, s:I}}", "type", "snapshot", "metrics",
                     metrics ? metrics : json_null(), "analytics", analytics, "insights", insights,
                     "server", "connections", (json_int_t)p->hub->conns.ws_count, "uptime_s",
                     (json_int_t)hub_uptime_s(p->hub));
}

int metrics_service_history(struct metrics_service *p, const char *metric, long long seconds,
                            json_t **out)
{
    return pulse_history_json(p->hist, metric, seconds, (int64_t)pulse_wall_ms(), out);
}

static void gauge(FILE *out, const char *name, const char *help, double v)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    if (isnan(v))
        fprintf(out, "%s NaN\n", name);
    else
        fprintf(out, "%s %.15g\n", name, v);
}

void metrics_service_prometheus(struct metrics_service *p, FILE *out)
{
    const pulse_sample *s = &p->latest;
    int rates = p->have_latest && s->has_rates;
    double nan = NAN;
    gauge(out, "pulse_cpu_usage_percent", "Host CPU usage, percent of all cores.",
          rates && s->cpu.valid ? s->cpu.usage : nan);
    gauge(out, "pulse_memory_used_bytes", "Host memory in use (total - available).",
          p->have_latest ? (double)s->mem.used : nan);
    gauge(out, "pulse_memory_total_bytes", "Host memory in total.",
          p->have_latest ? (double)s->mem.total : nan);
    gauge(out, "pulse_network_rx_bytes_per_second", "Bytes received per second, loopback excluded.",
          rates ? s->net.rx_bps : nan);
    gauge(out, "pulse_network_tx_bytes_per_second", "Bytes sent per second, loopback excluded.",
          rates ? s->net.tx_bps : nan);
    gauge(out, "pulse_load1", "Host load average over 1 minute.", p->have_latest ? s->load1 : nan);
}
