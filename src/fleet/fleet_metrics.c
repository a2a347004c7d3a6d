/* Metrics across nodes: this node's samples into the streams and onto the bus, the mirrors of
 * other nodes (their history and latest frame), and remote metrics subscriptions. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/envelope.h"
#include "fleet/fleet_internal.h"
#include "hub/frame.h"
#include "metrics/metrics_json.h"

#define STREAM_KEEP_MS "604800000"
#define ENTRY_MAX 1024

static const struct {
    const char *key;
    unsigned group;
} groups[] = {{"cpu", PULSE_GROUP_CPU},         {"memory", PULSE_GROUP_MEMORY},
              {"network", PULSE_GROUP_NETWORK}, {"disk", PULSE_GROUP_DISK},
              {"load", PULSE_GROUP_LOAD},       {"system", PULSE_GROUP_SYSTEM}};

/* ---- this node's samples ------------------------------------------------------------------ */

static void xadd(struct fleet *f, enum fleet_key_kind kind, int64_t ts, long maxlen,
                 const char *entry)
{
    char key[FLEET_KEY_MAX], id[32], max[24];
    fleet_key(key, sizeof(key), f->prefix, kind, f->name);
    snprintf(id, sizeof(id), "%lld-*", (long long)ts);
    snprintf(max, sizeof(max), "%ld", maxlen);
    redis_client_command(f->rc, NULL, NULL, 8,
                         (const char *[]){"XADD", key, "MAXLEN", "~", max, id, "v", entry}, NULL);
    if (kind == FK_HIST_MIN) /* a node gone for good leaves nothing behind after 7 days */
        redis_client_command(f->rc, NULL, NULL, 3, (const char *[]){"PEXPIRE", key, STREAM_KEEP_MS},
                             NULL);
}

void fleet_sample(void *user, int64_t ts_ms, const double *values, json_t *frame)
{
    struct fleet *f = user;
    char entry[ENTRY_MAX], min_entry[ENTRY_MAX];
    double avg[PULSE_METRIC_COUNT];
    int64_t min_ts;
    int done = minute_acc_add(&f->acc, ts_ms, values, &min_ts, avg);
    if (!f->up || stream_values_encode(values, PULSE_METRIC_COUNT, entry, sizeof(entry)) < 0)
        return;
    xadd(f, FK_HIST_RAW, ts_ms, f->raw_maxlen, entry);
    if (done && stream_values_encode(avg, PULSE_METRIC_COUNT, min_entry, sizeof(min_entry)) > 0)
        xadd(f, FK_HIST_MIN, min_ts, STREAM_MIN_ENTRIES, min_entry);
    if (!frame)
        return;
    json_object_set_new(frame, "host", json_string(f->name));
    char *text = json_dumps(frame, JSON_COMPACT | REPLY_JSON_FLAGS);
    if (text)
        fleet_send(f, f->bus, ENV_METRICS, entry, strlen(entry), text, strlen(text));
    free(text);
}

/* ---- mirrors ------------------------------------------------------------------------------ */

void fleet_mirror_free(void *p)
{
    struct mirror *m = p;
    pulse_history_free(m->hist);
    json_decref(m->latest);
    free(m);
}

/* Calls sink(hist, ts, values) for every entry of an XRANGE reply, oldest first. */
static void each_entry(redisReply *reply, pulse_history *h,
                       int (*sink)(pulse_history *, int64_t, const double *))
{
    double v[PULSE_METRIC_COUNT];
    for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        redisReply *e = reply->element[i];
        int64_t ts;
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY ||
            e->element[1]->elements != 2)
            continue;
        redisReply *val = e->element[1]->element[1];
        if (val->type == REDIS_REPLY_STRING &&
            stream_id_ms(e->element[0]->str, e->element[0]->len, &ts) == 0 &&
            stream_values_decode(val->str, val->len, v, PULSE_METRIC_COUNT) == 0)
            sink(h, ts, v); /* older or repeated points are refused by the history: fine */
    }
}

static void on_minutes(redisAsyncContext *ac, void *r, void *priv)
{
    (void)ac;
    struct mirror *m = priv;
    each_entry(r, m->hist, pulse_history_load_minute);
}

