/* Live heap OpenSSL keeps per idle server-side connection after a full handshake, with Pulse's
 * SSL_CTX settings (docs/BENCHMARKS.md, issue 12). A counting allocator
 * (CRYPTO_set_mem_functions) tags what the server-side calls allocate; the last connection's
 * live blocks are listed with the OpenSSL source line that allocated them.
 *
 *   cc -O1 -o /tmp/thp bench/tls-heap-probe.c -lssl -lcrypto
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
 *       -keyout KEY -out CERT -days 2 -subj /CN=x
 *   /tmp/thp N CACHE TICKETS TLS12 CERT KEY      (500 1 1 0 ... : Pulse's settings, TLS 1.3)
 */
#include <malloc.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int tag;
static int logm;
struct rec {
    void *p;
    size_t n;
    const char *f;
    int l;
};
static struct rec recs[4096];
static int nrec; /* 1 while server-side code runs */
static long live_srv, nalloc_srv;
struct hdr {
    size_t n;
    int tag;
    int pad;
};
static void *m(size_t n, const char *f, int l)
{
    struct hdr *h = malloc(sizeof *h + n);
    if (!h)
        return 0;
    h->n = n;
    h->tag = tag;
    if (tag) {
        live_srv += n;
        nalloc_srv++;
        if (logm && nrec < 4096) {
            recs[nrec++] = (struct rec){h + 1, n, f, l};
        }
    }
    return h + 1;
}
static void fr(void *p, const char *f, int l)
{
    (void)f;
    (void)l;
    if (!p)
        return;
    struct hdr *h = (struct hdr *)p - 1;
    if (h->tag) {
        live_srv -= h->n;
        nalloc_srv--;
        for (int k = 0; k < nrec; k++)
            if (recs[k].p == p) {
                recs[k].p = 0;
                break;
            }
    }
    free(h);
}
static void *r(void *p, size_t n, const char *f, int l)
{
    if (!p)
        return m(n, f, l);
    struct hdr *h = (struct hdr *)p - 1;
    size_t old = h->n;
    int t = h->tag;
    struct hdr *q = realloc(h, sizeof *q + n);
    if (!q)
        return 0;
    q->n = n;
    if (t) {
        live_srv += (long)n - (long)old;
        for (int k = 0; k < nrec; k++)
            if (recs[k].p == p) {
                recs[k].p = q + 1;
                recs[k].n = n;
                break;
            }
    }
    return q + 1;
}
static void pump(SSL *c, SSL *s)
{
    for (int i = 0; i < 50; i++) {
        int rc = SSL_do_handshake(c);
        tag = 1;
        int rs = SSL_do_handshake(s);
        tag = 0;
        if (rc == 1 && rs == 1)
            break;
    }
    char b[64];
    tag = 1;
    SSL_read(s, b, sizeof b);
    tag = 0;
    SSL_read(c, b, sizeof b); /* tickets */
    tag = 1;
    SSL_read(s, b, sizeof b);
    tag = 0;
}
int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s N CACHE TICKETS TLS12 CERT KEY\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    int cache = atoi(argv[2]);
    int tickets = atoi(argv[3]);
    int v12 = atoi(argv[4]);
    CRYPTO_set_mem_functions(m, r, fr);
    tag = 1;
    SSL_CTX *sc = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_options(sc, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_cache_mode(sc, cache ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
    SSL_CTX_sess_set_cache_size(sc, 4096);
    SSL_CTX_set_num_tickets(sc, tickets);
    SSL_CTX_set1_groups_list(sc, "X25519:P-256:P-384");
    SSL_CTX_set_session_id_context(sc, (const unsigned char *)"pulse", 5);
    if (SSL_CTX_use_certificate_chain_file(sc, argv[5]) != 1 ||
        SSL_CTX_use_PrivateKey_file(sc, argv[6], SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    tag = 0;
    SSL_CTX *cc = SSL_CTX_new(TLS_client_method());
    if (v12)
        SSL_CTX_set_max_proto_version(cc, TLS1_2_VERSION);
    SSL **ss = calloc(n, sizeof *ss);
    /* warm-up connection so lazy one-time allocations are not counted */
    for (int i = -1; i < n; i++) {
        if (i == n - 1)
            logm = 1;
        SSL *c = SSL_new(cc);
        tag = 1;
        SSL *s = SSL_new(sc);
        tag = 0;
        BIO *bc, *bs;
        BIO_new_bio_pair(&bc, 0, &bs, 0);
        SSL_set_bio(c, bc, bc);
        tag = 1;
        SSL_set_bio(s, bs, bs);
        SSL_set_accept_state(s);
        tag = 0;
        SSL_set_connect_state(c);
        pump(c, s);
        SSL_free(c);
        if (i < 0) {
            tag = 1;
            SSL_free(s);
            tag = 0;
            long base = live_srv;
            (void)base;
            live_srv = 0;
            nalloc_srv = 0; /* reset after ctx+warmup */
            continue;
        }
        ss[i] = s;
    }
    printf("cache=%d tickets=%d tls12=%d: server live heap per conn %.0f B in %.1f blocks; cache "
           "entries %ld\n",
           cache, tickets, v12, (double)live_srv / n, (double)nalloc_srv / n,
           SSL_CTX_sess_number(sc));
    for (int k = 0; k < nrec; k++)
        if (recs[k].p)
            printf("   %6zu %s:%d\n", recs[k].n, recs[k].f, recs[k].l);
    struct mallinfo2 mi = mallinfo2();
    printf("  glibc in-use %zu KiB, free %zu KiB\n", mi.uordblks / 1024, mi.fordblks / 1024);
    return 0;
}
