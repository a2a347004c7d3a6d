/* A non-blocking Redis client on the libuv loop (hiredis async API and its libuv adapter): one
 * command connection and one subscriber connection, AUTH (ACL user and password) and SELECT on
 * each connect, a name lookup off the loop (uv_getaddrinfo), a connect timeout, a PING health
 * check, reconnection with capped exponential backoff, and the subscriptions restored after
 * every reconnect. Logs once when Redis is lost and once when it is back. */
#ifndef PULSE_REDIS_CLIENT_H
#define PULSE_REDIS_CLIENT_H

#include <hiredis/async.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/log.h"
#include "fleet/redis_url.h"

#define RC_MAX_CHANNELS 8
#define RC_BACKOFF_MIN_MS 200
#define RC_BACKOFF_MAX_MS 3000
#define RC_CONNECT_TIMEOUT_MS 3000
#define RC_PING_MS 2000
#define RC_OBUF_MAX (16u << 20) /* commands are dropped while this much waits to be written */

struct redis_client_cfg {
    uv_loop_t *loop;
    struct redis_url url;
    const struct logger *log;
    /* A message on a subscribed channel. */
    void (*on_message)(void *ud, const char *channel, const char *data, size_t len);
    /* Both connections are ready (up = 1), or one of them was lost (up = 0). */
    void (*on_state)(void *ud, int up);
    void *ud;
};

struct redis_client_stats {
    uint64_t connects; /* times both connections became ready */
    uint64_t losses;   /* times a ready client lost Redis */
    uint64_t dropped;  /* commands refused: not connected or output backlog full */
    uint64_t received; /* messages received on subscribed channels */
};

struct redis_client;

/* Allocates a client (not connected yet): 0 or -ENOMEM. */
int redis_client_new(const struct redis_client_cfg *cfg, struct redis_client **out);

/* Adds a channel to subscribe to (now if connected, and after every reconnect): 0, -E2BIG or
 * -ENAMETOOLONG. */
int redis_client_subscribe(struct redis_client *rc, const char *channel);

/* Starts connecting (and reconnecting whenever Redis is lost). */
void redis_client_start(struct redis_client *rc);

/* Disconnects and closes the timers; the loop can then end. */
void redis_client_stop(struct redis_client *rc);

/* Frees the client once the loop has ended (after redis_client_stop); NULL is fine. */
void redis_client_free(struct redis_client *rc);

/* Whether both connections are ready. */
int redis_client_up(const struct redis_client *rc);

/* The counters. */
const struct redis_client_stats *redis_client_stats(const struct redis_client *rc);

/* Sends a command on the command connection; `cb` (may be NULL) gets the reply, or NULL when the
 * connection ends first. 0, or -ENOTCONN / -ENOBUFS (counted as dropped; cb is not called). */
int redis_client_command(struct redis_client *rc, redisCallbackFn *cb, void *priv, int argc,
                         const char **argv, const size_t *argvlen);

#endif
