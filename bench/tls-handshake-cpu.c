/* Server-side CPU per TLS handshake through Pulse's engine (net/tls.c), in memory against an
 * OpenSSL client in the same process: the time spent in tls_conn_feed and tls_conn_free for a
 * full TLS 1.3 handshake and the ticket, averaged over N handshakes. Build it once against this
 * tree and once against another (e.g. main) to compare (docs/BENCHMARKS.md):
 *
 *   cc -O2 -Isrc -o /tmp/hs bench/tls-handshake-cpu.c src/net/tls.c src/net/tls_record.c \
 *       src/base/pbuf.c -lssl -lcrypto          (main: without src/net/tls_record.c)
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=x \
 *       -keyout KEY -out CERT
 *   /tmp/hs CERT KEY 700
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include "net/tls.h"
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
static int on_plain(void *u, uint8_t *d, size_t l)
{
    (void)u;
    (void)d;
    (void)l;
    return 0;
}
int main(int argc, char **argv)
{
    struct tls_keys *k;
    if (argc != 4) {
        fprintf(stderr, "usage: %s CERT KEY N\n", argv[0]);
        return 2;
    }
    char why[256];
    struct tls_server srv;
    if (tls_keys_load(argv[1], argv[2], &k, why, sizeof why) < 0) {
        puts(why);
        return 1;
    }
    tls_server_init(&srv, k);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    int N = atoi(argv[3]);
    double ts = 0;
    static uint8_t buf[65536];
    double t0 = now();
    for (int i = 0; i < N; i++) {
        SSL *cl = SSL_new(cctx);
        BIO *to = BIO_new(BIO_s_mem()), *from = BIO_new(BIO_s_mem());
        SSL_set_bio(cl, to, from);
        SSL_set_connect_state(cl);
        struct tls_conn *sc = tls_conn_new(&srv);
        while (SSL_do_handshake(cl) != 1 || BIO_ctrl_pending(from)) {
            int n = BIO_read(from, buf, sizeof buf);
            if (n > 0) {
                double a = now();
                tls_conn_feed(sc, buf, n, on_plain, NULL);
                ts += now() - a;
            }
            struct pbuf *o = tls_conn_take_output(sc);
            if (o) {
                BIO_write(to, o->data + o->start, pbuf_len(o));
                pbuf_unref(o);
            }
        }
        SSL_read(cl, buf, 1);
        ERR_clear_error();
        double a = now();
        tls_conn_free(sc);
        ts += now() - a;
        SSL_free(cl);
    }
    printf("%d handshakes: total %.1f us each, server side %.1f us each\n", N,
           (now() - t0) / N * 1e6, ts / N * 1e6);
}
