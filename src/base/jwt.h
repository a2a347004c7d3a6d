/* JSON Web Tokens, HS256 only: signing and strict verification of Pulse's claims
 * (sub, roles, iat, exp, nbf). OpenSSL's HMAC and CRYPTO_memcmp, jansson for the JSON. */
#ifndef PULSE_JWT_H
#define PULSE_JWT_H

#include <stddef.h>
#include <stdint.h>

#define JWT_MAX_LEN 8192     /* longer tokens are refused before any decoding */
#define JWT_SUB_MAX 64       /* bytes of a user name */
#define JWT_ROLES_MAX 16     /* roles in one token */
#define JWT_ROLE_MAX 32      /* bytes of one role name */
#define JWT_LEEWAY_MS 5000   /* clock skew allowed for nbf and iat (never for exp) */
#define JWT_TTL_MAX 31536000 /* seconds: the longest lifetime `pulse token` issues (1 year) */

/* Why a token was refused (the negative of these is returned). */
enum jwt_err {
    JWT_OK,
    JWT_E_FORMAT,  /* empty, too long, not three base64url parts, or a part is not JSON */
    JWT_E_ALG,     /* the header's alg is not HS256, or it has a crit member */
    JWT_E_SIG,     /* the signature does not match */
    JWT_E_CLAIMS,  /* a claim is missing or ill-typed (sub, roles, exp, nbf, iat) */
    JWT_E_EXPIRED, /* now is at or past exp */
    JWT_E_EARLY,   /* now is before nbf (or iat) minus the leeway */
    JWT_E_COUNT
};

struct jwt_claims {
    char sub[JWT_SUB_MAX + 1];
    char roles[JWT_ROLES_MAX][JWT_ROLE_MAX + 1];
    unsigned nroles;
    int64_t exp_ms; /* exp in milliseconds since the epoch */
};

/* A short English reason for a jwt_err, e.g. "token expired". */
const char *jwt_strerror(int err);

/* Whether `s` is a valid user name: 1..JWT_SUB_MAX bytes, no control characters. */
int jwt_valid_user(const char *s);

/* Whether `s` is a valid role name: 1..JWT_ROLE_MAX bytes of [A-Za-z0-9_.:-]. */
int jwt_valid_role(const char *s);

/* Verifies an HS256 token with `key` at time `now_ms`; fills `out` on success. Returns 0 or
 * -JWT_E_*. Never reads past `len`; `tok` need not be NUL-terminated. */
int jwt_verify(const unsigned char *key, size_t keylen, const char *tok, size_t len, int64_t now_ms,
               struct jwt_claims *out);

/* Writes a signed token {"alg":"HS256","typ":"JWT"} . {sub, roles, iat, exp} into `out`
 * (NUL-terminated). Returns its length, or -EINVAL (bad name or role) / -ENOSPC / -ENOMEM. */
int jwt_sign(const unsigned char *key, size_t keylen, const char *sub, const char *const *roles,
             unsigned nroles, int64_t iat_s, int64_t exp_s, char *out, size_t outlen);

/* Base64url without padding: writes the encoding of `len` bytes and a NUL; returns its length
 * or -ENOSPC. */
int jwt_b64url_encode(const unsigned char *in, size_t len, char *out, size_t outlen);

/* Strict base64url decoding (no padding, canonical trailing bits): returns the decoded length
 * or -EINVAL / -ENOSPC. */
int jwt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outlen);

#endif
