/* The HTTP side of the server: the WebSocket endpoint /ws, /healthz, /metrics, the /api routes and
 * the dashboard's static files. */
#ifndef PULSE_HTTP_API_H
#define PULSE_HTTP_API_H

#include "app/server.h"
#include "net/http.h"

/* Answers one complete HTTP request, or upgrades it to a WebSocket (the net's on_http_request). */
void http_api_request(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req);

#endif