static void on_raw(redisAsyncContext *ac, void *r, void *priv)
{
    (void)ac;
    struct mirror *m = priv;
    each_entry(r, m->hist, pulse_history_add);
    m->loading = 0;
    m->loaded = r != NULL;
}

void fleet_mirror_load(struct fleet *f, struct fleet_node *n)
{
    pulse_history_config hc;
    struct mirror *m = n->data;
    if (!m) {
        unsigned count = 0;
        for (struct fleet_node *x = f->nodes.by_name; x; x = x->hh.next)
            count += x->data != NULL;
        if (count >= FLEET_MAX_MIRRORS || !(m = calloc(1, sizeof(*m))))
            return;
        pulse_history_config_default(&hc);
        hc.interval_ms = (uint32_t)f->interval_ms;
        if (stream_raw_maxlen(hc.interval_ms) < STREAM_RAW_SECONDS * 1000L / hc.interval_ms)
            hc.fine_seconds = (uint32_t)(STREAM_RAW_MAX_ENTRIES * (uint64_t)hc.interval_ms / 1000);
        if (pulse_history_new(&hc, &m->hist) < 0) {
            free(m);
            return;
        }
        n->data = m;
    }
    if (!f->up || m->loading || m->loaded)
        return;
    char kmin[FLEET_KEY_MAX], kraw[FLEET_KEY_MAX], from_min[24], from_raw[24];
    int64_t now = (int64_t)pulse_wall_ms();
    fleet_key(kmin, sizeof(kmin), f->prefix, FK_HIST_MIN, n->name);
    fleet_key(kraw, sizeof(kraw), f->prefix, FK_HIST_RAW, n->name);
    snprintf(from_min, sizeof(from_min), "%lld", (long long)(now - 7LL * 24 * 3600 * 1000));
    snprintf(from_raw, sizeof(from_raw), "%lld", (long long)(now - STREAM_RAW_SECONDS * 1000LL));
    /* Minutes first, so that replayed samples only rebuild the minutes the stream lacks. */
    if (redis_client_command(f->rc, on_minutes, m, 4,
                             (const char *[]){"XRANGE", kmin, from_min, "+"}, NULL) == 0 &&
        redis_client_command(f->rc, on_raw, m, 4, (const char *[]){"XRANGE", kraw, from_raw, "+"},
                             NULL) == 0)
        m->loading = 1;
}

/* ---- remote subscriptions ----------------------------------------------------------------- */

/* A copy of a whole metrics frame holding only the groups in mask. */
static json_t *filter_frame(json_t *full, unsigned mask)
{
    json_t *o = json_copy(full);
    for (size_t i = 0; o && i < sizeof(groups) / sizeof(groups[0]); i++)
        if (!(mask & groups[i].group))
            json_object_del(o, groups[i].key);
    return o;
}

static unsigned host_mask(const struct rsub *s, const char *host)
{
    unsigned mask = 0;
    for (unsigned i = 0; i < s->n; i++)
        if (strcmp(s->s[i].host, host) == 0)
            mask |= s->s[i].mask;
    return mask;
}

static void send_filtered(struct conn *c, json_t *full, unsigned mask, struct pbuf **cache)
{
    if (!cache[mask]) {
        json_t *o = filter_frame(full, mask);
        cache[mask] = o ? frame_json_flags(o, REPLY_JSON_FLAGS) : NULL;
        json_decref(o);
        if (cache[mask])
            cache[mask]->kind = PBUF_COALESCE;
    }
    if (cache[mask])
        conn_send_coalesced(c, cache[mask]);
}

static void fan_out_remote(struct fleet *f, const char *host, json_t *full)
{
    struct pbuf *cache[PULSE_GROUP_ALL + 1] = {0};
    struct rsub *s, *tmp;
    HASH_ITER(hh, f->rsubs, s, tmp)
    {
        unsigned mask = host_mask(s, host) & PULSE_GROUP_ALL;
        struct conn *c = mask ? conn_mgr_find(&f->hub->conns, s->id) : NULL;
        if (c && conn_is_ws(c))
            send_filtered(c, full, mask, cache);
    }
    for (unsigned m = 0; m <= PULSE_GROUP_ALL; m++)
        pbuf_unref(cache[m]);
}

