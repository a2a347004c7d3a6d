#include "net/tls.h"
#include "net/tls_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Mozilla "intermediate" (TLS 1.2 suites; TLS 1.3 uses OpenSSL's default three). */
#define CIPHERS_TLS12                                                                              \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"     \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"       \
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
#define GROUPS "X25519:P-256:P-384"
#define SESSION_CACHE_SIZE 4096 /* TLS 1.2 sessions kept for resumption by id */
#define OUT_MIN 1024            /* first allocation of a connection's output buffer */

static const char plain_refusal[] = "HTTP/1.1 400 Bad Request\r\n"
                                    "Content-Type: text/plain\r\n"
                                    "Content-Length: 46\r\n"
                                    "Connection: close\r\n\r\n"
                                    "This port speaks TLS: use https:// or wss://.\n";

struct tls_keys {
    SSL_CTX *ctx;
};

/* What a TLS 1.3 handshake leaves for the handover: the application traffic secrets (from the
 * keylog callback) and how many records each side sent under them (from the message callback,
 * counted from each side's Finished). */
struct handover {
    uint8_t client[TLS_REC_SECRET_MAX], server[TLS_REC_SECRET_MAX];
    uint64_t rx_n, tx_n;   /* records read / written since the client's / our Finished */
    uint16_t body_left;    /* bytes of the record OpenSSL is reading that it has not read */
    uint8_t hdr[5], hdr_n; /* header bytes of that record read so far */
    uint8_t have;          /* 1: client secret, 2: server secret */
    uint8_t fin_rx, fin_tx, refused;
};

struct tls_conn {
    struct tls_server *srv;
    SSL *ssl;              /* NULL once the record layer took over */
    struct handover *hand; /* during a TLS 1.3 handshake, else NULL */
    struct tls_rec *rec;   /* after the handover, else NULL */
    const uint8_t *in;     /* ciphertext the BIO has not handed to OpenSSL yet */
    size_t in_len;
    uint8_t *stash;   /* a copy of that ciphertext while paused (or a partial record), or NULL */
    struct pbuf *out; /* ciphertext to send, or NULL */
    uint8_t seen_first, failed, paused, alpn_http11, resumed;
};

/* ---- the BIO: reads from the fed bytes, writes into the output pbuf ------------------------ */

/* Follows the record boundaries of the bytes OpenSSL read, so a handover never cuts a record. */
static void track_input(struct handover *h, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (h->hdr_n < 5) {
            h->hdr[h->hdr_n++] = *p++;
            n--;
            if (h->hdr_n == 5)
                h->body_left = (uint16_t)(h->hdr[3] << 8 | h->hdr[4]);
        } else {
            size_t k = n < h->body_left ? n : h->body_left;
            p += k;
            n -= k;
            h->body_left = (uint16_t)(h->body_left - k);
        }
        if (h->hdr_n == 5 && h->body_left == 0)
            h->hdr_n = 0;
    }
}

static int bio_write(BIO *b, const char *data, int len)
{
    struct tls_conn *c = BIO_get_data(b);
    if (len <= 0)
        return 0;
    if (!c->out && !(c->out = pbuf_new((size_t)len > OUT_MIN ? (size_t)len : OUT_MIN, 0)))
        return -1;
    return pbuf_append(&c->out, data, (size_t)len) == 0 ? len : -1;
}

static int bio_read(BIO *b, char *buf, int len)
{
    struct tls_conn *c = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (c->in_len == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    size_t n = (size_t)len < c->in_len ? (size_t)len : c->in_len;
    memcpy(buf, c->in, n);
    if (c->hand)
        track_input(c->hand, c->in, n);
    c->in += n;
    c->in_len -= n;
    return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct tls_conn *c = BIO_get_data(b);
    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_PENDING:
        return c ? (long)c->in_len : 0;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *bio_method_new(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "pulse");
    if (m && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
              !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create))) {
        BIO_meth_free(m);
        m = NULL;
    }
    return m;
}

/* ---- keys ----------------------------------------------------------------------------------- */

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char http11[] = "\x08http/1.1";
    unsigned char *sel = NULL;
    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto(&sel, outlen, http11, sizeof(http11) - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; /* go on without ALPN rather than fail the handshake */
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0; /* an encrypted key is refused instead of prompting on the terminal */
}

/* ---- what the handover needs, collected during the handshake -------------------------------- */

