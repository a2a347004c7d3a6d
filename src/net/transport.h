/* Transport: the listening socket, reads, the HTTP → WebSocket upgrade, and the write path that
 * gathers every pending frame of a connection into one writev per loop iteration. */
#ifndef PULSE_TRANSPORT_H
#define PULSE_TRANSPORT_H

#include <jansson.h>

#include "base/pbuf.h"
#include "app/server.h"

/* Sets up the server's handles and binds the listening socket; returns 0 or a negative uv
 * error (with `why` filled for the start-up message). */
int transport_start(struct pulse_server *srv, char *why, size_t whylen);

/* Starts a graceful stop: every WebSocket gets Close 1001; the loop ends when all are gone or
 * after a bounded time. */
void transport_stop(struct pulse_server *srv);

/* Serializes a JSON value once into a framed text message (one reference), or NULL. */
struct pbuf *frame_json(json_t *value);

/* Queues a framed message to a WebSocket connection (taking its own reference). */
void conn_send_frame(struct conn *c, struct pbuf *frame);

/* Queues a metrics frame; when an older one is still waiting in the queue it is replaced, so a
 * slow reader gets the newest sample rather than a backlog. */
void conn_send_coalesced(struct conn *c, struct pbuf *frame);

/* Serializes a JSON value with jansson `flags` (JSON_COMPACT is added) into a framed message. */
struct pbuf *frame_json_flags(json_t *value, size_t flags);

/* Like frame_json_flags for an object, with the request `id` (if any) added as its last member
 * and printed exactly, whatever `flags` say about the object's own numbers. */
struct pbuf *frame_reply(json_t *value, json_t *id, size_t flags);

/* Serializes and queues a JSON value to one connection; returns 0 or -ENOMEM. */
int conn_send_json(struct conn *c, json_t *value);

/* Starts the closing handshake of a WebSocket connection with `code`. */
void conn_close_ws(struct conn *c, uint16_t code, const char *reason);

/* Sends what is queued, then ends the connection (the last HTTP response, or after a Close); a
 * draining connection whose writes make no progress for 10 s is dropped. */
void conn_drain(struct conn *c);

/* Queues a shared buffer (an HTTP body) to a connection, taking its own reference; an HTTP
 * answer that would take all queues past --max-total-queue-bytes drops the connection. */
int conn_send_pbuf(struct conn *c, struct pbuf *b);

/* Queues raw bytes (an HTTP response, or the 101) to a connection; bounded as above. */
int conn_send_raw(struct conn *c, const void *data, size_t len);

#endif
