#include "net/tls_record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/tls1.h>

#define OUT_MIN 1024 /* first allocation of an output buffer */

/* Content types (RFC 8446 section 5.1) and the alerts we send (section 6). */
enum { CT_ALERT = 21, CT_HANDSHAKE = 22, CT_DATA = 23 };
enum {
    AL_CLOSE_NOTIFY = 0,
    AL_UNEXPECTED = 10,
    AL_BAD_MAC = 20,
    AL_OVERFLOW = 22,
    AL_DECODE = 50,
    AL_INTERNAL = 80
};
#define HS_KEY_UPDATE 24

struct tls_rec_shared {
    EVP_CIPHER_CTX *ctx[4]; /* indexed by enum tls_rec_suite */
    EVP_KDF_CTX *hkdf;      /* HKDF, reset after each use */
    uint64_t rekey_after;
    uint8_t plain[TLS_REC_CIPHER_MAX];                        /* a record decrypted */
    uint8_t sealed[TLS_REC_HEADER + 16384 + 1 + TLS_REC_TAG]; /* a record encrypted */
};

static const EVP_CIPHER *cipher_of(int suite)
{
    switch (suite) {
    case TLS_REC_AES128GCM:
        return EVP_aes_128_gcm();
    case TLS_REC_AES256GCM:
        return EVP_aes_256_gcm();
    default:
        return EVP_chacha20_poly1305();
    }
}

struct tls_rec_shared *tls_rec_shared_new(void)
{
    struct tls_rec_shared *sh = calloc(1, sizeof(*sh));
    if (!sh)
        return NULL;
    sh->rekey_after = TLS_REC_REKEY_AFTER;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
    sh->hkdf = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf); /* the context keeps its own reference */
    int ok = sh->hkdf != NULL;
    for (int s = TLS_REC_AES128GCM; ok && s <= TLS_REC_CHACHA20; s++) {
        sh->ctx[s] = EVP_CIPHER_CTX_new();
        ok = sh->ctx[s] && EVP_CipherInit_ex(sh->ctx[s], cipher_of(s), NULL, NULL, NULL, 1) == 1;
    }
    if (!ok) {
        tls_rec_shared_free(sh);
        return NULL;
    }
    return sh;
}

void tls_rec_shared_free(struct tls_rec_shared *sh)
{
    if (!sh)
        return;
    for (int s = 0; s < 4; s++)
        EVP_CIPHER_CTX_free(sh->ctx[s]);
    EVP_KDF_CTX_free(sh->hkdf);
    free(sh);
}

void tls_rec_shared_rekey_after(struct tls_rec_shared *sh, uint64_t records)
{
    sh->rekey_after = records;
}

enum tls_rec_suite tls_rec_suite_of(unsigned long cipher_id)
{
    switch (cipher_id) {
    case TLS1_3_CK_AES_128_GCM_SHA256:
        return TLS_REC_AES128GCM;
    case TLS1_3_CK_AES_256_GCM_SHA384:
        return TLS_REC_AES256GCM;
    case TLS1_3_CK_CHACHA20_POLY1305_SHA256:
        return TLS_REC_CHACHA20;
    default:
        return TLS_REC_NONE;
    }
}

/* ---- keys (RFC 8446 section 7.1 and 7.3) ----------------------------------------------------- */

/* HKDF-Expand-Label(secret, label, "", out_len): 0 or -1. */
static int expand_label(struct tls_rec_shared *sh, const struct tls_rec *r, const uint8_t *secret,
                        const char *label, uint8_t *out, size_t out_len)
{
    uint8_t info[2 + 1 + 6 + 16 + 1];
    size_t ll = strlen(label);
    info[0] = (uint8_t)(out_len >> 8);
    info[1] = (uint8_t)out_len;
    info[2] = (uint8_t)(6 + ll);
    memcpy(info + 3, "tls13 ", 6);
    memcpy(info + 9, label, ll);
    info[9 + ll] = 0; /* empty context */
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                         r->hash_len == 48 ? "SHA384" : "SHA256", 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, r->hash_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 10 + ll),
        OSSL_PARAM_construct_end(),
    };
    int ok = EVP_KDF_derive(sh->hkdf, out, out_len, p) == 1;
    EVP_KDF_CTX_reset(sh->hkdf); /* drops the secret */
    return ok ? 0 : -1;
}

static size_t key_len(const struct tls_rec *r)
{
    return r->suite == TLS_REC_AES128GCM ? 16 : 32;
}

/* Key and IV from the direction's secret, sequence number from 0: 0 or -1. */
static int dir_keys(struct tls_rec_shared *sh, const struct tls_rec *r, struct tls_rec_dir *d)
{
    d->seq = 0;
    if (expand_label(sh, r, d->secret, "key", d->key, key_len(r)) < 0 ||
        expand_label(sh, r, d->secret, "iv", d->iv, sizeof(d->iv)) < 0)
        return -1;
    return 0;
}

