/* The server side of the RFC 6455 opening handshake (section 4.2). */
#ifndef PULSE_HANDSHAKE_H
#define PULSE_HANDSHAKE_H

#include "net/http.h"

#define WS_ACCEPT_LEN 28

/* Whether the request asks for a WebSocket upgrade at all (Upgrade: websocket). */
int handshake_is_upgrade(const struct http_req *r);

/* Checks a request for /ws: returns 101 with `accept` filled (NUL-terminated), or the HTTP
 * status to refuse it with: 405 not GET, 426 no upgrade or version not 13, 400 bad key. */
int handshake_check(const struct http_req *r, char accept[WS_ACCEPT_LEN + 1]);

/* Whether a browser's Origin may open a WebSocket: no Origin (not a browser), the same origin as
 * the Host the request was sent to under `scheme` ("http" or "https"), or one of `allowed`. */
int handshake_origin_ok(const char *origin, const char *host, const char *scheme,
                        const char (*allowed)[256], int nallowed);

/* Computes Sec-WebSocket-Accept for a key. */
void handshake_accept(const char *key, char accept[WS_ACCEPT_LEN + 1]);

#endif
