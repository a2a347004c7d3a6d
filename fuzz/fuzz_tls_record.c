/* libFuzzer target: the TLS 1.3 record layer's parser. The first byte picks the cipher and the
 * mode. Raw mode feeds the bytes as ciphertext records (headers, lengths, tags). Sealed mode
 * cuts the bytes into (content type, length, body) pieces, seals each as a peer with the right
 * keys would, and opens it, so decryption succeeds and padding, content types, alerts and
 * KeyUpdate are reached. Checks that application data comes back byte for byte, and that
 * nothing reads or writes out of bounds or leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/tls_record.h"

static struct tls_rec_shared *shared(void)
{
    static struct tls_rec_shared *sh;
    if (!sh && !(sh = tls_rec_shared_new()))
        abort();
    return sh;
}

static void raw(struct tls_rec *srv, const uint8_t *p, size_t n, struct pbuf **out)
{
    size_t used, plen;
    uint8_t *plain;
    while (n > 0) {
        enum tls_rec_kind k = tls_rec_open(srv, shared(), p, n, &used, &plain, &plen, out);
        if (k <= 0 || k == TLS_REC_CLOSE)
            return;
        if (used == 0 || used > n || plen > 16384)
            abort();
        p += used;
        n -= used;
    }
}

static void sealed(struct tls_rec *srv, struct tls_rec *peer, const uint8_t *p, size_t n,
                   struct pbuf **out)
{
    size_t used, plen;
    uint8_t *plain;
    while (n >= 2) {
        uint8_t type = p[0];
        size_t len = p[1] * 97u < n - 2 ? p[1] * 97u : n - 2;
        struct pbuf *rec = NULL;
        if (tls_rec_seal(peer, shared(), type, p + 2, len, &rec) < 0)
            abort();
        enum tls_rec_kind k = tls_rec_open(srv, shared(), rec->data + rec->start, pbuf_len(rec),
                                           &used, &plain, &plen, out);
        if (used != pbuf_len(rec) ||
            (type == 23 && (k != TLS_REC_DATA || plen != len || memcmp(plain, p + 2, len))))
            abort();
        pbuf_unref(rec);
        peer->tx = srv->rx; /* the peer moves to the keys it announced in a KeyUpdate */
        if (k <= 0 || k == TLS_REC_CLOSE)
            return;
        p += 2 + len;
        n -= 2 + len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t a[48] = {1, 2, 3}, b[48] = {4, 5, 6};
    struct tls_rec srv, peer;
    struct pbuf *out = NULL;
    if (size < 1)
        return 0;
    enum tls_rec_suite suite = (enum tls_rec_suite)(1 + (data[0] & 0x7f) % 3);
    if (tls_rec_init(&srv, shared(), suite, a, b, 0, 0) < 0 ||
        tls_rec_init(&peer, shared(), suite, b, a, 0, 0) < 0)
        abort();
    if (data[0] & 0x80)
        raw(&srv, data + 1, size - 1, &out);
    else
        sealed(&srv, &peer, data + 1, size - 1, &out);
    pbuf_unref(out);
    tls_rec_clear(&srv);
    tls_rec_clear(&peer);
    return 0;
}