/* application_traffic_secret_N+1 and its key and IV (KeyUpdate): 0 or -1. */
static int next_keys(struct tls_rec_shared *sh, const struct tls_rec *r, struct tls_rec_dir *d)
{
    uint8_t next[TLS_REC_SECRET_MAX];
    if (expand_label(sh, r, d->secret, "traffic upd", next, r->hash_len) < 0)
        return -1;
    memcpy(d->secret, next, r->hash_len);
    OPENSSL_cleanse(next, sizeof(next));
    return dir_keys(sh, r, d);
}

int tls_rec_init(struct tls_rec *r, struct tls_rec_shared *sh, enum tls_rec_suite suite,
                 const uint8_t *rx_secret, const uint8_t *tx_secret, uint64_t rx_seq,
                 uint64_t tx_seq)
{
    memset(r, 0, sizeof(*r));
    if (suite == TLS_REC_NONE)
        return -1;
    r->suite = (uint8_t)suite;
    r->hash_len = suite == TLS_REC_AES256GCM ? 48 : 32;
    memcpy(r->rx.secret, rx_secret, r->hash_len);
    memcpy(r->tx.secret, tx_secret, r->hash_len);
    if (dir_keys(sh, r, &r->rx) < 0 || dir_keys(sh, r, &r->tx) < 0)
        return -1;
    r->rx.seq = rx_seq;
    r->tx.seq = tx_seq;
    return 0;
}

void tls_rec_clear(struct tls_rec *r)
{
    OPENSSL_cleanse(r, sizeof(*r));
}

/* ---- AEAD (RFC 8446 section 5.2 and 5.3) ----------------------------------------------------- */

/* The per-record nonce: the IV XOR the 64-bit sequence number, left-padded. */
static void nonce_of(const struct tls_rec_dir *d, uint8_t nonce[12])
{
    memcpy(nonce, d->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
}

/* Encrypts `len` bytes and the content type behind the 5-byte header at `rec`: 0 or -1. */
static int aead_seal(struct tls_rec_shared *sh, struct tls_rec *r, uint8_t *rec,
                     const uint8_t *data, size_t len, uint8_t type)
{
    EVP_CIPHER_CTX *ctx = sh->ctx[r->suite];
    uint8_t nonce[12], *body = rec + TLS_REC_HEADER;
    int n = 0;
    nonce_of(&r->tx, nonce);
    if (EVP_CipherInit_ex(ctx, NULL, NULL, r->tx.key, nonce, 1) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &n, rec, TLS_REC_HEADER) != 1 ||
        (len && EVP_CipherUpdate(ctx, body, &n, data, (int)len) != 1) ||
        EVP_CipherUpdate(ctx, body + len, &n, &type, 1) != 1 ||
        EVP_CipherFinal_ex(ctx, body + len + 1, &n) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TLS_REC_TAG, body + len + 1) != 1)
        return -1;
    return 0;
}

/* Decrypts the record `rec` (header and `clen` bytes) into sh->plain: 0, or -1 (bad tag). */
static int aead_open(struct tls_rec_shared *sh, struct tls_rec *r, const uint8_t *rec, size_t clen)
{
    EVP_CIPHER_CTX *ctx = sh->ctx[r->suite];
    size_t n = clen - TLS_REC_TAG;
    uint8_t nonce[12];
    int k = 0;
    nonce_of(&r->rx, nonce);
    if (EVP_CipherInit_ex(ctx, NULL, NULL, r->rx.key, nonce, 0) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TLS_REC_TAG,
                            (void *)(rec + TLS_REC_HEADER + n)) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &k, rec, TLS_REC_HEADER) != 1 ||
        EVP_CipherUpdate(ctx, sh->plain, &k, rec + TLS_REC_HEADER, (int)n) != 1 ||
        EVP_CipherFinal_ex(ctx, sh->plain + n, &k) != 1)
        return -1;
    return 0;
}

/* ---- records out ----------------------------------------------------------------------------- */

static int append(struct pbuf **out, const uint8_t *data, size_t len)
{
    if (!*out && !(*out = pbuf_new(len > OUT_MIN ? len : OUT_MIN, 0)))
        return -ENOMEM;
    return pbuf_append(out, data, len);
}

int tls_rec_seal(struct tls_rec *r, struct tls_rec_shared *sh, uint8_t type, const uint8_t *data,
                 size_t len, struct pbuf **out)
{
    size_t clen = len + 1 + TLS_REC_TAG;
    uint8_t *rec = sh->sealed;
    if (r->tx.seq == UINT64_MAX) /* never reuse a nonce: the connection ends instead */
        return -EIO;
    rec[0] = CT_DATA;
    rec[1] = 3;
    rec[2] = 3;
    rec[3] = (uint8_t)(clen >> 8);
    rec[4] = (uint8_t)clen;
    if (aead_seal(sh, r, rec, data, len, type) < 0)
        return -EIO;
    r->tx.seq++;
    return append(out, rec, TLS_REC_HEADER + clen);
}

