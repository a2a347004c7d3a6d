#include "base/jwt.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIG_LEN 32                         /* HMAC-SHA256 */
#define PART_MAX (JWT_MAX_LEN / 4 * 3 + 3) /* decoded bytes of the longest part */
#define EXP_MAX_S 1e11                     /* NumericDates past the year 5000 are nonsense */

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *const reasons[JWT_E_COUNT] = {
    [JWT_OK] = "ok",
    [JWT_E_FORMAT] = "malformed token",
    [JWT_E_ALG] = "token algorithm must be HS256",
    [JWT_E_SIG] = "bad token signature",
    [JWT_E_CLAIMS] = "token claims missing or ill-typed",
    [JWT_E_EXPIRED] = "token expired",
    [JWT_E_EARLY] = "token not valid yet",
};

const char *jwt_strerror(int err)
{
    if (err < 0)
        err = -err;
    return err < JWT_E_COUNT ? reasons[err] : "invalid token";
}

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '-')
        return 62;
    if (ch == '_')
        return 63;
    return -1;
}

int jwt_b64url_encode(const unsigned char *in, size_t len, char *out, size_t outlen)
{
    size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
    if (need + 1 > outlen || need > INT32_MAX)
        return -ENOSPC;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        size_t chars = len - i >= 3 ? 4 : len - i + 1;
        for (size_t k = 0; k < chars; k++)
            out[o++] = b64url[(v >> (18 - 6 * k)) & 63];
    }
    out[o] = '\0';
    return (int)o;
}

int jwt_b64url_decode(const char *in, size_t len, unsigned char *out, size_t outlen)
{
    if (len % 4 == 1 || len > INT32_MAX)
        return -EINVAL;
    size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > outlen)
        return -ENOSPC;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0)
            return -EINVAL;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits must be zero: one token, one spelling (no malleable signatures). */
    return acc != 0 ? -EINVAL : (int)o;
}

int jwt_valid_user(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > JWT_SUB_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

int jwt_valid_role(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > JWT_ROLE_MAX)
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

/* Decodes one part and parses it as a JSON object (new reference), or NULL. */
static json_t *part_json(const char *p, size_t len)
{
    unsigned char buf[PART_MAX];
    int n = jwt_b64url_decode(p, len, buf, sizeof(buf));
    if (n <= 0)
        return NULL;
    json_t *j = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int check_header(const char *p, size_t len)
{
    json_t *h = part_json(p, len);
    if (!h)
        return -JWT_E_FORMAT;
    json_t *alg = json_object_get(h, "alg"), *typ = json_object_get(h, "typ");
    int rc = 0;
    if (!json_is_string(alg) || json_string_length(alg) != 5 ||
        strcmp(json_string_value(alg), "HS256") != 0 || json_object_get(h, "crit"))
        rc = -JWT_E_ALG;
    else if (typ && (!json_is_string(typ) || strcasecmp(json_string_value(typ), "JWT") != 0))
        rc = -JWT_E_FORMAT;
    json_decref(h);
    return rc;
}

static int hmac256(const unsigned char *key, size_t keylen, const char *data, size_t len,
                   unsigned char md[SIG_LEN])
{
    unsigned int mdlen = 0;
    if (keylen == 0 || keylen > INT32_MAX ||
        !HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data, len, md, &mdlen) ||
        mdlen != SIG_LEN)
        return -EINVAL;
    return 0;
}

static int check_signature(const unsigned char *key, size_t keylen, const char *signed_part,
                           size_t signed_len, const char *sig, size_t sig_len)
{
    unsigned char want[SIG_LEN], got[SIG_LEN + 3];
    if (jwt_b64url_decode(sig, sig_len, got, sizeof(got)) != SIG_LEN)
        return -JWT_E_SIG;
    if (hmac256(key, keylen, signed_part, signed_len, want) < 0)
        return -JWT_E_SIG;
    int rc = CRYPTO_memcmp(want, got, SIG_LEN) == 0 ? 0 : -JWT_E_SIG;
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}

/* A NumericDate claim in ms: 1 when present and valid, 0 when absent, -1 when ill-typed. */
static int get_date(json_t *claims, const char *name, int64_t *ms)
{
    json_t *v = json_object_get(claims, name);
    if (!v)
        return 0;
    double d = json_number_value(v);
    if (!json_is_number(v) || !isfinite(d) || d < 0 || d > EXP_MAX_S)
        return -1;
    *ms = (int64_t)(d * 1000.0);
    return 1;
}

static int get_roles(json_t *claims, struct jwt_claims *out)
{
    json_t *roles = json_object_get(claims, "roles"), *r;
    size_t i;
    out->nroles = 0;
    if (!roles)
        return 0;
    if (!json_is_array(roles) || json_array_size(roles) > JWT_ROLES_MAX)
        return -JWT_E_CLAIMS;
    json_array_foreach(roles, i, r)
    {
        if (!json_is_string(r) || json_string_length(r) > JWT_ROLE_MAX ||
            !jwt_valid_role(json_string_value(r)) ||
            strlen(json_string_value(r)) != json_string_length(r))
            return -JWT_E_CLAIMS;
        strcpy(out->roles[out->nroles++], json_string_value(r));
    }
    return 0;
}

static int check_claims(json_t *claims, int64_t now_ms, struct jwt_claims *out)
{
    json_t *sub = json_object_get(claims, "sub");
    if (!json_is_string(sub) || json_string_length(sub) > JWT_SUB_MAX ||
        strlen(json_string_value(sub)) != json_string_length(sub) ||
        !jwt_valid_user(json_string_value(sub)))
        return -JWT_E_CLAIMS;
    strcpy(out->sub, json_string_value(sub));
    int64_t exp = 0, nbf = 0, iat = 0;
    int has_exp = get_date(claims, "exp", &exp), has_nbf = get_date(claims, "nbf", &nbf),
        has_iat = get_date(claims, "iat", &iat);
    if (has_exp != 1 || has_nbf < 0 || has_iat < 0 || get_roles(claims, out) < 0)
        return -JWT_E_CLAIMS;
    out->exp_ms = exp;
    if (now_ms >= exp)
        return -JWT_E_EXPIRED;
    if ((has_nbf && now_ms + JWT_LEEWAY_MS < nbf) || (has_iat && now_ms + JWT_LEEWAY_MS < iat))
        return -JWT_E_EARLY;
    return 0;
}

int jwt_verify(const unsigned char *key, size_t keylen, const char *tok, size_t len, int64_t now_ms,
               struct jwt_claims *out)
{
    if (len == 0 || len > JWT_MAX_LEN)
        return -JWT_E_FORMAT;
    size_t dots[2], ndots = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] == '.') {
            if (ndots == 2)
                return -JWT_E_FORMAT;
            dots[ndots++] = i;
        } else if (b64_value((unsigned char)tok[i]) < 0) {
            return -JWT_E_FORMAT;
        }
    }
    if (ndots != 2 || dots[0] == 0 || dots[1] == dots[0] + 1 || dots[1] + 1 == len)
        return -JWT_E_FORMAT;
    int rc = check_header(tok, dots[0]);
    if (rc < 0)
        return rc;
    rc = check_signature(key, keylen, tok, dots[1], tok + dots[1] + 1, len - dots[1] - 1);
    if (rc < 0)
        return rc;
    json_t *claims = part_json(tok + dots[0] + 1, dots[1] - dots[0] - 1);
    if (!claims)
        return -JWT_E_FORMAT;
    memset(out, 0, sizeof(*out));
    rc = check_claims(claims, now_ms, out);
    json_decref(claims);
    return rc;
}