static struct handover *handover_of(const SSL *ssl)
{
    struct tls_conn *c = SSL_get_app_data(ssl);
    if (c && !c->hand)
        c->hand = calloc(1, sizeof(*c->hand)); /* NULL: this connection stays on OpenSSL */
    return c ? c->hand : NULL;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* The secret at the end of a key log line (32 or 48 bytes, lowercase hex): 0 or -1. */
static int unhex(const char *hex, uint8_t *out, size_t max)
{
    size_t n = strlen(hex);
    if ((n != 64 && n != 96) || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* NSS key log lines: keeps the two application traffic secrets of a TLS 1.3 handshake. */
static void on_keylog(const SSL *ssl, const char *line)
{
    static const char cl[] = "CLIENT_TRAFFIC_SECRET_0 ", sv[] = "SERVER_TRAFFIC_SECRET_0 ";
    if (!strstr(line, "_TRAFFIC_SECRET")) /* TLS 1.2 (CLIENT_RANDOM) stays on OpenSSL */
        return;
    struct handover *h = handover_of(ssl); /* from the first TLS 1.3 secret on: counting */
    int client = strncmp(line, cl, sizeof(cl) - 1) == 0;
    if (!h || (!client && strncmp(line, sv, sizeof(sv) - 1) != 0))
        return;
    const char *hex = strchr(line + sizeof(cl) - 1, ' '); /* past the client random */
    if (!hex || unhex(hex + 1, client ? h->client : h->server, TLS_REC_SECRET_MAX) < 0)
        h->refused = 1;
    else
        h->have |= client ? 1 : 2;
}

/* Counts the records each side sent after its Finished; a KeyUpdate before the handover keeps
 * the connection on OpenSSL. */
static void on_message(int write_p, int version, int type, const void *buf, size_t len, SSL *ssl,
                       void *arg)
{
    struct tls_conn *c = SSL_get_app_data(ssl);
    const uint8_t *p = buf;
    (void)version;
    (void)arg;
    if (!c || !c->hand)
        return;
    if (type == SSL3_RT_HEADER) {
        *(write_p ? &c->hand->tx_n : &c->hand->rx_n) += 1;
    } else if (type == SSL3_RT_HANDSHAKE && len > 0 && p[0] == SSL3_MT_FINISHED) {
        *(write_p ? &c->hand->tx_n : &c->hand->rx_n) = 0;
        *(write_p ? &c->hand->fin_tx : &c->hand->fin_rx) = 1;
    } else if (type == SSL3_RT_HANDSHAKE && len > 0 && p[0] == SSL3_MT_KEY_UPDATE) {
        c->hand->refused = 1;
    }
}

/* Protocol versions, ciphers, ALPN, resumption and buffer release: 0 or -1. */
static int configure(SSL_CTX *ctx)
{
    SSL_CTX_set_keylog_callback(ctx, on_keylog);
    SSL_CTX_set_msg_callback(ctx, on_message);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, SESSION_CACHE_SIZE);
    SSL_CTX_set_num_tickets(ctx, 1);
    SSL_CTX_set_dh_auto(ctx, 1);
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, CIPHERS_TLS12) != 1 ||
        SSL_CTX_set1_groups_list(ctx, GROUPS) != 1 ||
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"pulse", 5) != 1)
        return -1;
    return 0;
}

static int unreadable(const char *what, const char *path, char *why, size_t whylen)
{
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        return 0;
    }
    snprintf(why, whylen, "cannot read TLS %s '%s': %s", what, path, strerror(errno));
    return 1;
}

static int fail_ssl(SSL_CTX *ctx, const char *what, const char *path, char *why, size_t whylen)
{
    char err[160];
    ERR_error_string_n(ERR_peek_last_error(), err, sizeof(err));
    ERR_clear_error();
    snprintf(why, whylen, "cannot load TLS %s '%s': %s", what, path, err);
    SSL_CTX_free(ctx);
    return -EINVAL;
}

/* 1 with a warning when the leaf certificate is outside its validity period, else 0. */
static int check_dates(SSL_CTX *ctx, const char *cert, char *why, size_t whylen)
{
    X509 *x = SSL_CTX_get0_certificate(ctx);
    if (x && X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
        snprintf(why, whylen, "TLS certificate '%s' has expired", cert);
        return 1;
    }
    if (x && X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
        snprintf(why, whylen, "TLS certificate '%s' is not valid yet", cert);
        return 1;
    }
    return 0;
}