/* Sends a KeyUpdate and moves to the next sending keys: 0 or negative. */
static int send_key_update(struct tls_rec *r, struct tls_rec_shared *sh, uint8_t requested,
                           struct pbuf **out)
{
    const uint8_t msg[5] = {HS_KEY_UPDATE, 0, 0, 1, requested};
    int rc = tls_rec_seal(r, sh, CT_HANDSHAKE, msg, sizeof(msg), out);
    if (rc == 0 && next_keys(sh, r, &r->tx) < 0)
        rc = -EIO;
    return rc;
}

int tls_rec_write(struct tls_rec *r, struct tls_rec_shared *sh, const uint8_t *data, size_t len,
                  struct pbuf **out)
{
    do {
        size_t n = len > 16384 ? 16384 : len;
        int rc = 0;
        if (r->tx.seq >= sh->rekey_after)
            rc = send_key_update(r, sh, 0, out);
        if (rc == 0)
            rc = tls_rec_seal(r, sh, CT_DATA, data, n, out);
        if (rc < 0)
            return rc;
        data += n;
        len -= n;
    } while (len > 0);
    return 0;
}

int tls_rec_alert(struct tls_rec *r, struct tls_rec_shared *sh, uint8_t desc, struct pbuf **out)
{
    const uint8_t alert[2] = {desc == AL_CLOSE_NOTIFY ? 1 : 2, desc};
    return tls_rec_seal(r, sh, CT_ALERT, alert, sizeof(alert), out);
}

/* ---- records in ------------------------------------------------------------------------------ */

static enum tls_rec_kind fail(struct tls_rec *r, struct tls_rec_shared *sh, uint8_t desc,
                              struct pbuf **out)
{
    return tls_rec_alert(r, sh, desc, out) == -ENOMEM ? TLS_REC_NOMEM : TLS_REC_FAIL;
}

/* A handshake record after the handshake: only a lone KeyUpdate is accepted. */
static enum tls_rec_kind handshake(struct tls_rec *r, struct tls_rec_shared *sh, const uint8_t *p,
                                   size_t n, struct pbuf **out)
{
    if (n < 1 || p[0] != HS_KEY_UPDATE)
        return fail(r, sh, AL_UNEXPECTED, out); /* tickets, post-handshake auth, ... */
    if (n != 5 || p[1] || p[2] || p[3] != 1 || p[4] > 1)
        return fail(r, sh, AL_DECODE, out); /* KeyUpdate must end the record (section 5.1) */
    if (next_keys(sh, r, &r->rx) < 0)
        return fail(r, sh, AL_INTERNAL, out);
    if (p[4] == 1) { /* update_requested: answer with ours before anything else is sent */
        int rc = send_key_update(r, sh, 0, out);
        if (rc < 0)
            return rc == -ENOMEM ? TLS_REC_NOMEM : TLS_REC_FAIL;
    }
    return TLS_REC_DONE;
}

/* What the decrypted TLSInnerPlaintext of `n` bytes in sh->plain holds. */
static enum tls_rec_kind inner(struct tls_rec *r, struct tls_rec_shared *sh, size_t n,
                               uint8_t **plain, size_t *plain_len, struct pbuf **out)
{
    const uint8_t *p = sh->plain;
    while (n > 0 && p[n - 1] == 0) /* padding */
        n--;
    if (n == 0)
        return fail(r, sh, AL_UNEXPECTED, out); /* no content type at all */
    uint8_t type = p[--n];
    if (type == CT_DATA) {
        *plain = sh->plain;
        *plain_len = n;
        return TLS_REC_DATA;
    }
    if (type == CT_ALERT) {
        if (n != 2)
            return fail(r, sh, AL_DECODE, out);
        return p[1] == AL_CLOSE_NOTIFY ? TLS_REC_CLOSE : TLS_REC_FAIL; /* theirs: no answer */
    }
    if (type == CT_HANDSHAKE)
        return handshake(r, sh, p, n, out);
    return fail(r, sh, AL_UNEXPECTED, out);
}

enum tls_rec_kind tls_rec_open(struct tls_rec *r, struct tls_rec_shared *sh, const uint8_t *in,
                               size_t len, size_t *used, uint8_t **plain, size_t *plain_len,
                               struct pbuf **out)
{
    *used = 0;
    *plain_len = 0;
    if (len >= 1 && in[0] != CT_DATA) /* after the handshake every record is protected */
        return fail(r, sh, AL_UNEXPECTED, out);
    if (len < TLS_REC_HEADER)
        return TLS_REC_INCOMPLETE;
    size_t clen = (size_t)in[3] << 8 | in[4];
    if (clen > TLS_REC_CIPHER_MAX || clen > TLS_REC_INNER_MAX + TLS_REC_TAG)
        return fail(r, sh, AL_OVERFLOW, out);
    if (len < TLS_REC_HEADER + clen)
        return TLS_REC_INCOMPLETE;
    *used = TLS_REC_HEADER + clen;
    if (clen < TLS_REC_TAG + 1 || r->rx.seq == UINT64_MAX || aead_open(sh, r, in, clen) < 0)
        return fail(r, sh, AL_BAD_MAC, out);
    r->rx.seq++;
    return inner(r, sh, clen - TLS_REC_TAG, plain, plain_len, out);
}
