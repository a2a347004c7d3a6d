#include "fleet/fleet.h"

#include "fleet/fleet_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/envelope.h"

/* The host name as a node name: characters outside [A-Za-z0-9_.-] become '-'. */
static void default_node_name(char *out, size_t cap)
{
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) != 0 || !host[0])
        strcpy(host, "pulse");
    host[FLEET_NODE_MAX] = '\0';
    for (char *p = host; *p; p++)
        if (!strchr("_.-", *p) && !(*p >= '0' && *p <= '9') &&
            !((*p | 32) >= 'a' && (*p | 32) <= 'z'))
            *p = '-';
    snprintf(out, cap, "%s", host);
}

int fleet_check_options(const char *redis, char *node_name, size_t node_cap, char *prefix,
                        size_t prefix_cap, char *why, size_t whylen)
{
    struct redis_url u;
    if (!node_name[0])
        default_node_name(node_name, node_cap);
    if (!fleet_node_name_ok(node_name)) {
        snprintf(why, whylen, "--node-name: '%.64s' must match [A-Za-z0-9_.-]{1,63}", node_name);
        return -EINVAL;
    }
    if (!prefix[0])
        snprintf(prefix, prefix_cap, "pulse:");
    if (!fleet_prefix_ok(prefix)) {
        snprintf(why, whylen, "--redis-prefix: 1..64 printable characters without spaces");
        return -EINVAL;
    }
    return redis_url_parse(redis, &u, why, whylen);
}

int fleet_send(struct fleet *f, const char *channel, int kind, const char *arg, size_t arg_len,
               const char *payload, size_t len)
{
    struct envelope e = {
        (enum envelope_kind)kind, f->name, strlen(f->name), arg, arg_len, payload, len};
    size_t size = envelope_size(&e);
    char *buf = malloc(size);
    if (!buf)
        return -ENOMEM;
    long n = envelope_encode(&e, buf, size);
    int rc = -EINVAL;
    if (n > 0) {
        const char *argv[] = {"PUBLISH", channel, buf};
        size_t lens[] = {7, strlen(channel), (size_t)n};
        rc = redis_client_command(f->rc, NULL, NULL, 3, argv, lens);
    }
    free(buf);
    if (rc == 0)
        f->forwarded++;
    return rc;
}

/* ---- the node registry -------------------------------------------------------------------- */

static void on_nodes(redisAsyncContext *ac, void *r, void *priv)
{
    (void)ac;
    struct fleet *f = priv;
    redisReply *reply = r;
    if (!reply || f->stopped || reply->type != REDIS_REPLY_ARRAY)
        return;
    int64_t now = (int64_t)pulse_wall_ms();
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        redisReply *k = reply->element[i], *v = reply->element[i + 1];
        int64_t ms;
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            nodes_parse_ms(v->str, v->len, &ms) < 0 || strcmp(k->str, f->name) == 0)
            continue;
        if (now - ms > FLEET_NODES_KEEP_MS) { /* gone for longer than history is kept */
            const char *argv[] = {"HDEL", "", k->str};
            char key[FLEET_KEY_MAX];
            fleet_key(key, sizeof(key), f->prefix, FK_NODES, NULL);
            argv[1] = key;
            redis_client_command(f->rc, NULL, NULL, 3, argv, NULL);
            continue;
        }
        struct fleet_node *n = nodes_seen(&f->nodes, k->str, ms);
        if (n)
            fleet_mirror_load(f, n);
    }
}

/* Every FLEET_BEAT_MS: says this node is alive, and reads who else is. */
static void on_beat(uv_timer_t *t)
{
    struct fleet *f = t->data;
    char key[FLEET_KEY_MAX], now[24];
    if (!f->up)
        return;
    fleet_key(key, sizeof(key), f->prefix, FK_NODES, NULL);
    snprintf(now, sizeof(now), "%llu", (unsigned long long)pulse_wall_ms());
    redis_client_command(f->rc, NULL, NULL, 4, (const char *[]){"HSET", key, f->name, now}, NULL);
    redis_client_command(f->rc, on_nodes, f, 2, (const char *[]){"HGETALL", key}, NULL);
}

static void presence_each(struct conn *c, void *arg)
{
    fleet_presence_one(arg, c);
}

static void on_presence(uv_timer_t *t)
{
    struct fleet *f = t->data;
    if (f->up)
        conn_mgr_foreach(&f->hub->conns, presence_each, f);
}

static void on_state(void *ud, int up)
{
    struct fleet *f = ud;
    f->up = up;
    if (up) {
        on_beat(&f->beat);
        on_presence(&f->presence);
    }
}

/* ---- life cycle --------------------------------------------------------------------------- */

