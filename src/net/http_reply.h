/* HTTP responses: the status line and headers, whole responses, and plain error pages. */
#ifndef PULSE_HTTP_REPLY_H
#define PULSE_HTTP_REPLY_H

#include <stddef.h>

#include "net/net.h"

/* Queues the status line and headers; `len` is announced in Content-Length unless negative;
 * `extra` holds whole header lines ("Name: value\r\n") or "". Without keep_alive the connection
 * ends once the response is out. */
void http_reply_head(struct net_conn *nc, int status, const char *content_type, const char *extra,
                     long len, int keep_alive);

/* Queues a complete response. */
void http_reply(struct net_conn *nc, int status, const char *content_type, const char *extra,
                const void *body, size_t len, int keep_alive);

/* Answers with an error status (adding the headers that status needs) and a text body. */
void http_reply_error(struct net_conn *nc, int status, int keep_alive);

#endif
