/* Plain HTTP routes: /healthz and error pages (the dashboard and API come in later modules). */
#ifndef PULSE_ROUTES_H
#define PULSE_ROUTES_H

#include "net/http.h"
#include "app/server.h"

/* Answers a request that is not a WebSocket upgrade. */
void routes_http(struct pulse_server *srv, struct conn *c, const struct http_req *req,
                 const char *path);

/* Answers with an error status (adding the headers that status needs) and, unless keep_alive,
 * closes the connection after it. */
void routes_error(struct conn *c, int status, int keep_alive);

/* Queues a complete response; `extra` holds whole header lines ("Name: value\r\n") or "". */
void routes_respond(struct conn *c, int status, const char *content_type, const char *extra,
                    const void *body, size_t len, int keep_alive);

#endif