int tls_keys_load(const char *cert, const char *key, struct tls_keys **out, char *why,
                  size_t whylen)
{
    *out = NULL;
    if (unreadable("certificate", cert, why, whylen) || unreadable("key", key, why, whylen))
        return -ENOENT;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || configure(ctx) < 0)
        return fail_ssl(ctx, "settings for", cert, why, whylen);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
        return fail_ssl(ctx, "certificate", cert, why, whylen);
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
        ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH)
        return fail_ssl(ctx, "key", key, why, whylen);
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        snprintf(why, whylen, "TLS key '%s' does not match certificate '%s'", key, cert);
        SSL_CTX_free(ctx);
        return -EINVAL;
    }
    struct tls_keys *k = malloc(sizeof(*k));
    if (!k) {
        SSL_CTX_free(ctx);
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    k->ctx = ctx;
    *out = k;
    return check_dates(ctx, cert, why, whylen);
}

void tls_keys_free(struct tls_keys *k)
{
    if (!k)
        return;
    SSL_CTX_free(k->ctx);
    free(k);
}

/* ---- server --------------------------------------------------------------------------------- */

int tls_server_init(struct tls_server *s, struct tls_keys *keys)
{
    s->keys = keys;
    s->bio_method = bio_method_new();
    s->rec = tls_rec_shared_new();
    return s->bio_method && s->rec ? 0 : -ENOMEM;
}

void tls_server_swap(struct tls_server *s, struct tls_keys *keys)
{
    tls_keys_free(s->keys); /* open connections hold their own reference to the old context */
    s->keys = keys;
}

void tls_server_free(struct tls_server *s)
{
    tls_keys_free(s->keys);
    BIO_meth_free(s->bio_method);
    tls_rec_shared_free(s->rec);
    s->keys = NULL;
    s->bio_method = NULL;
    s->rec = NULL;
}

/* ---- connections ---------------------------------------------------------------------------- */

struct tls_conn *tls_conn_new(struct tls_server *s)
{
    struct tls_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->srv = s;
    c->ssl = SSL_new(s->keys->ctx);
    BIO *bio = BIO_new(s->bio_method);
    if (!c->ssl || !bio) {
        BIO_free(bio);
        SSL_free(c->ssl);
        free(c);
        return NULL;
    }
    BIO_set_data(bio, c);
    SSL_set_app_data(c->ssl, c);
    SSL_set_bio(c->ssl, bio, bio); /* one BIO both ways: one reference taken */
    SSL_set_accept_state(c->ssl);
    return c;
}

void tls_conn_free(struct tls_conn *c)
{
    if (!c)
        return;
    SSL_free(c->ssl);
    if (c->hand)
        OPENSSL_cleanse(c->hand, sizeof(*c->hand));
    free(c->hand);
    if (c->rec)
        tls_rec_clear(c->rec);
    free(c->rec);
    pbuf_unref(c->out);
    free(c->stash);
    free(c);
}

/* Decrypts until OpenSSL wants more input, the callback stops, or an error. */
static enum tls_status pump(struct tls_conn *c, tls_plain_fn fn, void *user)
{
    for (;;) {
        ERR_clear_error();
        int n = SSL_read(c->ssl, c->srv->plain, (int)sizeof(c->srv->plain));
        if (n > 0) {
            if (fn(user, c->srv->plain, (size_t)n))
                return TLS_PAUSED;
            continue;
        }
        int err = SSL_get_error(c->ssl, n);
        ERR_clear_error();
        if (err == SSL_ERROR_WANT_READ)
            return TLS_OK;
        if (err == SSL_ERROR_ZERO_RETURN)
            return TLS_EOF;
        c->failed = 1;
        return TLS_FAILED;
    }
}

static enum tls_status refuse_plain(struct tls_conn *c)
{
    c->failed = 1;
    pbuf_unref(c->out);
    c->out = pbuf_new(sizeof(plain_refusal) - 1, 0);
    if (!c->out)
        return TLS_NOMEM;
    pbuf_append(&c->out, plain_refusal, sizeof(plain_refusal) - 1);
    return TLS_PLAIN;
}

/* Keeps the bytes OpenSSL has not read (they may point into the stash itself). */
static int keep_rest(struct tls_conn *c)
{
    uint8_t *copy = c->in_len ? malloc(c->in_len) : NULL;
    if (c->in_len && !copy)
        return -1;
    if (copy)
        memcpy(copy, c->in, c->in_len);
    free(c->stash);
    c->stash = copy;
    return 0;
}

