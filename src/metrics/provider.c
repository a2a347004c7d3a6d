#include "metrics/provider.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/analytics.h"
#include "metrics/collector.h"
#include "metrics/history.h"
#include "metrics/metrics_json.h"
#include "app/server.h"
#include "metrics/store.h"
#include "net/transport.h"

#define BATCH_ROWS 600
#define FINE_POINTS_MAX 18000 /* bounds the fine ring's memory at short intervals */

static const char *const metrics_channels[] = {"metrics",         "metrics.cpu",  "metrics.memory",
                                               "metrics.network", "metrics.disk", "metrics.load",
                                               "metrics.system"};

struct provider {
    struct pulse_server *srv;
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
    int busy, write_rc, write_failed, batch_full, stopping, stopped;
    int64_t write_now;
    char write_err[256];
    struct pbuf *frames[PULSE_GROUP_ALL + 1]; /* this tick's frame per group set, built on demand */
    json_t *analytics; /* the snapshot's analytics since the last sample, built on demand */
};

/* ---- the SQLite writer --------------------------------------------------------------------- */

static void write_work(uv_work_t *w)
{
    struct provider *p = w->data;
    p->write_rc =
        pulse_store_write(p->store, &p->writing, p->write_now, p->write_err, sizeof(p->write_err));
}

static void close_store(struct pulse_server *srv)
{
    struct provider *p = srv->prov;
    char err[256];
    if (p->pending.count > 0 &&
        pulse_store_write(p->store, &p->pending, pulse_wall_ms(), err, sizeof(err)) < 0)
        log_event(&srv->log, LOG_ERROR, "history_write_failed", "final write: %s", err);
    pulse_store_close(p->store);
    p->store = NULL;
}

static void schedule_write(struct pulse_server *srv);

static void write_done(uv_work_t *w, int status)
{
    struct provider *p = w->data;
    struct pulse_server *srv = p->srv;
    p->busy = 0;
    int failed = status == 0 && p->write_rc < 0;
    if (failed && !p->write_failed)
        log_event(&srv->log, LOG_ERROR, "history_write_failed", "will retry each interval: %s",
                  p->write_err);
    else if (!failed && p->write_failed)
        log_event(&srv->log, LOG_INFO, "history_write_resumed", "%zu rows written",
                  p->writing.count);
    p->write_failed = failed;
    if (!p->write_failed)
        pulse_store_batch_reset(&p->writing);
    if (p->stopping)
        close_store(srv);
    else
        schedule_write(srv);
}

/* One transaction per interval, on a worker; a failed batch is retried before newer rows. */
static void schedule_write(struct pulse_server *srv)
{
    struct provider *p = srv->prov;
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
    if (uv_queue_work(srv->loop, &p->work, write_work, write_done) != 0)
        p->busy = 0;
}

/* ---- fan-out ------------------------------------------------------------------------------- */

static struct pbuf *metrics_frame(struct provider *p, unsigned mask)
{
    json_t *o = NULL;
    if (pulse_metrics_json(&p->latest, mask, &o) < 0)
        return NULL;
    struct pbuf *b = frame_json_flags(o, PROVIDER_JSON_FLAGS);
    json_decref(o);
    if (b)
        b->kind = PBUF_COALESCE;
    return b;
}

static void deliver_metrics(struct conn *c, struct pbuf *unused, void *arg)
{
    struct pulse_server *srv = arg;
    struct provider *p = srv->prov;
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

static void fan_out_metrics(struct pulse_server *srv)
{
    struct provider *p = srv->prov;
    p->tick_no++;
    for (size_t i = 0; i < sizeof(metrics_channels) / sizeof(metrics_channels[0]); i++)
        bc_publish(&srv->bc, metrics_channels[i], NULL, deliver_metrics, srv);
    for (unsigned m = 0; m <= PULSE_GROUP_ALL; m++) {
        pbuf_unref(p->frames[m]);
        p->frames[m] = NULL;
    }
}

static void deliver_frame(struct conn *c, struct pbuf *frame, void *arg)
{
    (void)arg;
    conn_send_frame(c, frame);
}

static void publish_insights(struct pulse_server *srv, const pulse_insight *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *o = NULL;
        if (pulse_insight_json(&ev[i], &o) < 0)
            continue;
        struct pbuf *b = frame_json_flags(o, PROVIDER_JSON_FLAGS);
        json_decref(o);
        if (b)
            bc_publish(&srv->bc, "insights", b, deliver_frame, NULL);
        pbuf_unref(b);
        log_event(&srv->log, LOG_INFO, "insight", "%s: %s", ev[i].metric, ev[i].message);
    }
}

/* ---- the tick ------------------------------------------------------------------------------ */

static void record(struct pulse_server *srv)
{
    struct provider *p = srv->prov;
    double v[PULSE_METRIC_COUNT];
    pulse_insight ev[PULSE_ANALYTICS_MAX_EVENTS];
    size_t nev = 0;
    pulse_sample_metrics(&p->latest, v);
    if (pulse_history_add(p->hist, p->latest.ts_ms, v) < 0)
        return; /* the wall clock stepped back: skip this sample */
    if (pulse_analytics_update(p->an, p->latest.ts_ms, v, p->latest.online_cores, ev,
                               PULSE_ANALYTICS_MAX_EVENTS, &nev) == 0)
        publish_insights(srv, ev, nev);
    int full = p->store && pulse_store_batch_add(&p->pending, p->latest.ts_ms, v) < 0;
    if (full && !p->batch_full) /* once per episode: the write failure was logged already */
        log_event(&srv->log, LOG_WARN, "history_batch_full",
                  "samples are dropped from the "
                  "database (kept in memory) until writing resumes");
    p->batch_full = full;
    schedule_write(srv);
}

