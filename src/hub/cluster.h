/* Hooks through which the hub and the metrics service reach cluster mode without depending on
 * it: the fleet layer sits above them and fills this table at start-up; when the node is alone
 * every hook is NULL. `user` is handed back to each hook. */
#ifndef PULSE_CLUSTER_H
#define PULSE_CLUSTER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct conn;

struct cluster_hooks {
    void *user;
    /* This node's name, added as "host" to metrics and insight frames; NULL when alone. */
    const char *host;
    /* A WebSocket connection opened (or signed in: its presence changed) / is closing. */
    void (*conn_open)(void *user, struct conn *c);
    void (*conn_closed)(void *user, struct conn *c);
    /* A "message" frame (its JSON text) published here on `channel`, for the other nodes. */
    void (*publish)(void *user, const char *channel, const char *json, size_t len);
    /* A direct message from `c` already given to `local` connections here: 0 when the cluster
     * answers `c` later, else the caller answers for this node alone. */
    int (*direct)(void *user, struct conn *c, json_t *req_id, const char *to, const char *json,
                  size_t len, unsigned local);
    /* (Un)subscribing `c` to a metrics channel of node `host`: 0 done, 1 `host` is this node,
     * -EINVAL bad name, -E2BIG too many, -ENOMEM. */
    int (*subscribe)(void *user, struct conn *c, const char *channel, const char *host);
    int (*unsubscribe)(void *user, struct conn *c, const char *channel, const char *host);
    /* The history reply for node `host`: 0 with *out, 1 `host` is this node, -ESRCH unknown
     * node, -ENOENT unknown metric, -EINVAL bad seconds. */
    int (*history)(void *user, const char *host, const char *metric, long long seconds,
                   json_t **out);
    /* Adds the cluster's part ("node", "nodes", "redis") to a stats reply. */
    void (*stats)(void *user, json_t *reply);
    /* A new sample (values per collector metric id) and its whole metrics frame (which the hook
     * may add to). */
    void (*sample)(void *user, int64_t ts_ms, const double *values, json_t *frame);
    /* An insight frame (its JSON text) raised here. */
    void (*insight)(void *user, const char *json, size_t len);
};

#endif
