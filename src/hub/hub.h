/* The hub: WebSocket connections, channels and the message types, above the net and below the
 * services. It reaches the services above it (the metrics service) only through hub_services. */
#ifndef PULSE_HUB_H
#define PULSE_HUB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "hub/broadcast.h"
#include "hub/cluster.h"
#include "hub/conn.h"
#include "hub/router.h"
#include "net/net.h"

struct hub_limits {
    long rate_limit;       /* messages per second per connection */
    long rate_burst;       /* token bucket size */
    long heartbeat_ms;     /* announced in the welcome */
    const char *node_name; /* prefix of connection ids, or "" */
};

struct hub_counters {
    uint64_t messages_in; /* client data messages received (frames out: conn_mgr) */
    uint64_t dropped;     /* messages discarded over the rate limit */
};

/* What the hub asks of the services above it; a NULL hook means the service is absent. */
struct hub_services {
    void *user;
    /* `c` subscribed to a metrics channel: send it the latest sample with its groups. */
    void (*send_latest)(void *user, struct conn *c);
    /* The snapshot reply {"type":"snapshot",...} (new reference), or NULL. */
    json_t *(*snapshot)(void *user);
    /* The history reply: 0 with *out set, -ENOENT (unknown metric), -EINVAL (bad seconds). */
    int (*history)(void *user, const char *metric, long long seconds, json_t **out);
    /* The batched history reply ({"metrics":[...]}): 0, -EINVAL (bad_request, *detail set) or
     * -ENOENT (unknown_metric). */
    int (*history_batch)(void *user, json_t *metrics, json_t *seconds, json_t *points, json_t **out,
                         const char **detail);
    /* The insights reply for the request's seconds and limit (NULL when absent): 0 with *out
     * set, or -EINVAL (not integers in range). */
    int (*insights)(void *user, json_t *seconds, json_t *limit, json_t **out);
    /* The host identity object sent as the welcome's "host" (new reference), or NULL. */
    json_t *(*host)(void *user);
};

struct hub {
    uv_loop_t *loop;
    const struct logger *log;
    const struct net *net; /* for its counters */
    struct hub_limits lim;
    struct hub_services svc;
    struct cluster_hooks cluster; /* cluster mode (the fleet layer), all NULL when alone */
    struct hub_counters counters;
    struct conn_mgr conns;
    struct broadcast bc;
    struct router router; /* the message-type table (hub/handlers.c) */
    struct auth auth;     /* the secret, users and their connections, refused tokens */
    uint64_t started_wall_ms;
};

/* Sets the hub up, empty; `lim.node_name` must outlive it. Its message types are set by
 * handlers_init. */
void hub_init(struct hub *h, uv_loop_t *loop, const struct logger *log, const struct net *net,
              const struct hub_limits *lim);

/* Frees every channel and subscription. */
void hub_free(struct hub *h);

/* Seconds since the hub started. */
uint64_t hub_uptime_s(const struct hub *h);

/* Frames discarded, by the hub and the net together. */
uint64_t hub_dropped(const struct hub *h);

/* The hub that holds `c`. */
static inline struct hub *conn_hub(const struct conn *c)
{
    return (struct hub *)((char *)c->mgr - offsetof(struct hub, conns));
}

/* The connection whose identity is `id`. */
static inline struct conn *conn_of_ident(struct auth_ident *id)
{
    return (struct conn *)((char *)id - offsetof(struct conn, ident));
}

/* Auth mode when `secret_file` is not empty: loads the secret and starts the expiry timer and
 * SIGHUP rotation. 0, or a negative errno with a one-line reason in `why`. */
int hub_auth_start(struct hub *h, const char *secret_file, char *why, size_t whylen);

/* Net hook: a connection was accepted; it gets its id. */
void hub_conn_open(struct hub *h, struct conn *c);

/* Net hook: the connection became a WebSocket; it gets its rate limit and the welcome. */
void hub_ws_open(struct conn *c);

/* Net hook: the connection is closing; it leaves its channels and the index. */
void hub_conn_close(struct conn *c);

#endif
