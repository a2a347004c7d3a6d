/* The TLS engine against a real OpenSSL client, both in memory: key loading checks (unreadable
 * file, mismatched key, expired certificate), the handshake (ALPN, TLS 1.2 minimum), data both
 * ways, plain HTTP refused, pausing, reload, session resumption and close_notify. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/tls.h"

static char dir[64];

/* Writes a self-signed certificate (valid from `from_days` to `to_days` around now) and its key. */
static void make_pair(const char *name, long from_days, long to_days)
{
    char path[128];
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(pk);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), from_days * 86400);
    X509_gmtime_adj(X509_getm_notAfter(x), to_days * 86400);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)name, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, pk);
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
    snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
    FILE *f = fopen(path, "w");
    PEM_write_X509(f, x);
    fclose(f);
    snprintf(path, sizeof(path), "%s/%s.key", dir, name);
    f = fopen(path, "w");
    PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(pk);
}

static const char *file(const char *name, const char *ext)
{
    static char paths[4][128];
    static int next;
    char *p = paths[next++ & 3];
    snprintf(p, 128, "%s/%s.%s", dir, name, ext);
    return p;
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/pulse-tls-XXXXXX");
    assert_non_null(mkdtemp(dir));
    make_pair("a", -1, 30);
    make_pair("b", -1, 30);
    make_pair("old", -30, -1);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    const char *names[] = {"a", "b", "old"};
    for (int i = 0; i < 3; i++) {
        unlink(file(names[i], "crt"));
        unlink(file(names[i], "key"));
    }
    rmdir(dir);
    return 0;
}

static void test_load_checks(void **state)
{
    (void)state;
    struct tls_keys *k = NULL;
    char why[256];
    assert_int_equal(tls_keys_load(file("a", "crt"), file("a", "key"), &k, why, sizeof(why)), 0);
    tls_keys_free(k);
    assert_true(tls_keys_load(file("nope", "crt"), file("a", "key"), &k, why, sizeof(why)) < 0);
    assert_null(k);
    assert_non_null(strstr(why, "nope.crt"));
    assert_true(tls_keys_load(file("a", "crt"), file("b", "key"), &k, why, sizeof(why)) < 0);
    assert_non_null(strstr(why, "does not match"));
    assert_true(tls_keys_load(file("a", "key"), file("a", "key"), &k, why, sizeof(why)) < 0);
    assert_non_null(strstr(why, "certificate"));
    assert_int_equal(tls_keys_load(file("old", "crt"), file("old", "key"), &k, why, sizeof(why)),
                     1);
    assert_non_null(strstr(why, "expired"));
    tls_keys_free(k);
}

/* ---- a client over memory BIOs, and the pipe between it and the engine -------------------- */

struct pair {
    struct tls_server srv;
    SSL_CTX *cctx;
    SSL *cl;
    BIO *to_client, *from_client; /* the client's rbio and wbio */
    struct tls_conn *sc;
    char got[65536];
    size_t got_len;
    int stop_after; /* the callback stops after this many chunks (0: never) */
    int chunks;
    enum tls_status last;
};

static int on_plain(void *user, uint8_t *data, size_t len)
{
    struct pair *p = user;
    assert_true(p->got_len + len <= sizeof(p->got));
    memcpy(p->got + p->got_len, data, len);
    p->got_len += len;
    return ++p->chunks == p->stop_after;
}

/* Moves bytes both ways until neither side has anything to say. */
static void pump(struct pair *p)
{
    for (int round = 0; round < 50; round++) {
        uint8_t buf[32768];
        int moved = 0, n;
        while ((n = BIO_read(p->from_client, buf, sizeof(buf))) > 0) {
            p->last = tls_conn_feed(p->sc, buf, (size_t)n, on_plain, p);
            moved = 1;
        }
        struct pbuf *out = tls_conn_take_output(p->sc);
        if (out) {
            BIO_write(p->to_client, out->data + out->start, (int)pbuf_len(out));
            pbuf_unref(out);
            moved = 1;
        }
        if (!SSL_is_init_finished(p->cl))
            SSL_do_handshake(p->cl);
        if (!moved && BIO_ctrl_pending(p->from_client) == 0)
            return;
    }
}

static void client_new(struct pair *p, int max_version)
{
    p->cctx = SSL_CTX_new(TLS_client_method());
    if (max_version)
        SSL_CTX_set_max_proto_version(p->cctx, max_version);
    SSL_CTX_set_alpn_protos(p->cctx, (const unsigned char *)"\x02h2\x08http/1.1", 12);
    p->cl = SSL_new(p->cctx);
    p->to_client = BIO_new(BIO_s_mem());
    p->from_client = BIO_new(BIO_s_mem());
    SSL_set_bio(p->cl, p->to_client, p->from_client);
    SSL_set_connect_state(p->cl);
    p->sc = tls_conn_new(&p->srv);
    assert_non_null(p->sc);
}