/* Appends new input to a stash kept from an earlier pause. */
static int grow_stash(struct tls_conn *c, const uint8_t *in, size_t len)
{
    size_t have = c->in_len;
    uint8_t *s = realloc(c->stash, have + len);
    if (!s)
        return -1;
    memcpy(s + have, in, len);
    c->stash = s;
    c->in = s;
    c->in_len = have + len;
    return 0;
}

/* ---- the handover to the record layer ------------------------------------------------------ */

/* Whether OpenSSL is done with a TLS 1.3 handshake and holds nothing the record layer lacks. */
static enum tls_rec_suite handover_ready(struct tls_conn *c)
{
    const struct handover *h = c->hand;
    if (h->refused || h->have != 3 || !h->fin_rx || !h->fin_tx || h->hdr_n || c->in_len ||
        c->stash || !SSL_is_init_finished(c->ssl) || SSL_version(c->ssl) != TLS1_3_VERSION ||
        SSL_has_pending(c->ssl))
        return TLS_REC_NONE;
    return tls_rec_suite_of(SSL_CIPHER_get_id(SSL_get_current_cipher(c->ssl)));
}

static void drop_handover(struct tls_conn *c)
{
    OPENSSL_cleanse(c->hand, sizeof(*c->hand));
    free(c->hand);
    c->hand = NULL;
}

/* Moves a finished TLS 1.3 connection to the record layer and frees its SSL object. */
static void try_handover(struct tls_conn *c)
{
    const unsigned char *alpn = NULL;
    unsigned int alpn_len = 0;
    enum tls_rec_suite suite = handover_ready(c);
    if (suite == TLS_REC_NONE) {
        if (c->hand->refused ||
            (SSL_is_init_finished(c->ssl) && SSL_version(c->ssl) != TLS1_3_VERSION))
            drop_handover(c);
        return; /* or later, after the next feed */
    }
    struct tls_rec *r = malloc(sizeof(*r));
    if (!r || tls_rec_init(r, c->srv->rec, suite, c->hand->client, c->hand->server, c->hand->rx_n,
                           c->hand->tx_n) < 0) {
        free(r);
        drop_handover(c); /* stays on OpenSSL */
        return;
    }
    SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
    c->alpn_http11 = alpn_len == 8 && memcmp(alpn, "http/1.1", 8) == 0;
    c->resumed = (uint8_t)SSL_session_reused(c->ssl);
    SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN); /* keep the session */
    SSL_free(c->ssl);
    c->ssl = NULL;
    c->rec = r;
    drop_handover(c);
}

/* Keeps `n` unconsumed bytes at `p` (which may point into the stash itself): 0 or -1. */
static int keep(struct tls_conn *c, const uint8_t *p, size_t n)
{
    uint8_t *copy = NULL;
    if (p == c->stash && n == c->in_len)
        return 0;
    if (n && !(copy = malloc(n)))
        return -1;
    if (n)
        memcpy(copy, p, n);
    free(c->stash);
    c->stash = copy;
    c->in_len = n;
    return 0;
}

/* tls_conn_feed after the handover: whole records to the record layer, the rest kept. */
static enum tls_status rec_feed(struct tls_conn *c, const uint8_t *in, size_t len, tls_plain_fn fn,
                                void *user)
{
    if (c->stash && len && grow_stash(c, in, len) < 0)
        return TLS_NOMEM;
    const uint8_t *p = c->stash ? c->stash : in;
    size_t n = c->stash ? c->in_len : len, used, plen;
    uint8_t *plain;
    enum tls_status st = TLS_OK;
    c->paused = 0;
    while (n > 0 && st == TLS_OK) {
        enum tls_rec_kind k =
            tls_rec_open(c->rec, c->srv->rec, p, n, &used, &plain, &plen, &c->out);
        if (k == TLS_REC_INCOMPLETE)
            break;
        p += used;
        n -= used;
        if (k == TLS_REC_FAIL || k == TLS_REC_NOMEM) {
            c->failed = 1;
            st = k == TLS_REC_NOMEM ? TLS_NOMEM : TLS_FAILED;
        } else if (k == TLS_REC_CLOSE) {
            st = TLS_EOF;
        } else if (k == TLS_REC_DATA && plen && fn(user, plain, plen)) {
            st = TLS_PAUSED;
            c->paused = 1;
        }
    }
    if (st != TLS_OK && st != TLS_PAUSED)
        n = 0; /* nothing after an end is read */
    if (keep(c, p, n) < 0)
        return TLS_NOMEM;
    return st;
}

