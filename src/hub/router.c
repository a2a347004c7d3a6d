#include "hub/router.h"

#include <string.h>

static int valid_id(const json_t *id)
{
    return json_is_string(id) || json_is_number(id);
}

static const struct route *find_route(const struct router *r, const char *type)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->routes[i].type, type) == 0)
            return &r->routes[i];
    return NULL;
}

static int fail(const struct router *r, void *ctx, enum pulse_err e, json_t *id, const char *d)
{
    r->on_error(ctx, e, id, d);
    return ROUTE_ERR(e);
}

int router_dispatch(const struct router *r, void *ctx, const char *data, size_t len)
{
    json_error_t jerr;
    json_t *msg = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    /* Valid JSON may hold integers beyond 64 bits; take its numbers as doubles then, as a
     * JavaScript client would. */
    if (!msg && json_error_code(&jerr) == json_error_numeric_overflow)
        msg = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
                         &jerr);
    if (!msg)
        return fail(r, ctx, PERR_BAD_JSON, NULL, jerr.text[0] ? jerr.text : NULL);
    int rc;
    json_t *id = NULL;
    if (!json_is_object(msg)) {
        rc = fail(r, ctx, PERR_BAD_REQUEST, NULL, "message must be a JSON object");
        goto out;
    }
    id = json_object_get(msg, "id");
    if (id && !valid_id(id)) {
        rc = fail(r, ctx, PERR_BAD_REQUEST, NULL, "id must be a string or a number");
        goto out;
    }
    json_t *type = json_object_get(msg, "type");
    if (!json_is_string(type)) {
        rc = fail(r, ctx, PERR_BAD_REQUEST, id, "type must be a string");
        goto out;
    }
    const char *detail = NULL;
    enum pulse_err denied =
        r->permit ? r->permit(ctx, json_string_value(type), &detail) : PERR_COUNT;
    if (denied != PERR_COUNT) {
        rc = fail(r, ctx, denied, id, detail);
        goto out;
    }
    const struct route *route =
        router_string_has_nul(type) ? NULL : find_route(r, json_string_value(type));
    if (!route) {
        rc = fail(r, ctx, PERR_UNKNOWN_TYPE, id, NULL);
        goto out;
    }
    struct route_req req = {msg, id, NULL};
    rc = route->fn(ctx, &req);
    if (rc < 0)
        r->on_error(ctx, route_err_code(rc), id, req.detail);
out:
    json_decref(msg);
    return rc;
}

int router_string_has_nul(const json_t *str)
{
    return strlen(json_string_value(str)) != json_string_length(str);
}

json_t *router_peek_id(const char *data, size_t len)
{
    json_t *msg = json_loadb(data, len, 0, NULL);
    json_t *id = json_is_object(msg) ? json_object_get(msg, "id") : NULL;
    if (id && valid_id(id))
        json_incref(id);
    else
        id = NULL;
    json_decref(msg);
    return id;
}
