/* State shared by the fleet's source files (not part of its API). */
#ifndef PULSE_FLEET_INTERNAL_H
#define PULSE_FLEET_INTERNAL_H

#include <jansson.h>
#include <uthash.h>
#include <uv.h>

#include "base/clock.h"
#include "base/log.h"
#include "hub/hub.h"
#include "fleet/keys.h"
#include "fleet/nodes.h"
#include "fleet/redis_client.h"
#include "fleet/streams.h"
#include "metrics/history.h"

#define FLEET_BEAT_MS 2000       /* registry heartbeat and refresh */
#define FLEET_PRESENCE_MS 3000   /* presence refresh */
#define FLEET_PRESENCE_TTL 10000 /* presence expiry: a dead node's connections vanish after it */
#define FLEET_MAX_MIRRORS 64     /* other nodes whose history a node mirrors */
#define FLEET_RSUBS_PER_CONN 16  /* remote metrics subscriptions per connection */
#define FLEET_NODES_KEEP_MS (7LL * 24 * 3600 * 1000)

/* What a node keeps of another node: its history (from the streams, then live) and its latest
 * whole metrics frame. */
struct mirror {
    pulse_history *hist;
    json_t *latest;
    int loading; /* the streams are being read: live samples wait */
    int loaded;
};

/* The remote metrics subscriptions of one connection. */
struct rsub {
    char id[48];
    unsigned n;
    struct {
        char host[FLEET_NODE_MAX + 1];
        unsigned mask;
        char channel[65];
    } s[FLEET_RSUBS_PER_CONN];
    UT_hash_handle hh;
};

struct fleet {
    uv_loop_t *loop;
    const struct logger *log;
    struct hub *hub;
    long interval_ms;
    struct redis_client *rc;
    char name[FLEET_NODE_MAX + 1];
    char prefix[80];
    char bus[FLEET_KEY_MAX], inbox[FLEET_KEY_MAX];
    struct fleet_nodes nodes; /* other nodes (this one is added when listed) */
    struct minute_acc acc;
    struct rsub *rsubs;
    uv_timer_t beat, presence;
    long raw_maxlen;
    int up, stopped;
    uint64_t forwarded, received, lookups;
};

/* Publishes an envelope on a pub/sub channel: 0, or a negative errno (counted, not logged). */
int fleet_send(struct fleet *f, const char *channel, int kind, const char *arg, size_t arg_len,
               const char *payload, size_t len);

/* Handles a message from the bus or this node's inbox. */
void fleet_on_message(void *ud, const char *channel, const char *data, size_t len);

/* Mirrors: an envelope of kind metrics from another node, a node first seen, and freeing. */
void fleet_metrics_received(struct fleet *f, const char *origin, const char *values, size_t vlen,
                            const char *json, size_t len);
void fleet_mirror_load(struct fleet *f, struct fleet_node *n);
void fleet_mirror_free(void *m);

/* Forgets the remote subscriptions of a connection that closed. */
void fleet_rsubs_drop(struct fleet *f, const char *conn_id);

/* Refreshes this connection's presence keys in Redis. */
void fleet_presence_one(struct fleet *f, struct conn *c);

/* The cluster hooks (see hub/cluster.h); `user` is the fleet. */
void fleet_conn_open(void *user, struct conn *c);
void fleet_conn_closed(void *user, struct conn *c);
void fleet_publish(void *user, const char *channel, const char *json, size_t len);
int fleet_direct(void *user, struct conn *c, json_t *req_id, const char *to, const char *json,
                 size_t len, unsigned local);
void fleet_insight(void *user, const char *json, size_t len);
void fleet_sample(void *user, int64_t ts_ms, const double *values, json_t *frame);
int fleet_subscribe(void *user, struct conn *c, const char *channel, const char *host);
int fleet_unsubscribe(void *user, struct conn *c, const char *channel, const char *host);
int fleet_history(void *user, const char *host, const char *metric, long long seconds,
                  json_t **out);
void fleet_stats(void *user, json_t *reply);

#endif
