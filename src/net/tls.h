/* TLS for the one listening port: an OpenSSL engine over in-memory BIOs, so the socket code
 * stays libuv's and HTTP and WebSocket code see only plaintext.
 *
 * `struct tls_keys` is one certificate chain and key loaded into a server context (TLS 1.2
 * minimum, Mozilla "intermediate" ciphers, ALPN http/1.1, session tickets and a session cache,
 * SSL_MODE_RELEASE_BUFFERS). `struct tls_server` holds the keys new handshakes use; a reload
 * swaps them in while open connections keep the context they started with.
 *
 * `struct tls_conn` is one connection: ciphertext from the socket is fed in and plaintext comes
 * out through a callback; plaintext written is encrypted into an output buffer the caller
 * sends. Neither direction keeps a buffer while idle: the BIOs read straight from the caller's
 * bytes and write into a pbuf that the caller takes.
 *
 * A TLS 1.3 connection (AES-GCM or ChaCha20-Poly1305) is handed over to Pulse's own record
 * layer (net/tls_record.h) once its handshake is over and OpenSSL holds nothing buffered: the
 * SSL object is freed and only the traffic secrets, keys and sequence numbers stay. */
#ifndef PULSE_TLS_H
#define PULSE_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "base/pbuf.h"

#define TLS_PLAIN_MAX 16384 /* the largest TLS record's plaintext */

struct tls_keys;
struct tls_conn;
struct tls_rec_shared;

struct tls_server {
    struct tls_keys *keys;         /* used by new handshakes */
    void *bio_method;              /* the BIO_METHOD of every connection's BIO */
    struct tls_rec_shared *rec;    /* cipher contexts of the record layer (net/tls_record.h) */
    uint8_t plain[TLS_PLAIN_MAX];  /* decrypted bytes, handed to the read callback */
    uint8_t gather[TLS_PLAIN_MAX]; /* small frames gathered into one record before encrypting */
};

/* What tls_conn_feed found. */
enum tls_status {
    TLS_OK = 0,      /* go on reading (plaintext, if any, went to the callback) */
    TLS_PAUSED = 1,  /* the callback asked to stop; tls_conn_feed(c, NULL, 0, ...) resumes */
    TLS_PLAIN = 2,   /* the peer speaks plain HTTP: a 400 refusal is in the output; close */
    TLS_EOF = 3,     /* the peer sent close_notify */
    TLS_FAILED = -1, /* handshake or record error: an alert may be in the output; close */
    TLS_NOMEM = -12, /* out of memory */
};

/* Receives decrypted bytes (writable in place); returns nonzero to stop reading for now. */
typedef int (*tls_plain_fn)(void *user, uint8_t *data, size_t len);

/* Loads a PEM certificate chain and key into new keys: 0, 1 with a warning in `why` (an
 * expired certificate), or a negative errno with a one-line reason in `why`. Thread-safe. */
int tls_keys_load(const char *cert, const char *key, struct tls_keys **out, char *why,
                  size_t whylen);

/* Frees keys (connections that still use their context keep it alive). */
void tls_keys_free(struct tls_keys *k);

/* Sets up a server with `keys` (taken over); returns 0 or -ENOMEM. */
int tls_server_init(struct tls_server *s, struct tls_keys *keys);

/* Makes `keys` (taken over) the ones new handshakes use, freeing the old ones. */
void tls_server_swap(struct tls_server *s, struct tls_keys *keys);

/* Frees the server's keys and BIO method (after every connection was freed). */
void tls_server_free(struct tls_server *s);

/* A new server-side connection, or NULL. */
struct tls_conn *tls_conn_new(struct tls_server *s);

/* Frees a connection. */
void tls_conn_free(struct tls_conn *c);

/* Feeds ciphertext (NULL, 0 to resume after TLS_PAUSED): drives the handshake and hands each
 * decrypted chunk to `fn`. Bytes not consumed when `fn` stops are kept until resumed. */
enum tls_status tls_conn_feed(struct tls_conn *c, const uint8_t *in, size_t len, tls_plain_fn fn,
                              void *user);

/* Encrypts plaintext into the output; 0, -EAGAIN before the handshake ended, or -EIO. */
int tls_conn_write(struct tls_conn *c, const void *data, size_t len);

/* Encrypts up to `limit` bytes of iov into the output, small pieces gathered into full records:
 * the bytes taken, -EAGAIN before the handshake ended, or -EIO. */
long tls_conn_write_iov(struct tls_conn *c, const struct iovec *iov, unsigned n, size_t limit);

/* Queues a close_notify alert into the output. */
void tls_conn_shutdown(struct tls_conn *c);

/* Takes the ciphertext waiting to be sent (one reference, caller's), or NULL if none. */
struct pbuf *tls_conn_take_output(struct tls_conn *c);

/* Whether the handshake has completed. */
int tls_conn_ready(const struct tls_conn *c);

/* Whether input is kept back after TLS_PAUSED. */
int tls_conn_paused(const struct tls_conn *c);

/* The negotiated ALPN protocol ("" for none) and TLS version name, for logs and tests. */
const char *tls_conn_alpn(const struct tls_conn *c, char *buf, size_t len);

/* Whether the session was resumed from a ticket or the cache. */
int tls_conn_resumed(const struct tls_conn *c);

/* Whether Pulse's record layer carries the connection (its SSL object is freed). */
int tls_conn_handed_over(const struct tls_conn *c);

#endif
