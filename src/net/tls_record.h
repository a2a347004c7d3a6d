/* The TLS 1.3 record layer that takes over a connection after OpenSSL finished its handshake
 * (RFC 8446 section 5): AEAD records with AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305,
 * application data both ways, alerts, and KeyUpdate both ways. It exists to free the ~13 KiB
 * OpenSSL 3.0 keeps per idle SSL object (docs/ARCHITECTURE.md, "TLS").
 *
 * `struct tls_rec_shared` is per server: one EVP_CIPHER_CTX per cipher, re-keyed for every
 * record (the loop is single-threaded), and the scratch buffers. `struct tls_rec` is per
 * connection: the traffic secret, key, IV and sequence number of each direction. */
#ifndef PULSE_TLS_RECORD_H
#define PULSE_TLS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/pbuf.h"

#define TLS_REC_SECRET_MAX 48                   /* SHA-384 */
#define TLS_REC_HEADER 5                        /* type, legacy version, length */
#define TLS_REC_TAG 16                          /* the AEAD tag of all three ciphers */
#define TLS_REC_INNER_MAX (16384 + 1)           /* TLSInnerPlaintext: content, type, padding */
#define TLS_REC_CIPHER_MAX (16384 + 256)        /* the largest encrypted_record accepted */
#define TLS_REC_REKEY_AFTER (UINT64_C(1) << 24) /* records sent before our own KeyUpdate */

enum tls_rec_suite { TLS_REC_NONE, TLS_REC_AES128GCM, TLS_REC_AES256GCM, TLS_REC_CHACHA20 };

/* What tls_rec_open found in the record at the start of the input. */
enum tls_rec_kind {
    TLS_REC_INCOMPLETE = 0, /* not a whole record yet: nothing consumed */
    TLS_REC_DATA = 1,       /* application data (maybe empty) */
    TLS_REC_DONE = 2,       /* a KeyUpdate, handled */
    TLS_REC_CLOSE = 3,      /* close_notify */
    TLS_REC_FAIL = -1,      /* bad record or a fatal alert: a fatal alert of ours is queued */
    TLS_REC_NOMEM = -12,
};

struct tls_rec_dir {
    uint8_t secret[TLS_REC_SECRET_MAX]; /* application_traffic_secret_N */
    uint8_t key[32];
    uint8_t iv[12];
    uint64_t seq;
};

struct tls_rec {
    struct tls_rec_dir rx, tx;
    uint8_t suite;    /* enum tls_rec_suite */
    uint8_t hash_len; /* 32 or 48 */
};

struct tls_rec_shared;

/* New per-server state (cipher contexts, HKDF, scratch buffers), or NULL. */
struct tls_rec_shared *tls_rec_shared_new(void);

/* Frees per-server state. */
void tls_rec_shared_free(struct tls_rec_shared *sh);

/* Lowers the number of records sent before a KeyUpdate of ours (for tests). */
void tls_rec_shared_rekey_after(struct tls_rec_shared *sh, uint64_t records);

/* The suite for an OpenSSL cipher id (SSL_CIPHER_get_id), or TLS_REC_NONE. */
enum tls_rec_suite tls_rec_suite_of(unsigned long cipher_id);

/* Sets up both directions from the traffic secrets and the records already counted: 0 or -1. */
int tls_rec_init(struct tls_rec *r, struct tls_rec_shared *sh, enum tls_rec_suite suite,
                 const uint8_t *rx_secret, const uint8_t *tx_secret, uint64_t rx_seq,
                 uint64_t tx_seq);

/* Wipes the keys. */
void tls_rec_clear(struct tls_rec *r);

/* Opens the record at the start of `in`: its size in *used (0 if incomplete), application data
 * in *plain (a scratch buffer, valid until the next call). Replies (KeyUpdate, alerts) are
 * appended to *out. */
enum tls_rec_kind tls_rec_open(struct tls_rec *r, struct tls_rec_shared *sh, const uint8_t *in,
                               size_t len, size_t *used, uint8_t **plain, size_t *plain_len,
                               struct pbuf **out);

/* Encrypts application data into records of at most 16384 bytes appended to *out: 0, -ENOMEM,
 * or -EIO. */
int tls_rec_write(struct tls_rec *r, struct tls_rec_shared *sh, const uint8_t *data, size_t len,
                  struct pbuf **out);

/* Encrypts one record of content `type` (len <= 16384) into *out: 0, -ENOMEM, or -EIO. */
int tls_rec_seal(struct tls_rec *r, struct tls_rec_shared *sh, uint8_t type, const uint8_t *data,
                 size_t len, struct pbuf **out);

/* Appends an alert record (close_notify is 0, warning level): 0 or negative. */
int tls_rec_alert(struct tls_rec *r, struct tls_rec_shared *sh, uint8_t desc, struct pbuf **out);

#endif
