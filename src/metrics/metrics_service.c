#include "metrics/metrics_service.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "hub/frame.h"
#include "metrics/analytics.h"
#include "metrics/catalog.h"
#include "metrics/collector.h"
#include "metrics/host_json.h"
#include "metrics/hostscan.h"
#include "metrics/history.h"
#include "metrics/insight_history.h"
#include "metrics/metrics_json.h"
#include "metrics/series_json.h"
#include "metrics/store.h"

#define BATCH_ROWS 600
#define FINE_POINTS_MAX 18000 /* bounds the fine ring's memory at short intervals */
#define PRIME_MS 250          /* between the two readings taken before listening */
#define PRIME_TRIES 4         /* readings after the first, at most, to get CPU figures */

struct metrics_service {
    uv_loop_t *loop;
    const struct logger *log;
    struct hub *hub; /* publishes through it; reads its connection count and uptime */
    struct metrics_options opt;
    pulse_collector *col;
    pulse_history *hist;
    pulse_analytics *an;
    pulse_store *store;
    struct insight_history insights; /* the insights of the last 7 days, for `insights` */
    pulse_sample latest;
    int have_latest;
    int sample_failed;
    uv_timer_t tick;
    uint64_t tick_no;
    /* SQLite writes run on the thread pool: `pending` fills on the loop, `writing` is the copy a
     * worker owns while `busy`. */
    uv_work_t work;
    pulse_store_batch pending, writing;
    int busy, write_rc, write_failed, batch_full, stopping, primed, prime_tries;
    int64_t committed_ts; /* newest sample in a committed transaction (0: none yet) */
    int64_t write_now;
    char write_err[256];
    struct pbuf *frames[PULSE_GROUP_ALL + 1]; /* this tick's frame per group set, built on demand */
    json_t *analytics;   /* the snapshot's analytics since the last sample, built on demand */
    struct hostscan *hs; /* filesystems, temperatures, processes, host identity */
    pulse_catalog *cat;  /* this host's history metric names */
    json_t *host;        /* the host identity object (read once at start), built on demand */
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
    if (!pulse_store_batch_empty(&p->pending) &&
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
    if (!failed && status == 0 && p->writing.count > 0)
        p->committed_ts = p->writing.rows[p->writing.count - 1].ts_ms;
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
    if (p->busy || !p->store ||
        (pulse_store_batch_empty(&p->pending) && pulse_store_batch_empty(&p->writing)))
        return;
    if (pulse_store_batch_empty(&p->writing)) {
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
    pulse_metrics_json_extras(o, &p->latest, hostscan_fs(p->hs), mask);
    if (p->hub->cluster.host) /* cluster mode: every frame says which node it describes */
        json_object_set_new(o, "host", json_string(p->hub->cluster.host));
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
        const struct cluster_hooks *k = &p->hub->cluster;
        if (k->host)
            json_object_set_new(o, "host", json_string(k->host));
        char *text = k->insight ? json_dumps(o, JSON_COMPACT | REPLY_JSON_FLAGS) : NULL;
        if (text) /* the other nodes' subscribers get it too */
            k->insight(k->user, text, strlen(text));
        free(text);
        struct pbuf *b = frame_json_flags(o, REPLY_JSON_FLAGS);
        json_decref(o);
        if (b)
            bc_send(&p->hub->bc, INSIGHTS_CHANNEL, b);
        pbuf_unref(b);
        log_event(p->log, LOG_INFO, "insight", "%s: %s", ev[i].metric, ev[i].message);
    }
}

/* ---- the tick ------------------------------------------------------------------------------ */

/* Items that appeared since the last tick (a USB disk, a veth, a new mount) join the history and
 * the store from this sample on; at the bound, one warning. */
static void grow_catalog(struct metrics_service *p)
{
    bool hit = false;
    int before = pulse_catalog_count(p->cat);
    if (pulse_catalog_update(p->cat, &p->latest, hostscan_fs(p->hs), &hit) > 0) {
        for (int i = before; i < pulse_catalog_count(p->cat); i++)
            log_event(p->log, LOG_INFO, "history_metric_added", "%s",
                      pulse_catalog_name(p->cat, i));
    }
    int n = pulse_catalog_count(p->cat);
    if (pulse_history_nmetrics(p->hist) < n) /* max_metrics is the catalog's bound: only */
        pulse_history_grow(p->hist, n);      /* -ENOMEM can fail it, tried again next tick */
    if (hit)
        log_event(p->log, LOG_WARN, "history_metrics_full",
                  "%d history names reached: newer interfaces, disks, sensors and mounts are in "
                  "frames only",
                  PULSE_CATALOG_MAX);
}

static void record(struct metrics_service *p)
{
    double v[PULSE_CATALOG_MAX]; /* the base metrics first: analytics reads those */
    pulse_insight ev[PULSE_ANALYTICS_MAX_EVENTS];
    size_t nev = 0;
    grow_catalog(p);
    int n = pulse_history_nmetrics(p->hist);
    if (p->store && p->pending.nvalues < n && pulse_store_batch_grow(&p->pending, n) == 0)
        p->pending.names = pulse_catalog_names(p->cat);
    pulse_catalog_values(p->cat, &p->latest, hostscan_fs(p->hs), v);
    if (pulse_history_add(p->hist, p->latest.ts_ms, v) < 0)
        return; /* the wall clock stepped back: skip this sample */
    const struct cluster_hooks *k = &p->hub->cluster;
    json_t *full = NULL;
    if (k->sample && pulse_metrics_json(&p->latest, PULSE_GROUP_ALL, &full) == 0)
        k->sample(k->user, p->latest.ts_ms, v, full); /* streams and the other nodes */
    json_decref(full);
    if (pulse_analytics_update(p->an, p->latest.ts_ms, v, p->latest.online_cores, ev,
                               PULSE_ANALYTICS_MAX_EVENTS, &nev) == 0) {
        insight_history_add(&p->insights, ev, nev, p->store ? &p->pending : NULL);
        publish_insights(p, ev, nev);
    }
    int dropped = p->store && pulse_store_batch_add(&p->pending, p->latest.ts_ms, v) < 0;
    if (dropped && !p->batch_full) /* once per episode: the write failure was logged already */
        log_event(p->log, LOG_WARN, "history_batch_full",
                  "samples are dropped from the "
                  "database (kept in memory) until writing resumes");
    p->batch_full = dropped;
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
    hostscan_fill_temps(p->hs, &p->latest);
    if (p->latest.has_rates)
        record(p);
    json_decref(p->analytics);
    p->analytics = NULL;
    fan_out_metrics(p);
}

/* ---- life cycle ---------------------------------------------------------------------------- */

/* ---- host scans: processes, filesystems, temperatures ------------------------------------ */

static bool hs_want_processes(void *arg)
{
    struct metrics_service *p = arg;
    return bc_find(&p->hub->bc, PROCESSES_CHANNEL) != NULL;
}

static void hs_on_processes(void *arg, json_t *frame)
{
    struct metrics_service *p = arg;
    struct pbuf *b = frame_json_flags(frame, REPLY_JSON_FLAGS);
    if (b)
        bc_send(&p->hub->bc, PROCESSES_CHANNEL, b);
    pbuf_unref(b);
}

/* Filesystem alerts go into the insight history (and SQLite) like the analytics' ones. */
static void hs_on_insights(void *arg, const pulse_insight *ev, size_t n)
{
    struct metrics_service *p = arg;
    insight_history_add(&p->insights, ev, n, p->store ? &p->pending : NULL);
    publish_insights(p, ev, n);
}

static uint64_t hs_next_seq(void *arg)
{
    struct metrics_service *p = arg;
    return pulse_analytics_take_seq(p->an);
}

/* The priming sample, the first slow scan and, from both, this host's history metric set. */
static int open_host_parts(struct metrics_service *p)
{
    const hostscan_hooks hooks = {p, hs_want_processes, hs_on_processes, hs_on_insights,
                                  hs_next_seq};
    if (pulse_collector_sample(p->col, (int64_t)pulse_wall_ms(), uv_now(p->loop), &p->latest) == 0)
        p->have_latest = 1;
    int rc = hostscan_start(p->loop, NULL, HOSTSCAN_PERIOD_MS, &hooks, &p->hs);
    if (rc < 0)
        return rc;
    hostscan_fill_temps(p->hs, &p->latest);
    return pulse_catalog_new(p->have_latest ? &p->latest : NULL, hostscan_fs(p->hs), &p->cat);
}

static void add_stored_name(void *arg, const char *name)
{
    pulse_catalog_add_name(arg, name); /* a name of another build or past the bound: skipped */
}

/* Items seen before the restart but gone now keep their stored history until retention drops
 * it: their names join the catalog (and the history, empty until the rows are loaded). */
static int restore_names(struct metrics_service *p, char *err, size_t errlen)
{
    int rc = pulse_store_metric_names(p->store, add_stored_name, p->cat);
    if (rc < 0) {
        snprintf(err, errlen, "listing stored metrics: %s", strerror(-rc));
        return rc;
    }
    int n = pulse_catalog_count(p->cat);
    if ((rc = pulse_history_grow(p->hist, n)) < 0 ||
        (rc = pulse_store_batch_grow(&p->pending, n)) < 0 ||
        (rc = pulse_store_batch_grow(&p->writing, n)) < 0) {
        snprintf(err, errlen, "restoring stored metrics: %s", strerror(-rc));
        return rc;
    }
    p->pending.names = p->writing.names = pulse_catalog_names(p->cat);
    return 0;
}

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
        (rc = open_host_parts(p)) < 0 ||
        (hc.nmetrics = pulse_catalog_count(p->cat), hc.max_metrics = PULSE_CATALOG_MAX,
         rc = pulse_history_new(&hc, &p->hist)) < 0 ||
        (rc = pulse_analytics_new(&ac, &p->an)) < 0 ||
        (rc = pulse_store_batch_init_n(&p->pending, BATCH_ROWS, hc.nmetrics)) < 0 ||
        (rc = pulse_store_batch_init_n(&p->writing, BATCH_ROWS, hc.nmetrics)) < 0) {
        snprintf(why, whylen, "cannot set up metrics: %s", strerror(-rc));
        return rc;
    }
    char err[256] = "";
    if ((rc = pulse_store_open(p->opt.db, NULL, &p->store, err, sizeof(err))) < 0 ||
        (rc = restore_names(p, err, sizeof(err))) < 0 ||
        (rc = pulse_store_set_metrics(p->store, pulse_catalog_names(p->cat),
                                      pulse_catalog_count(p->cat), err, sizeof(err))) < 0 ||
        (rc = pulse_store_load(p->store, p->hist, (int64_t)pulse_wall_ms(), err, sizeof(err))) <
            0) {
        snprintf(why, whylen, "--db %s: %s", p->opt.db, err);
        return rc;
    }
    if ((rc = insight_history_open(&p->insights, p->store, p->an, &p->pending,
                                   (int64_t)pulse_wall_ms(), err, sizeof(err))) < 0) {
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

static int hub_history_batch(void *user, json_t *metrics, json_t *seconds, json_t *points,
                             json_t **out, const char **detail)
{
    return metrics_service_history_batch(user, metrics, seconds, points, out, detail);
}

static int hub_insights(void *user, json_t *seconds, json_t *limit, json_t **out)
{
    return metrics_service_insights(user, seconds, limit, out);
}

/* The welcome's "host": the identity read at start, the same object as the snapshot's. */
static json_t *hub_host(void *user)
{
    struct metrics_service *p = user;
    if (!p->host && pulse_host_json(hostscan_host(p->hs), &p->host) < 0)
        p->host = NULL;
    return p->host ? json_incref(p->host) : NULL;
}

/* The hub reaches the service (snapshot, history, a new subscriber's first frame) from now on. */
static void attach(struct metrics_service *p)
{
    p->hub->svc = (struct hub_services){
        p, hub_send_latest, hub_snapshot, hub_history, hub_history_batch, hub_insights, hub_host};
}

static void on_prime(uv_timer_t *t)
{
    struct metrics_service *p = t->data;
    on_tick(t);
    /* The kernel's iowait can step back, which leaves a reading without CPU figures: read
     * again (a few times at most) so the first frame has them. */
    if (!p->latest.cpu.valid && ++p->prime_tries < PRIME_TRIES)
        uv_timer_start(t, on_prime, PRIME_MS, 0);
    else
        p->primed = 1;
}

/* Rates need two readings: the first is taken now and the second PRIME_MS later, before the
 * daemon listens (the net starts after this service), so the very first frame any client gets
 * has rates, never nulls. The loop runs meanwhile, so nothing blocks. */
static void prime(struct metrics_service *p)
{
    uv_timer_init(p->loop, &p->tick);
    p->tick.data = p;
    if (!p->have_latest)
        return; /* the first reading (open_host_parts) failed: /proc unreadable, ticks say so */
    uint64_t interval = (uint64_t)p->opt.interval_ms;
    uv_timer_start(&p->tick, on_prime, interval < PRIME_MS ? interval : PRIME_MS, 0);
    /* Until primed, and until the store write the second reading queued is done: the start-up
     * may still fail (the port), and the service must not be freed under a worker. */
    while ((!p->primed || p->busy) && uv_run(p->loop, UV_RUN_ONCE) != 0)
        ;
    uv_timer_stop(&p->tick);
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
    prime(p);
    uint64_t interval = (uint64_t)p->opt.interval_ms;
    uv_timer_start(&p->tick, on_tick, interval, interval);
    attach(p);
    return 0;
}

void metrics_service_stop(struct metrics_service *p)
{
    if (!p || p->stopping)
        return;
    p->stopping = 1;
    uv_close((uv_handle_t *)&p->tick, NULL);
    hostscan_stop(p->hs);
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
    hostscan_free(p->hs);
    pulse_catalog_free(p->cat);
    pulse_history_free(p->hist);
    pulse_analytics_free(p->an);
    insight_history_free(&p->insights);
    json_decref(p->analytics);
    json_decref(p->host);
    pulse_store_batch_free(&p->pending);
    pulse_store_batch_free(&p->writing);
    free(p);
}

/* ---- requests ------------------------------------------------------------------------------ */

/* The latest process list, or a scan soon when there is none yet. */
static void send_processes(struct metrics_service *p, struct conn *c)
{
    json_t *o = hostscan_processes(p->hs);
    struct pbuf *b = o ? frame_json_flags(o, REPLY_JSON_FLAGS) : NULL;
    if (!o)
        hostscan_poke_processes(p->hs);
    if (b)
        conn_send_frame(c, b);
    pbuf_unref(b);
}

void metrics_service_send_latest(struct metrics_service *p, struct conn *c)
{
    unsigned mask = c->metrics_mask & PULSE_GROUP_ALL;
    if (p && (c->metrics_mask & PULSE_GROUP_PROCESSES))
        send_processes(p, c);
    if (!p || !p->have_latest || !mask)
        return;
    struct pbuf *b = metrics_frame(p, mask);
    if (b)
        conn_send_coalesced(c, b);
    pbuf_unref(b);
}

/* The active filesystem alerts join the analytics' ones in the snapshot. */
static void add_host_parts(struct metrics_service *p, json_t *insights)
{
    pulse_insight list[PULSE_FS_MAX_EVENTS];
    size_t n = 0;
    hostscan_active(p->hs, list, PULSE_FS_MAX_EVENTS, &n);
    for (size_t i = 0; i < n && insights; i++) {
        json_t *o = NULL;
        if (pulse_insight_json(&list[i], &o) == 0)
            json_array_append_new(insights, o);
    }
}

/* Every name `history` answers now: the base metrics, then this host's in the order they came. */
static json_t *history_names(const struct metrics_service *p)
{
    json_t *a = json_array();
    for (int i = 0; a && i < pulse_catalog_count(p->cat); i++)
        json_array_append_new(a, json_string(pulse_catalog_name(p->cat, i)));
    return a ? a : json_null();
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
    if (metrics)
        pulse_metrics_json_extras(metrics, &p->latest, hostscan_fs(p->hs), PULSE_GROUP_ALL);
    if (pulse_active_insights_json(p->an, &insights) < 0)
        insights = json_array();
    add_host_parts(p, insights);
    json_t *host = NULL;
    if (pulse_host_json(hostscan_host(p->hs), &host) < 0)
        host = json_null();
    return json_pack("{s:s, s:o, s:o, s:o, s:{s:I, s:I}, s:o, s:o}", "type", "snapshot", "metrics",
                     metrics ? metrics : json_null(), "analytics", analytics, "insights", insights,
                     "server", "connections", (json_int_t)p->hub->conns.ws_count, "uptime_s",
                     (json_int_t)hub_uptime_s(p->hub), "host", host, "history_metrics",
                     history_names(p));
}

int metrics_service_history(struct metrics_service *p, const char *metric, long long seconds,
                            json_t **out)
{
    return pulse_history_json_id(p->hist, pulse_catalog_id(p->cat, metric), metric, seconds,
                                 (int64_t)pulse_wall_ms(), out);
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
    /* What a kill -9 would lose now: the samples after the last commit (docs/OPERATIONS.md). */
    gauge(out, "pulse_history_memory_bytes",
          "Bytes held by the in-memory history (timestamps and the columns of metrics seen).",
          (double)pulse_history_memory_bytes(p->hist));
    gauge(out, "pulse_history_committed_timestamp_ms",
          "Newest sample in the database (committed), ms since the epoch; 0 before the first.",
          (double)p->committed_ts);
    gauge(out, "pulse_history_uncommitted_samples",
          "Samples sent to clients but not committed yet (in the transaction being written and "
          "queued behind it).",
          p->store ? (double)(p->pending.count + p->writing.count) : 0);
}

int metrics_service_insights(struct metrics_service *p, json_t *seconds, json_t *limit,
                             json_t **out)
{
    return insight_history_reply(&p->insights, seconds, limit, (int64_t)pulse_wall_ms(), out);
}

int metrics_service_history_batch(struct metrics_service *p, json_t *metrics, json_t *seconds,
                                  json_t *points, json_t **out, const char **detail)
{
    return pulse_series_reply_json(p->hist, p->cat, metrics, seconds, points,
                                   (int64_t)pulse_wall_ms(), out, detail);
}