static json_t *claims_json(const char *sub, const char *const *roles, unsigned nroles,
                           int64_t iat_s, int64_t exp_s)
{
    if (!jwt_valid_user(sub) || nroles > JWT_ROLES_MAX || exp_s <= iat_s || iat_s < 0 ||
        exp_s > (int64_t)EXP_MAX_S)
        return NULL;
    json_t *arr = json_array();
    for (unsigned i = 0; arr && i < nroles; i++)
        if (!jwt_valid_role(roles[i]) || json_array_append_new(arr, json_string(roles[i])) < 0) {
            json_decref(arr);
            return NULL;
        }
    return arr ? json_pack("{s:s, s:o, s:I, s:I}", "sub", sub, "roles", arr, "iat",
                           (json_int_t)iat_s, "exp", (json_int_t)exp_s)
               : NULL;
}

int jwt_sign(const unsigned char *key, size_t keylen, const char *sub, const char *const *roles,
             unsigned nroles, int64_t iat_s, int64_t exp_s, char *out, size_t outlen)
{
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    json_t *claims = claims_json(sub, roles, nroles, iat_s, exp_s);
    char *payload = claims ? json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(claims);
    if (!payload)
        return claims ? -ENOMEM : -EINVAL;
    int n = jwt_b64url_encode((const unsigned char *)header, sizeof(header) - 1, out, outlen), m;
    if (n >= 0 && (size_t)n + 1 < outlen) {
        out[n++] = '.';
        m = jwt_b64url_encode((const unsigned char *)payload, strlen(payload), out + n, outlen - n);
        n = m < 0 ? m : n + m;
    } else {
        n = -ENOSPC;
    }
    free(payload);
    unsigned char sig[SIG_LEN];
    if (n >= 0 && (size_t)n + 1 >= outlen)
        n = -ENOSPC;
    if (n < 0 || hmac256(key, keylen, out, (size_t)n, sig) < 0)
        return n < 0 ? n : -EINVAL;
    out[n++] = '.';
    m = jwt_b64url_encode(sig, SIG_LEN, out + n, outlen - n);
    return m < 0 ? m : n + m;
}
