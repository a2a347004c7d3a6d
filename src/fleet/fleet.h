/* Cluster mode (SPEC section 6): several nodes share one Redis. Publish, direct and insights
 * cross nodes over pub/sub (each message delivered once per recipient connection; a node skips
 * its own), presence of connections lives in Redis with expiry, every node publishes its metrics
 * with "host" and appends its samples to Redis Streams, and each node mirrors the other nodes'
 * history so that `history` with a `host` is answered at once. It plugs into the hub and the
 * metrics service through the hub's cluster hooks. Losing Redis never stops local service. */
#ifndef PULSE_FLEET_H
#define PULSE_FLEET_H

#include <stddef.h>
#include <stdio.h>
#include <uv.h>

#include "base/log.h"
#include "hub/hub.h"

struct fleet_options {
    const char *redis;     /* the --redis URL (checked by fleet_check_options) */
    const char *node_name; /* this node's name */
    const char *prefix;    /* of every Redis key and channel */
    long interval_ms;      /* the sampling interval: sizes the streams and mirrors */
};

struct fleet;

/* Checks --redis, --node-name and --redis-prefix, filling the defaults (the host name, and
 * "pulse:"; node_cap and prefix_cap are the buffers' sizes): 0, or -EINVAL with a one-line
 * reason (exit 2). */
int fleet_check_options(const char *redis, char *node_name, size_t node_cap, char *prefix,
                        size_t prefix_cap, char *why, size_t whylen);

/* Starts cluster mode (connecting in the background) and installs the hub's cluster hooks:
 * 0, or -ENOMEM with `why` filled. `*out` is set even on failure, for fleet_free; the options'
 * strings must outlive the fleet. */
int fleet_start(struct fleet **out, uv_loop_t *loop, const struct logger *log, struct hub *hub,
                const struct fleet_options *opt, char *why, size_t whylen);

/* Disconnects from Redis and closes the timers (idempotent; NULL is fine). */
void fleet_stop(struct fleet *f);

/* Frees everything after the loop ended (NULL is fine). */
void fleet_free(struct fleet *f);

/* Writes pulse_redis_* in the Prometheus text format (pulse_redis_connected 0 when alone). */
void fleet_prometheus(const struct fleet *f, FILE *out);

#endif