enum tls_status tls_conn_feed(struct tls_conn *c, const uint8_t *in, size_t len, tls_plain_fn fn,
                              void *user)
{
    if (c->failed)
        return TLS_FAILED;
    if (!c->ssl)
        return rec_feed(c, in, len, fn, user);
    if (!c->seen_first && len > 0) {
        c->seen_first = 1;
        if (in[0] != 0x16) /* not a TLS handshake record: most likely plain HTTP */
            return refuse_plain(c);
    }
    if (c->stash) {
        if (len && grow_stash(c, in, len) < 0)
            return TLS_NOMEM;
    } else {
        c->in = in;
        c->in_len = len;
    }
    enum tls_status st = pump(c, fn, user);
    if (st == TLS_PAUSED && keep_rest(c) < 0)
        st = TLS_NOMEM;
    if (st != TLS_PAUSED) {
        free(c->stash);
        c->stash = NULL;
        c->in_len = 0;
    }
    c->in = c->stash; /* while paused, in_len counts the stashed bytes */
    if (st == TLS_OK && c->hand)
        try_handover(c);
    return st;
}

int tls_conn_write(struct tls_conn *c, const void *data, size_t len)
{
    if (!c->ssl) {
        if (c->failed || tls_rec_write(c->rec, c->srv->rec, data, len, &c->out) < 0) {
            c->failed = 1;
            return -EIO;
        }
        return 0;
    }
    if (!SSL_is_init_finished(c->ssl))
        return -EAGAIN;
    while (len > 0) {
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        ERR_clear_error();
        int n = SSL_write(c->ssl, data, chunk);
        if (n <= 0) {
            ERR_clear_error();
            c->failed = 1;
            return -EIO;
        }
        data = (const uint8_t *)data + n;
        len -= (size_t)n;
    }
    return 0;
}

long tls_conn_write_iov(struct tls_conn *c, const struct iovec *iov, unsigned n, size_t limit)
{
    uint8_t *g = c->srv->gather;
    size_t taken = 0, held = 0;
    if (!tls_conn_ready(c))
        return -EAGAIN;
    for (unsigned i = 0; i < n && taken + held < limit; i++) {
        const uint8_t *p = iov[i].iov_base;
        size_t len = iov[i].iov_len;
        if (len > limit - taken - held)
            len = limit - taken - held;
        while (len > 0) {
            size_t k = TLS_PLAIN_MAX - held < len ? TLS_PLAIN_MAX - held : len;
            memcpy(g + held, p, k);
            held += k;
            p += k;
            len -= k;
            if (held == TLS_PLAIN_MAX) {
                if (tls_conn_write(c, g, held) < 0)
                    return -EIO;
                taken += held;
                held = 0;
            }
        }
    }
    if (held > 0 && tls_conn_write(c, g, held) < 0)
        return -EIO;
    return (long)(taken + held);
}

void tls_conn_shutdown(struct tls_conn *c)
{
    if (!c->ssl) {
        if (!c->failed && tls_rec_alert(c->rec, c->srv->rec, 0, &c->out) < 0)
            c->failed = 1;
        return;
    }
    if (c->failed || !SSL_is_init_finished(c->ssl))
        return;
    ERR_clear_error();
    SSL_shutdown(c->ssl);
    ERR_clear_error();
}

struct pbuf *tls_conn_take_output(struct tls_conn *c)
{
    struct pbuf *b = c->out;
    c->out = NULL;
    return b;
}

int tls_conn_ready(const struct tls_conn *c)
{
    return !c->ssl || SSL_is_init_finished(c->ssl);
}

int tls_conn_paused(const struct tls_conn *c)
{
    return c->ssl ? c->stash != NULL : c->paused;
}

const char *tls_conn_alpn(const struct tls_conn *c, char *buf, size_t len)
{
    const unsigned char *p = NULL;
    unsigned int n = 0;
    if (!c->ssl) {
        snprintf(buf, len, "%s", c->alpn_http11 ? "http/1.1" : "");
        return buf;
    }
    SSL_get0_alpn_selected(c->ssl, &p, &n);
    snprintf(buf, len, "%.*s", (int)n, p ? (const char *)p : "");
    return buf;
}

int tls_conn_resumed(const struct tls_conn *c)
{
    return c->ssl ? SSL_session_reused(c->ssl) : c->resumed;
}

int tls_conn_handed_over(const struct tls_conn *c)
{
    return c->ssl == NULL;
}
