/* The one server struct that every layer's state hangs off (app/startup.c runs it). */
#ifndef PULSE_SERVER_H
#define PULSE_SERVER_H

#include <uv.h>

#include "app/config.h"
#include "app/index_page.h"
#include "base/log.h"
#include "fleet/fleet.h"
#include "hub/hub.h"
#include "metrics/metrics_service.h"
#include "net/assets.h"
#include "net/net.h"

struct pulse_server {
    uv_loop_t *loop;
    struct pulse_config cfg;
    struct logger log;
    struct net net; /* listener, connections' streams, write path, timers */
    struct hub hub; /* connections, channels, message types */
    struct assets assets;
    struct index_page index; /* the dashboard page split at its snapshot slot (http_api.c) */
    struct metrics_service *metrics;
    struct fleet *fleet; /* cluster mode (--redis), or NULL */
    uv_signal_t sig_term, sig_int;
    uv_signal_t sig_hup; /* re-reads the configuration (log level and format) */
    int argc;            /* the command line, for that re-read */
    char **argv;
};

#endif