static void install_hooks(struct fleet *f)
{
    struct cluster_hooks *h = &f->hub->cluster;
    h->user = f;
    h->host = f->name;
    h->conn_open = fleet_conn_open;
    h->conn_closed = fleet_conn_closed;
    h->publish = fleet_publish;
    h->direct = fleet_direct;
    h->subscribe = fleet_subscribe;
    h->unsubscribe = fleet_unsubscribe;
    h->history = fleet_history;
    h->stats = fleet_stats;
    h->sample = fleet_sample;
    h->insight = fleet_insight;
}

static int open_client(struct fleet *f, const struct fleet_options *opt, char *why, size_t whylen)
{
    struct redis_client_cfg rcfg = {.loop = f->loop,
                                    .log = f->log,
                                    .on_message = fleet_on_message,
                                    .on_state = on_state,
                                    .ud = f};
    if (redis_url_parse(opt->redis, &rcfg.url, why, whylen) < 0)
        return -EINVAL;
    if (redis_client_new(&rcfg, &f->rc) < 0 || redis_client_subscribe(f->rc, f->bus) < 0 ||
        redis_client_subscribe(f->rc, f->inbox) < 0) {
        snprintf(why, whylen, "cannot set up the Redis client");
        return -ENOMEM;
    }
    return 0;
}

int fleet_start(struct fleet **out, uv_loop_t *loop, const struct logger *log, struct hub *hub,
                const struct fleet_options *opt, char *why, size_t whylen)
{
    struct fleet *f = *out = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    f->loop = loop;
    f->log = log;
    f->hub = hub;
    f->interval_ms = opt->interval_ms;
    snprintf(f->name, sizeof(f->name), "%s", opt->node_name);
    snprintf(f->prefix, sizeof(f->prefix), "%s", opt->prefix);
    fleet_key(f->bus, sizeof(f->bus), f->prefix, FK_BUS, NULL);
    fleet_key(f->inbox, sizeof(f->inbox), f->prefix, FK_NODE, f->name);
    f->raw_maxlen = stream_raw_maxlen(opt->interval_ms);
    nodes_init(&f->nodes);
    minute_acc_init(&f->acc);
    uv_timer_init(loop, &f->beat);
    uv_timer_init(loop, &f->presence);
    f->beat.data = f->presence.data = f;
    int rc = open_client(f, opt, why, whylen);
    if (rc < 0)
        return rc;
    uv_timer_start(&f->beat, on_beat, FLEET_BEAT_MS, FLEET_BEAT_MS);
    uv_timer_start(&f->presence, on_presence, FLEET_PRESENCE_MS, FLEET_PRESENCE_MS);
    install_hooks(f);
    redis_client_start(f->rc);
    return 0;
}

void fleet_stop(struct fleet *f)
{
    if (!f || f->stopped)
        return;
    f->stopped = 1;
    uv_close((uv_handle_t *)&f->beat, NULL);
    uv_close((uv_handle_t *)&f->presence, NULL);
    if (f->rc)
        redis_client_stop(f->rc);
}

void fleet_free(struct fleet *f)
{
    if (!f)
        return;
    redis_client_free(f->rc);
    nodes_free(&f->nodes, fleet_mirror_free);
    struct rsub *s, *tmp;
    HASH_ITER(hh, f->rsubs, s, tmp)
    {
        HASH_DEL(f->rsubs, s);
        free(s);
    }
    free(f);
}

/* ---- reporting ---------------------------------------------------------------------------- */

void fleet_stats(void *user, json_t *reply)
{
    struct fleet *f = user;
    json_t *nodes = nodes_json(&f->nodes);
    json_t *self =
        json_pack("{s:s, s:I}", "name", f->name, "last_seen", (json_int_t)pulse_wall_ms());
    json_array_insert_new(nodes, 0, self);
    json_object_set_new(reply, "nodes", nodes);
    json_object_set_new(reply, "node", json_string(f->name));
    json_object_set_new(reply, "redis",
                        json_pack("{s:b, s:I, s:I}", "connected", f->up, "forwarded",
                                  (json_int_t)f->forwarded, "received", (json_int_t)f->received));
}

static void prom(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
            (unsigned long long)v);
}

void fleet_prometheus(const struct fleet *f, FILE *out)
{
    const struct redis_client_stats *st = f ? redis_client_stats(f->rc) : NULL;
    prom(out, "pulse_redis_connected", "gauge", "1 when connected to Redis (cluster mode).",
         f && f->up);
    prom(out, "pulse_redis_messages_forwarded_total", "counter",
         "Messages published to other nodes through Redis.", f ? f->forwarded : 0);
    prom(out, "pulse_redis_messages_received_total", "counter",
         "Messages received from other nodes through Redis.", f ? f->received : 0);
    prom(out, "pulse_redis_reconnects_total", "counter", "Times the Redis connection was regained.",
         st && st->connects ? st->connects - 1 : 0);
    prom(out, "pulse_redis_dropped_total", "counter",
         "Messages not forwarded because Redis was unavailable.", st ? st->dropped : 0);
    prom(out, "pulse_fleet_nodes", "gauge", "Nodes known in the fleet, this one included.",
         f ? f->nodes.count + 1 : 1);
}