static void on_tick(uv_timer_t *t)
{
    struct pulse_server *srv = t->data;
    struct provider *p = srv->prov;
    int rc =
        pulse_collector_sample(p->col, (int64_t)pulse_wall_ms(), uv_now(srv->loop), &p->latest);
    if (rc < 0) {
        if (!p->sample_failed)
            log_event(&srv->log, LOG_ERROR, "collector_failed", "cannot read /proc: %s",
                      strerror(-rc));
        p->sample_failed = 1;
        return;
    }
    p->sample_failed = 0;
    p->have_latest = 1;
    if (p->latest.has_rates)
        record(srv);
    json_decref(p->analytics);
    p->analytics = NULL;
    fan_out_metrics(srv);
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static int open_parts(struct pulse_server *srv, struct provider *p, char *why, size_t whylen)
{
    pulse_history_config hc;
    pulse_analytics_config ac;
    uint32_t interval = (uint32_t)srv->cfg.interval_ms;
    pulse_history_config_default(&hc);
    hc.interval_ms = interval;
    if ((uint64_t)hc.fine_seconds * 1000 / interval > FINE_POINTS_MAX)
        hc.fine_seconds = (uint32_t)((uint64_t)FINE_POINTS_MAX * interval / 1000);
    pulse_analytics_config_default(&ac);
    ac.interval_ms = interval;
    ac.cpu_usage_pct = srv->cfg.alert_cpu_percent;
    ac.cpu_hold_s = (uint32_t)srv->cfg.alert_hold_s;
    ac.mem_usage_pct = srv->cfg.alert_memory_percent;
    ac.mem_hold_s = (uint32_t)srv->cfg.alert_hold_s;
    ac.swap_hold_s = (uint32_t)srv->cfg.alert_hold_s;
    ac.load_hold_s = (uint32_t)srv->cfg.alert_hold_s;
    ac.load_per_core = srv->cfg.alert_load_per_core;
    ac.anomaly_z = srv->cfg.anomaly_z;
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
    if ((rc = pulse_store_open(srv->cfg.db, NULL, &p->store, err, sizeof(err))) < 0 ||
        (rc = pulse_store_load(p->store, p->hist, (int64_t)pulse_wall_ms(), err, sizeof(err))) <
            0) {
        snprintf(why, whylen, "--db %s: %s", srv->cfg.db, err);
        return rc;
    }
    return 0;
}

int provider_start(struct pulse_server *srv, char *why, size_t whylen)
{
    struct provider *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    srv->prov = p;
    p->srv = srv;
    int rc = open_parts(srv, p, why, whylen);
    if (rc < 0)
        return rc;
    /* The priming sample has no rates; the first tick comes soon so that frames have them. */
    if (pulse_collector_sample(p->col, (int64_t)pulse_wall_ms(), uv_now(srv->loop), &p->latest) ==
        0)
        p->have_latest = 1;
    uv_timer_init(srv->loop, &p->tick);
    p->tick.data = srv;
    uint64_t interval = (uint64_t)srv->cfg.interval_ms;
    uv_timer_start(&p->tick, on_tick, interval < 250 ? interval : 250, interval);
    return 0;
}

void provider_stop(struct pulse_server *srv)
{
    struct provider *p = srv->prov;
    if (!p || p->stopping)
        return;
    p->stopping = 1;
    uv_close((uv_handle_t *)&p->tick, NULL);
    if (!p->busy && p->store)
        close_store(srv);
    /* else write_done closes the store once the worker is done */
}

void provider_free(struct pulse_server *srv)
{
    struct provider *p = srv->prov;
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
    srv->prov = NULL;
}

/* ---- requests ------------------------------------------------------------------------------ */

void provider_send_latest(struct pulse_server *srv, struct conn *c)
{
    struct provider *p = srv->prov;
    unsigned mask = c->metrics_mask & PULSE_GROUP_ALL;
    if (!p || !p->have_latest || !mask)
        return;
    struct pbuf *b = metrics_frame(p, mask);
    if (b)
        conn_send_coalesced(c, b);
    pbuf_unref(b);
}

json_t *provider_snapshot(struct pulse_server *srv)
{
    struct provider *p = srv->prov;
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
                     "server", "connections", (json_int_t)srv->conns.ws_count, "uptime_s",
                     (json_int_t)pulse_uptime_s(srv));
}

int provider_history(struct pulse_server *srv, const char *metric, long long seconds, json_t **out)
{
    return pulse_history_json(srv->prov->hist, metric, seconds, (int64_t)pulse_wall_ms(), out);
}

static void gauge(FILE *out, const char *name, const char *help, double v)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    if (isnan(v))
        fprintf(out, "%s NaN\n", name);
    else
        fprintf(out, "%s %.15g\n", name, v);
}

void provider_prometheus(struct pulse_server *srv, FILE *out)
{
    struct provider *p = srv->prov;
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
