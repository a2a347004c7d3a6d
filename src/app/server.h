/* The one server struct that every module's state hangs off, passed down explicitly. */
#ifndef PULSE_SERVER_H
#define PULSE_SERVER_H

#include <stdint.h>
#include <uv.h>

#include "net/assets.h"
#include "hub/broadcast.h"
#include "app/config.h"
#include "hub/conn.h"
#include "base/log.h"
#include "hub/router.h"

struct pulse_counters {
    uint64_t messages_in;  /* client data messages received */
    uint64_t messages_out; /* data frames queued to clients */
    uint64_t bytes_out;    /* bytes written to sockets */
    uint64_t dropped; /* messages discarded: over the rate limit, or queued to a slow consumer */
    uint64_t slow_closes; /* connections closed for an overflowing queue */
    uint64_t auth_failures;
};

struct pulse_server {
    uv_loop_t *loop;
    struct pulse_config cfg;
    struct logger log;
    uv_tcp_t listener;
    uv_check_t flusher;    /* writes every dirty connection once per loop iteration */
    uv_idle_t resumer;     /* answers the HTTP requests put off to the next iteration */
    uv_timer_t heartbeat;  /* WebSocket pings and the silent-peer check */
    uv_timer_t sweep;      /* idle HTTP and draining connections */
    uv_timer_t stop_timer; /* bounds the shutdown */
    uv_signal_t sig_term, sig_int;
    struct conn_mgr conns;
    struct broadcast bc;
    struct router router;
    struct assets assets;
    struct provider *prov; /* metrics: collector, history, analytics, store */
    struct pulse_counters counters;
    struct conn *dirty;   /* connections with frames to write this iteration */
    struct conn *resumes; /* HTTP connections whose stashed requests wait for the resumer */
    size_t queued_total;
    uint64_t started_wall_ms;
    int port; /* the bound port */
    int stopping;
    int argc; /* the command line, for SIGHUP's re-read of the configuration */
    char **argv;
    char read_buf[65536]; /* shared: a read callback consumes it before returning */
};

/* Milliseconds since the Unix epoch. */
uint64_t pulse_wall_ms(void);

/* Seconds since the daemon started. */
uint64_t pulse_uptime_s(const struct pulse_server *srv);

#endif
