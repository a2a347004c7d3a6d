/* Protocol error codes of SPEC section 4: one table of codes and messages. */
#ifndef PULSE_ERRORS_H
#define PULSE_ERRORS_H

#include <jansson.h>

enum pulse_err {
    PERR_BAD_JSON,
    PERR_BAD_REQUEST,
    PERR_UNKNOWN_TYPE,
    PERR_UNKNOWN_CHANNEL,
    PERR_UNKNOWN_METRIC,
    PERR_UNAUTHORIZED,
    PERR_FORBIDDEN,
    PERR_NOT_FOUND,
    PERR_RATE_LIMITED,
    PERR_UNSUPPORTED,
    PERR_COUNT
};

/* The wire name of an error code, e.g. "bad_json". */
const char *perr_code(enum pulse_err e);

/* The default human-readable message of an error code. */
const char *perr_message(enum pulse_err e);

/* The HTTP status that carries this error on /api routes. */
int perr_http_status(enum pulse_err e);

/* The error object {"type":"error","code","message"}, with `detail` as the message when given
 * (new reference, or NULL). */
json_t *perr_json(enum pulse_err e, const char *detail);

#endif
