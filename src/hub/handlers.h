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

/* The same for the batched history request ({"metrics":[...],"seconds","points"}). */
int handlers_history_batch_reply(struct hub *h, json_t *metrics, json_t *seconds, json_t *points,
                                 json_t **out, const char **detail);

/* The same for an insights request (optional seconds and limit). */
int handlers_insights_reply(struct hub *h, json_t *seconds, json_t *limit, json_t **out,
                            const char **detail);
/* The same with an optional `host`: another node's history in cluster mode. */
int handlers_history_host_reply(struct hub *h, json_t *host, json_t *metric, json_t *seconds,
                                json_t **out, const char **detail);

#endif
