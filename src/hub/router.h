/* Message router: parses a client's JSON message and calls the handler for its `type`. */
#ifndef PULSE_ROUTER_H
#define PULSE_ROUTER_H

#include <jansson.h>
#include <stddef.h>

#include "hub/errors.h"

/* Handlers return 0, ROUTE_ERR(e) to have the router answer with error e, or a negative errno
 * (answered as an internal error). The two ranges do not overlap. */
#define ROUTE_ERR_BASE 1000
#define ROUTE_ERR(e) (-ROUTE_ERR_BASE - (int)(e))

/* The protocol error a handler's negative return stands for; PERR_COUNT ("internal") for an
 * errno. */
static inline enum pulse_err route_err_code(int rc)
{
    int e = -rc - ROUTE_ERR_BASE;
    return e >= 0 && e < PERR_COUNT ? (enum pulse_err)e : PERR_COUNT;
}

struct route_req {
    json_t *msg;        /* the whole message, a JSON object */
    json_t *id;         /* its `id` (string or number), or NULL */
    const char *detail; /* a handler may set a more precise error message */
};

typedef int (*route_fn)(void *ctx, struct route_req *req);

struct route {
    const char *type;
    route_fn fn;
};

struct router {
    const struct route *routes;
    size_t n;
    /* Sends an error reply; `id` may be NULL. */
    void (*on_error)(void *ctx, enum pulse_err e, json_t *id, const char *detail);
    /* Optional: whether the sender may send `type` (known or not), checked before the lookup:
     * PERR_COUNT when it may, else the error to answer (with `*detail` possibly set). */
    enum pulse_err (*permit)(void *ctx, const char *type, const char **detail);
};

/* Parses one text message and dispatches it; returns 0 when a handler ran without error, else
 * the negative ROUTE_ERR value that was answered. */
int router_dispatch(const struct router *r, void *ctx, const char *data, size_t len);

/* The `id` of a raw message if it parses as an object with a valid id (new reference), or NULL;
 * used to answer messages the router never dispatches (e.g. over the rate limit). */
json_t *router_peek_id(const char *data, size_t len);

/* Whether a JSON string holds a NUL byte (messages are parsed with JSON_ALLOW_NUL): C string
 * functions would stop there and read it as a shorter, different name. */
int router_string_has_nul(const json_t *str);

#endif
