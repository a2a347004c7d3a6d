/* The handlers of client messages (one function per `type`) and the route table. */
#ifndef PULSE_HANDLERS_H
#define PULSE_HANDLERS_H

#include <jansson.h>
#include <stddef.h>

#include "app/server.h"

/* Prepares the router of `srv`. */
void handlers_init(struct pulse_server *srv);

/* Handles one complete WebSocket message of a connection: rate limit, then dispatch. */
void handlers_message(struct pulse_server *srv, struct conn *c, int opcode, const char *data,
                      size_t len);

/* Validates the fields of a history request and builds the reply: 0, or ROUTE_ERR(code) with
 * `detail` possibly set. */
int handlers_history_reply(struct pulse_server *srv, json_t *metric, json_t *seconds, json_t **out,
                           const char **detail);

/* Releases what the handlers hold when the server stops (idempotent). */
void handlers_stop(struct pulse_server *srv);

#endif
