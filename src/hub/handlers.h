/* The handlers of client messages (one function per `type`) and the message-type table. */
#ifndef PULSE_HANDLERS_H
#define PULSE_HANDLERS_H

#include <jansson.h>
#include <stddef.h>

#include "hub/hub.h"

/* Points the hub's router at the message-type table. */
void handlers_init(struct hub *h);

/* Handles one complete WebSocket message of a connection: rate limit, then dispatch. */
void handlers_message(struct conn *c, int opcode, const char *data, size_t len);

/* Validates the fields of a history request and builds the reply: 0, or ROUTE_ERR(code) with
 * `detail` possibly set. */
int handlers_history_reply(struct hub *h, json_t *metric, json_t *seconds, json_t **out,
                           const char **detail);

#endif