void fleet_metrics_received(struct fleet *f, const char *origin, const char *values, size_t vlen,
                            const char *json, size_t len)
{
    int64_t now = (int64_t)pulse_wall_ms();
    struct fleet_node *n = nodes_seen(&f->nodes, origin, now);
    if (!n)
        return;
    if (!n->data || (!((struct mirror *)n->data)->loaded && !((struct mirror *)n->data)->loading))
        fleet_mirror_load(f, n);
    struct mirror *m = n->data;
    json_t *full = json_loadb(json, len, 0, NULL);
    json_t *ts = json_object_get(full, "ts");
    if (!json_is_object(full) || !json_is_integer(ts)) {
        json_decref(full);
        return;
    }
    double v[PULSE_METRIC_COUNT];
    if (m && m->loaded && stream_values_decode(values, vlen, v, PULSE_METRIC_COUNT) == 0)
        pulse_history_add(m->hist, json_integer_value(ts), v);
    if (m) {
        json_decref(m->latest);
        m->latest = json_incref(full);
    }
    fan_out_remote(f, origin, full);
    json_decref(full);
}

void fleet_rsubs_drop(struct fleet *f, const char *conn_id)
{
    struct rsub *s = NULL;
    HASH_FIND_STR(f->rsubs, conn_id, s);
    if (s) {
        HASH_DEL(f->rsubs, s);
        free(s);
    }
}

int fleet_subscribe(void *user, struct conn *c, const char *channel, const char *host)
{
    struct fleet *f = user;
    int mask = pulse_channel_groups(channel);
    if (strcmp(host, f->name) == 0)
        return 1;
    if (!fleet_node_name_ok(host) || mask <= 0)
        return -EINVAL;
    struct rsub *s = NULL;
    HASH_FIND_STR(f->rsubs, c->id, s);
    if (!s) {
        if (!(s = calloc(1, sizeof(*s))))
            return -ENOMEM;
        snprintf(s->id, sizeof(s->id), "%s", c->id);
        HASH_ADD_STR(f->rsubs, id, s);
    }
    unsigned i = 0;
    while (i < s->n && (strcmp(s->s[i].host, host) || strcmp(s->s[i].channel, channel)))
        i++;
    if (i == s->n) {
        if (s->n >= FLEET_RSUBS_PER_CONN)
            return -E2BIG;
        s->n++;
        snprintf(s->s[i].host, sizeof(s->s[i].host), "%s", host);
        snprintf(s->s[i].channel, sizeof(s->s[i].channel), "%s", channel);
        s->s[i].mask = (unsigned)mask;
    }
    struct fleet_node *n = nodes_find(&f->nodes, host);
    struct mirror *m = n ? n->data : NULL;
    if (m && m->latest) { /* a new subscriber gets the latest frame at once */
        struct pbuf *cache[PULSE_GROUP_ALL + 1] = {0};
        send_filtered(c, m->latest, host_mask(s, host) & PULSE_GROUP_ALL, cache);
        pbuf_unref(cache[host_mask(s, host) & PULSE_GROUP_ALL]);
    }
    return 0;
}

int fleet_unsubscribe(void *user, struct conn *c, const char *channel, const char *host)
{
    struct fleet *f = user;
    if (strcmp(host, f->name) == 0)
        return 1;
    struct rsub *s = NULL;
    HASH_FIND_STR(f->rsubs, c->id, s);
    for (unsigned i = 0; s && i < s->n; i++)
        if (strcmp(s->s[i].host, host) == 0 && strcmp(s->s[i].channel, channel) == 0) {
            s->s[i] = s->s[--s->n];
            break;
        }
    if (s && s->n == 0)
        fleet_rsubs_drop(f, c->id);
    return 0;
}

int fleet_history(void *user, const char *host, const char *metric, long long seconds, json_t **out)
{
    struct fleet *f = user;
    if (strcmp(host, f->name) == 0)
        return 1;
    struct fleet_node *n = nodes_find(&f->nodes, host);
    struct mirror *m = n ? n->data : NULL;
    if (!m)
        return -ESRCH;
    int rc = pulse_history_json(m->hist, metric, seconds, (int64_t)pulse_wall_ms(), out);
    if (rc == 0)
        json_object_set_new(*out, "host", json_string(host));
    return rc;
}
