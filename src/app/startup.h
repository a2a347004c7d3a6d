/* The daemon's life cycle: wiring the layers together, running the loop, stopping on a signal. */
#ifndef PULSE_STARTUP_H
#define PULSE_STARTUP_H

#include "app/server.h"

/* Starts every layer on the default loop, prints the listening line and runs until a graceful
 * stop (SIGTERM, SIGINT); returns the exit code. `srv->cfg` is filled, the rest zeroed. */
int server_run(struct pulse_server *srv);

/* The table through which the net reaches the hub and the HTTP API (net->user is the server). */
const struct net_hooks *startup_net_hooks(void);

#endif