static void client_free(struct pair *p)
{
    SSL_free(p->cl);
    SSL_CTX_free(p->cctx);
    tls_conn_free(p->sc);
    p->cl = NULL;
    p->sc = NULL;
    p->got_len = 0;
    p->chunks = 0;
}

static struct pair *pair_new(const char *name)
{
    struct pair *p = calloc(1, sizeof(*p));
    struct tls_keys *k = NULL;
    char why[256];
    assert_int_equal(tls_keys_load(file(name, "crt"), file(name, "key"), &k, why, sizeof(why)), 0);
    assert_int_equal(tls_server_init(&p->srv, k), 0);
    return p;
}

static void pair_free(struct pair *p)
{
    client_free(p);
    tls_server_free(&p->srv);
    free(p);
}

static void handshake(struct pair *p)
{
    SSL_do_handshake(p->cl);
    pump(p);
    assert_true(SSL_is_init_finished(p->cl));
    assert_true(tls_conn_ready(p->sc));
}

static void test_handshake_and_data(void **state)
{
    (void)state;
    struct pair *p = pair_new("a");
    char alpn[32], buf[64];
    client_new(p, 0);
    handshake(p);
    assert_string_equal(tls_conn_alpn(p->sc, alpn, sizeof(alpn)), "http/1.1");
    assert_int_equal(SSL_version(p->cl), TLS1_3_VERSION);
    assert_int_equal(SSL_write(p->cl, "GET / HTTP/1.1\r\n\r\n", 18), 18);
    pump(p);
    assert_int_equal(p->last, TLS_OK);
    assert_int_equal(p->got_len, 18);
    assert_memory_equal(p->got, "GET / HTTP/1.1\r\n\r\n", 18);
    assert_int_equal(tls_conn_write(p->sc, "hello", 5), 0);
    pump(p);
    assert_int_equal(SSL_read(p->cl, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_null(tls_conn_take_output(p->sc)); /* nothing held once sent */
    pair_free(p);
}

static void test_bytewise_handshake_and_tls12(void **state)
{
    (void)state;
    struct pair *p = pair_new("a");
    uint8_t b;
    client_new(p, TLS1_2_VERSION);
    SSL_do_handshake(p->cl);
    while (BIO_read(p->from_client, &b, 1) == 1) /* the ClientHello a byte at a time */
        assert_int_equal(tls_conn_feed(p->sc, &b, 1, on_plain, p), TLS_OK);
    pump(p);
    assert_true(tls_conn_ready(p->sc));
    assert_int_equal(SSL_version(p->cl), TLS1_2_VERSION);
    pair_free(p);
}

static void test_old_versions_refused(void **state)
{
    (void)state;
    struct pair *p = pair_new("a");
    client_new(p, TLS1_1_VERSION);
    SSL_CTX_set_security_level(p->cctx, 0);
    SSL_set_security_level(p->cl, 0);
    SSL_set_min_proto_version(p->cl, TLS1_VERSION);
    if (SSL_do_handshake(p->cl) <= 0 && BIO_ctrl_pending(p->from_client) == 0) {
        ERR_clear_error();
        pair_free(p); /* this OpenSSL cannot even offer TLS 1.1 */
        return;
    }
    pump(p);
    assert_int_equal(p->last, TLS_FAILED);
    assert_false(tls_conn_ready(p->sc));
    ERR_clear_error();
    pair_free(p);
}

static void test_plain_http_refused(void **state)
{
    (void)state;
    struct pair *p = pair_new("a");
    const char *req = "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n";
    client_new(p, 0);
    assert_int_equal(tls_conn_feed(p->sc, (const uint8_t *)req, strlen(req), on_plain, p),
                     TLS_PLAIN);
    struct pbuf *out = tls_conn_take_output(p->sc);
    assert_non_null(out);
    assert_memory_equal(out->data + out->start, "HTTP/1.1 400 ", 13);
    assert_non_null(memmem(out->data + out->start, pbuf_len(out), "https://", 8));
    pbuf_unref(out);
    assert_int_equal(p->got_len, 0);
    assert_int_equal(tls_conn_feed(p->sc, (const uint8_t *)"x", 1, on_plain, p), TLS_FAILED);
    pair_free(p);
}

static void test_garbage_after_hello_fails(void **state)
{
    (void)state;
    struct pair *p = pair_new("a");
    uint8_t junk[64] = {0x16, 0x03, 0x01, 0x00, 0x20};
    client_new(p, 0);
    memset(junk + 5, 0xee, sizeof(junk) - 5);
    assert_int_equal(tls_conn_feed(p->sc, junk, sizeof(junk), on_plain, p), TLS_FAILED);
    pbuf_unref(tls_conn_take_output(p->sc)); /* an alert, perhaps */
    pair_free(p);
}

static void test_pause_and_resume(void **state)
{
    (void)state;
    struct pair *p = pair_new("a");
    uint8_t buf[4096];
    client_new(p, 0);
    handshake(p);
    SSL_write(p->cl, "one", 3);
    SSL_write(p->cl, "two", 3);
    SSL_write(p->cl, "three", 5);
    p->stop_after = 1;
    int n = BIO_read(p->from_client, buf, sizeof(buf));
    assert_int_equal(tls_conn_feed(p->sc, buf, (size_t)n, on_plain, p), TLS_PAUSED);
    memset(buf, 0, sizeof(buf)); /* the engine kept its own copy of the rest */
    assert_true(tls_conn_paused(p->sc));
    assert_int_equal(p->got_len, 3);
    p->stop_after = 0;
    assert_int_equal(tls_conn_feed(p->sc, NULL, 0, on_plain, p), TLS_OK);
    assert_false(tls_conn_paused(p->sc));
    assert_int_equal(p->got_len, 11);
    assert_memory_equal(p->got, "onetwothree", 11);
    pair_free(p);
}

static void test_close_notify_both_ways(void **state)
{
    (void)state;
    struct pair *p = pair_new("a");
    char buf[16];
    client_new(p, 0);
    handshake(p);
    tls_conn_shutdown(p->sc);
    pump(p);
    assert_int_equal(SSL_read(p->cl, buf, sizeof(buf)), 0);
    assert_int_equal(SSL_get_error(p->cl, 0), SSL_ERROR_ZERO_RETURN);
    SSL_shutdown(p->cl);
    pump(p);
    assert_int_equal(p->last, TLS_EOF);
    pair_free(p);
}

static X509 *peer_cert(struct pair *p)
{
    return SSL_get0_peer_certificate(p->cl);
}

static void test_reload_new_handshakes_only(void **state)
{
    (void)state;
    struct pair *p = pair_new("a"), *q = calloc(1, sizeof(*q));
    struct tls_keys *kb = NULL;
    char why[256], buf[16];
    client_new(p, 0);
    handshake(p);
    X509 *before = X509_dup(peer_cert(p));
    assert_int_equal(tls_keys_load(file("b", "crt"), file("b", "key"), &kb, why, sizeof(why)), 0);
    tls_server_swap(&p->srv, kb);
    /* The open connection goes on with its old context. */
    assert_int_equal(tls_conn_write(p->sc, "still", 5), 0);
    pump(p);
    assert_int_equal(SSL_read(p->cl, buf, sizeof(buf)), 5);
    /* A new handshake gets the new certificate. */
    q->srv = p->srv;
    client_new(q, 0);
    handshake(q);
    assert_int_not_equal(X509_cmp(before, peer_cert(q)), 0);
    X509_free(before);
    client_free(q);
    free(q);
    pair_free(p);
}

static SSL_SESSION *session_after_data(struct pair *p)
{
    char buf[8];
    assert_int_equal(tls_conn_write(p->sc, "x", 1), 0);
    pump(p);
    assert_int_equal(SSL_read(p->cl, buf, sizeof(buf)), 1); /* reads the ticket too */
    SSL_shutdown(p->cl); /* a session ended without close_notify is not resumed */
    tls_conn_shutdown(p->sc);
    pump(p);
    return SSL_get1_session(p->cl);
}

static void resume_with(int version)
{
    struct pair *p = pair_new("a");
    client_new(p, version);
    handshake(p);
    SSL_SESSION *s = session_after_data(p);
    assert_non_null(s);
    assert_false(tls_conn_resumed(p->sc));
    client_free(p);
    client_new(p, version);
    SSL_set_session(p->cl, s);
    handshake(p);
    assert_true(tls_conn_resumed(p->sc));
    SSL_SESSION_free(s);
    pair_free(p);
}

static void test_session_resumption(void **state)
{
    (void)state;
    resume_with(0);              /* TLS 1.3 ticket */
    resume_with(TLS1_2_VERSION); /* TLS 1.2 ticket */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_checks),
        cmocka_unit_test(test_handshake_and_data),
        cmocka_unit_test(test_bytewise_handshake_and_tls12),
        cmocka_unit_test(test_old_versions_refused),
        cmocka_unit_test(test_plain_http_refused),
        cmocka_unit_test(test_garbage_after_hello_fails),
        cmocka_unit_test(test_pause_and_resume),
        cmocka_unit_test(test_close_notify_both_ways),
        cmocka_unit_test(test_reload_new_handshakes_only),
        cmocka_unit_test(test_session_resumption),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
