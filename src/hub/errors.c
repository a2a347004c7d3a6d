#include "hub/errors.h"

static const struct {
    const char *code;
    const char *message;
    int http_status;
} table[PERR_COUNT] = {
    [PERR_BAD_JSON] = {"bad_json", "message is not valid JSON", 400},
    [PERR_BAD_REQUEST] = {"bad_request", "missing or ill-typed field", 400},
    [PERR_UNKNOWN_TYPE] = {"unknown_type", "unknown message type", 400},
    [PERR_UNKNOWN_CHANNEL] = {"unknown_channel", "no such channel", 400},
    [PERR_UNKNOWN_METRIC] = {"unknown_metric", "no such metric", 400},
    [PERR_UNAUTHORIZED] = {"unauthorized", "authentication required", 401},
    [PERR_FORBIDDEN] = {"forbidden", "not allowed", 403},
    [PERR_NOT_FOUND] = {"not_found", "no such user or connection", 404},
    [PERR_RATE_LIMITED] = {"rate_limited", "rate limit exceeded, message dropped", 429},
    [PERR_UNSUPPORTED] = {"unsupported", "binary messages are not supported", 400},
};

const char *perr_code(enum pulse_err e)
{
    return (unsigned)e < PERR_COUNT ? table[e].code : "internal";
}

const char *perr_message(enum pulse_err e)
{
    return (unsigned)e < PERR_COUNT ? table[e].message : "internal error";
}

int perr_http_status(enum pulse_err e)
{
    return (unsigned)e < PERR_COUNT ? table[e].http_status : 500;
}

json_t *perr_json(enum pulse_err e, const char *detail)
{
    return json_pack("{s:s, s:s, s:s}", "type", "error", "code", perr_code(e), "message",
                     detail ? detail : perr_message(e));
}
