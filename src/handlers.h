/* The handlers of client messages (one function per `type`) and the route table. */
#ifndef PULSE_HANDLERS_H
#define PULSE_HANDLERS_H

#include <stddef.h>

#include "server.h"

/* Prepares the router of `srv`. */
void handlers_init(struct pulse_server *srv);

/* Handles one complete WebSocket message of a connection: rate limit, then dispatch. */
void handlers_message(struct pulse_server *srv, struct conn *c, int opcode, const char *data,
                      size_t len);

/* Releases what the handlers hold when the server stops (idempotent). */
void handlers_stop(struct pulse_server *srv);

#endif
