/* Authentication and authorization of the hub: the secret (rotated on SIGHUP), token checks
 * with the failure counter, each connection's identity (user, roles, expiry), the role rules
 * of message types, and the timer that tells connections their token expired. */
#ifndef PULSE_AUTH_H
#define PULSE_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/jwt.h"
#include "base/log.h"
#include "base/secret.h"
#include "hub/errors.h"
#include "hub/users.h"

#define AUTH_ROLE_PUBLISHER 1u
#define AUTH_ROLE_ADMIN 2u
#define AUTH_EXPIRY_CHECK_MS 250 /* how late at most an expiry is told to its connection */

/* One connection's identity, embedded in it; all zero while anonymous. */
struct auth_ident {
    struct user_link link; /* the user (name interned once) and the user's other connections */
    int64_t expires_ms;    /* wall clock, ms */
    unsigned roles;        /* AUTH_ROLE_* bits */
};

/* The identity that embeds `link`. */
static inline struct auth_ident *auth_ident_of(struct user_link *link)
{
    return (struct auth_ident *)((char *)link - offsetof(struct auth_ident, link));
}

struct auth {
    int enabled; /* 0: open mode, every check passes */
    char path[1024];
    struct secret *secret, *pending; /* the current secret; the one a reload is reading */
    struct user_table users;
    int64_t next_expiry_ms; /* no identity expires before this; INT64_MAX when none */
    uint64_t failures;      /* refused tokens (pulse_auth_failures_total) */
    const struct logger *log;
    uv_timer_t expiry;
    uv_signal_t sighup;
    uv_work_t reload;
    int reload_rc, reload_loose, reloading, reload_again, started;
    char reload_err[512];
    void (*on_expire)(struct auth_ident *id, void *arg);
    void *arg;
};

/* Open mode when `secret_file` is empty; else loads the secret (blocking: call before the loop
 * runs). Returns 0, or a negative errno with a one-line reason in `why`; a group/other-readable
 * file logs one warning. */
int auth_init(struct auth *a, const char *secret_file, const struct logger *log, char *why,
              size_t whylen);

/* Starts the expiry timer and SIGHUP rotation; on_expire(id, arg) is called for each identity
 * whose token expired, after which the identity is anonymous. No-op in open mode. */
int auth_start(struct auth *a, uv_loop_t *loop, void (*on_expire)(struct auth_ident *, void *),
               void *arg);

/* Closes the timer and signal handles (idempotent). */
void auth_stop(struct auth *a);

/* Frees the secrets and the user table (after the loop ended). */
void auth_free(struct auth *a);

/* Verifies a token with the current secret; a refusal counts in `failures`. 0 or -JWT_E_*. */
int auth_verify(struct auth *a, const char *tok, size_t len, int64_t now_ms,
                struct jwt_claims *out);

/* Gives `id` the identity of verified claims, replacing any earlier one. 0 or -ENOMEM. */
int auth_login(struct auth *a, struct auth_ident *id, const struct jwt_claims *claims);

/* Makes `id` anonymous again (idempotent). */
void auth_logout(struct auth *a, struct auth_ident *id);

/* The user name of `id`, or NULL when anonymous. */
const char *auth_user(const struct auth_ident *id);

/* Whether `id` may send a message of `type` now: PERR_COUNT when it may, else
 * PERR_UNAUTHORIZED or PERR_FORBIDDEN (with a reason in `*detail`). */
enum pulse_err auth_permit(const struct auth *a, const struct auth_ident *id, const char *type,
                           const char **detail);

/* Calls on_expire for every identity expired at `now_ms` and logs it out; returns how many. */
unsigned auth_expire_due(struct auth *a, int64_t now_ms);

/* The token given on an upgrade or API request: the `Authorization: Bearer` value when that
 * header uses the Bearer scheme, else the `query_token` (may be NULL). Sets *tok and *len and
 * returns 1, or 0 when there is none. */
int auth_request_token(const char *authorization, const char *query_token, const char **tok,
                       size_t *len);

#endif
