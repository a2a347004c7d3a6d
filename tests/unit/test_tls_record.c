/* The record layer that takes over a TLS 1.3 connection after the handshake, against a real
 * OpenSSL client in memory: the handover for each cipher, data both ways in many and in large
 * records, KeyUpdate both ways (the client's, and ours after a lowered record count), pausing,
 * records split byte by byte, close_notify, and bad records (corrupted tag, oversize, plain
 * content types, a post-handshake message) that fail the connection with an alert. TLS 1.2
 * stays on OpenSSL. */
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
#include "net/tls_record.h"

static char dir[64], crt[128], key[128];

static int group_setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/pulse-tlsrec-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(crt, sizeof(crt), "%s/c.crt", dir);
    snprintf(key, sizeof(key), "%s/c.key", dir);
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"rec", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, pk);
    assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
    FILE *f = fopen(crt, "w");
    PEM_write_X509(f, x);
    fclose(f);
    f = fopen(key, "w");
    PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(pk);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(crt);
    unlink(key);
    rmdir(dir);
    return 0;
}

/* ---- a client over memory BIOs ------------------------------------------------------------- */

#define GOT_MAX (1 << 20)

struct pair {
    struct tls_server srv;
    SSL_CTX *cctx;
    SSL *cl;
    BIO *to_client, *from_client;
    struct tls_conn *sc;
    uint8_t *got;
    size_t got_len;
    int stop_after, chunks;
    int echo; /* the callback answers each chunk at once, as an HTTP handler does */
    enum tls_status last;
};

static int on_plain(void *user, uint8_t *data, size_t len)
{
    struct pair *p = user;
    assert_true(p->got_len + len <= GOT_MAX);
    memcpy(p->got + p->got_len, data, len);
    p->got_len += len;
    if (p->echo)
        assert_int_equal(tls_conn_write(p->sc, data, len), 0);
    return ++p->chunks == p->stop_after;
}

/* Hands the server's output to the client. */
static void to_client(struct pair *p)
{
    struct pbuf *out = tls_conn_take_output(p->sc);
    if (out) {
        BIO_write(p->to_client, out->data + out->start, (int)pbuf_len(out));
        pbuf_unref(out);
    }
}

/* Feeds everything the client wrote to the server in one piece. */
static enum tls_status to_server(struct pair *p)
{
    static uint8_t buf[1 << 18];
    int n = BIO_read(p->from_client, buf, sizeof(buf));
    if (n > 0)
        p->last = tls_conn_feed(p->sc, buf, (size_t)n, on_plain, p);
    return p->last;
}

static struct pair *pair_new(const char *suites, int max_version)
{
    struct pair *p = calloc(1, sizeof(*p));
    struct tls_keys *k = NULL;
    char why[256];
    p->got = malloc(GOT_MAX);
    assert_int_equal(tls_keys_load(crt, key, &k, why, sizeof(why)), 0);
    assert_int_equal(tls_server_init(&p->srv, k), 0);
    p->cctx = SSL_CTX_new(TLS_client_method());
    if (suites)
        assert_int_equal(SSL_CTX_set_ciphersuites(p->cctx, suites), 1);
    if (max_version)
        SSL_CTX_set_max_proto_version(p->cctx, max_version);
    SSL_CTX_set_alpn_protos(p->cctx, (const unsigned char *)"\x08http/1.1", 9);
    p->cl = SSL_new(p->cctx);
    p->to_client = BIO_new(BIO_s_mem());
    p->from_client = BIO_new(BIO_s_mem());
    SSL_set_bio(p->cl, p->to_client, p->from_client);
    SSL_set_connect_state(p->cl);
    p->sc = tls_conn_new(&p->srv);
    assert_non_null(p->sc);
    return p;
}

static void pair_free(struct pair *p)
{
    SSL_free(p->cl);
    SSL_CTX_free(p->cctx);
    tls_conn_free(p->sc);
    tls_server_free(&p->srv);
    free(p->got);
    free(p);
    ERR_clear_error();
}

/* The full handshake; `early` is sent by the client right behind its Finished. */
static void handshake(struct pair *p, const char *early)
{
    SSL_do_handshake(p->cl);
    to_server(p);
    to_client(p);
    while (SSL_do_handshake(p->cl) != 1) { /* TLS 1.2 takes one more round */
        to_server(p);
        to_client(p);
    }
    if (early)
        assert_int_equal(SSL_write(p->cl, early, (int)strlen(early)), (int)strlen(early));
    assert_int_equal(to_server(p), TLS_OK);
    to_client(p);
    assert_true(tls_conn_ready(p->sc));
}

/* Reads exactly `len` bytes on the client (the tickets and KeyUpdates are read on the way). */
static void client_reads(struct pair *p, uint8_t *buf, size_t len)
{
    size_t have = 0;
    while (have < len) {
        int n = SSL_read(p->cl, buf + have, (int)(len - have));
        assert_true(n > 0);
        have += (size_t)n;
    }
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 31 + seed + (i >> 8));
}

/* Data both ways: `n` messages of `size` bytes each way. */
static void exchange(struct pair *p, int n, size_t size)
{
    uint8_t *msg = malloc(size), *back = malloc(size);
    for (int i = 0; i < n; i++) {
        fill(msg, size, (unsigned)i);
        p->got_len = 0;
        assert_int_equal(SSL_write(p->cl, msg, (int)size), (int)size);
        while (BIO_ctrl_pending(p->from_client) > 0)
            assert_int_equal(to_server(p), TLS_OK);
        assert_int_equal(p->got_len, size);
        assert_memory_equal(p->got, msg, size);
        assert_int_equal(tls_conn_write(p->sc, msg, size), 0);
        to_client(p);
        client_reads(p, back, size);
        assert_memory_equal(back, msg, size);
    }
    free(msg);
    free(back);
}

static void test_handover_each_cipher(void **state)
{
    (void)state;
    const char *suites[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                            "TLS_CHACHA20_POLY1305_SHA256"};
    char alpn[16];
    for (int i = 0; i < 3; i++) {
        struct pair *p = pair_new(suites[i], 0);
        handshake(p, NULL);
        assert_true(tls_conn_handed_over(p->sc));
        assert_string_equal(tls_conn_alpn(p->sc, alpn, sizeof(alpn)), "http/1.1");
        assert_false(tls_conn_resumed(p->sc));
        exchange(p, 3, 100);
        exchange(p, 2, 70000); /* several full records each way */
        pair_free(p);
    }
}

static void test_data_behind_finished(void **state)
{
    (void)state;
    struct pair *p = pair_new(NULL, 0);
    handshake(p, "GET / HTTP/1.1\r\n\r\n"); /* read by OpenSSL, counted for the handover */
    assert_int_equal(p->got_len, 18);
    if (!tls_conn_handed_over(p->sc)) { /* the next feed hands over */
        exchange(p, 1, 10);
        assert_true(tls_conn_handed_over(p->sc));
    }
    exchange(p, 5, 1000);
    pair_free(p);
}

static void test_answer_before_handover(void **state)
{
    (void)state;
    struct pair *p = pair_new(NULL, 0);
    uint8_t back[18];
    p->echo = 1; /* written through OpenSSL inside the feed that ends the handshake */
    handshake(p, "GET / HTTP/1.1\r\n\r\n");
    client_reads(p, back, sizeof(back));
    assert_memory_equal(back, "GET / HTTP/1.1\r\n\r\n", 18);
    p->echo = 0;
    exchange(p, 3, 5000);
    assert_true(tls_conn_handed_over(p->sc));
    pair_free(p);
}

static void test_tls12_stays_on_openssl(void **state)
{
    (void)state;
    struct pair *p = pair_new(NULL, TLS1_2_VERSION);
    handshake(p, NULL);
    exchange(p, 2, 100);
    assert_false(tls_conn_handed_over(p->sc));
    pair_free(p);
}

static void test_many_records(void **state)
{
    (void)state;
    struct pair *p = pair_new(NULL, 0);
    uint8_t b[1];
    handshake(p, NULL);
    assert_true(tls_conn_handed_over(p->sc));
    for (int i = 0; i < 70000; i++) { /* more than 2^16 records each way */
        b[0] = (uint8_t)i;
        assert_int_equal(SSL_write(p->cl, b, 1), 1);
        assert_int_equal(tls_conn_write(p->sc, b, 1), 0);
        if (i % 1000 == 999) {
            p->got_len = 0;
            assert_int_equal(to_server(p), TLS_OK);
            assert_int_equal(p->got_len, 1000);
            to_client(p);
            uint8_t back[1000];
            client_reads(p, back, sizeof(back));
            assert_int_equal(back[999], b[0]);
        }
    }
    pair_free(p);
}

static void client_key_update(int type)
{
    struct pair *p = pair_new(NULL, 0);
    handshake(p, NULL);
    exchange(p, 1, 10);
    assert_int_equal(SSL_key_update(p->cl, type), 1);
    exchange(p, 2, 20000); /* the KeyUpdate goes out with the first write */
    assert_int_equal(SSL_key_update(p->cl, type), 1);
    exchange(p, 2, 10);
    pair_free(p);
}

static void test_client_key_update(void **state)
{
    (void)state;
    client_key_update(SSL_KEY_UPDATE_NOT_REQUESTED);
    client_key_update(SSL_KEY_UPDATE_REQUESTED); /* we answer with our own */
}

static void test_our_key_update(void **state)
{
    (void)state;
    struct pair *p = pair_new("TLS_AES_256_GCM_SHA384", 0);
    handshake(p, NULL);
    tls_rec_shared_rekey_after(p->srv.rec, 3);
    exchange(p, 10, 40000); /* three records per message: a KeyUpdate before every one */
    pair_free(p);
}

static void test_pause_and_bytewise(void **state)
{
    (void)state;
    struct pair *p = pair_new(NULL, 0);
    uint8_t buf[4096];
    handshake(p, NULL);
    SSL_write(p->cl, "one", 3);
    SSL_write(p->cl, "two", 3);
    SSL_write(p->cl, "three", 5);
    p->stop_after = 1;
    int n = BIO_read(p->from_client, buf, sizeof(buf));
    assert_int_equal(tls_conn_feed(p->sc, buf, (size_t)n, on_plain, p), TLS_PAUSED);
    memset(buf, 0, sizeof(buf));
    assert_true(tls_conn_paused(p->sc));
    p->stop_after = 0;
    assert_int_equal(tls_conn_feed(p->sc, NULL, 0, on_plain, p), TLS_OK);
    assert_false(tls_conn_paused(p->sc));
    assert_int_equal(p->got_len, 11);
    assert_memory_equal(p->got, "onetwothree", 11);
    SSL_write(p->cl, "split", 5);
    n = BIO_read(p->from_client, buf, sizeof(buf));
    for (int i = 0; i < n; i++) /* a record a byte at a time */
        assert_int_equal(tls_conn_feed(p->sc, buf + i, 1, on_plain, p), TLS_OK);
    assert_false(tls_conn_paused(p->sc));
    assert_int_equal(p->got_len, 16);
    assert_memory_equal(p->got + 11, "split", 5);
    pair_free(p);
}

static void test_close_notify(void **state)
{
    (void)state;
    struct pair *p = pair_new(NULL, 0);
    char buf[16];
    handshake(p, NULL);
    tls_conn_shutdown(p->sc);
    to_client(p);
    assert_int_equal(SSL_read(p->cl, buf, sizeof(buf)), 0);
    assert_int_equal(SSL_get_error(p->cl, 0), SSL_ERROR_ZERO_RETURN);
    SSL_shutdown(p->cl);
    assert_int_equal(to_server(p), TLS_EOF);
    pair_free(p);
}

/* The client saw a fatal alert from us (it fails reading). */
static void client_sees_alert(struct pair *p)
{
    char buf[16];
    to_client(p);
    assert_true(SSL_read(p->cl, buf, sizeof(buf)) <= 0);
    assert_int_equal(SSL_get_error(p->cl, -1), SSL_ERROR_SSL);
}

/* Feeds the client's next record with byte `at` (from the end when negative) set to `v`. */
static enum tls_status tampered(struct pair *p, int at, uint8_t v)
{
    uint8_t buf[32768];
    SSL_write(p->cl, "hello", 5);
    int n = BIO_read(p->from_client, buf, sizeof(buf));
    buf[at < 0 ? n + at : at] = v;
    return tls_conn_feed(p->sc, buf, (size_t)n, on_plain, p);
}

static void test_bad_records_fail(void **state)
{
    (void)state;
    struct {
        int at;
        uint8_t v;
    } cases[] = {
        {-1, 0x00}, /* corrupted tag: bad_record_mac */
        {0, 0x16},  /* a plain handshake record after the handshake: unexpected_message */
        {0, 0x14},  /* change_cipher_spec */
        {3, 0x48},  /* oversize: record_overflow */
        {4, 0x01},  /* too short for a tag */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pair *p = pair_new(NULL, 0);
        handshake(p, NULL);
        assert_int_equal(tampered(p, cases[i].at, cases[i].v), TLS_FAILED);
        assert_int_equal(p->got_len, 0);
        client_sees_alert(p);
        assert_int_equal(tls_conn_write(p->sc, "x", 1), -EIO);
        assert_int_equal(tls_conn_feed(p->sc, (const uint8_t *)"x", 1, on_plain, p), TLS_FAILED);
        pair_free(p);
    }
}

static uint8_t client_secret[48], server_secret[48];

static int unhex(const char *hex, uint8_t *out)
{
    int n = 0;
    unsigned v;
    while (n < 48 && sscanf(hex + 2 * n, "%2x", &v) == 1)
        out[n++] = (uint8_t)v;
    return n;
}

/* The client's keylog: its application traffic secrets, to seal records as the client. */
static void client_keylog(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (!strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24))
        unhex(strchr(line + 24, ' ') + 1, client_secret);
    if (!strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24))
        unhex(strchr(line + 24, ' ') + 1, server_secret);
}

/* Records sealed with the client's keys that hold what a client must not send. */
static void test_inner_types(void **state)
{
    (void)state;
    static const uint8_t ticket[] = {4, 0, 0, 0};              /* NewSessionTicket from a client */
    static const uint8_t bad_update[] = {24, 0, 0, 1, 2};      /* KeyUpdate with a bad value */
    static const uint8_t long_update[] = {24, 0, 0, 1, 0, 24}; /* not the record's last */
    static const uint8_t pad[] = {0, 0};                       /* padding only, no type */
    static const uint8_t ccs[] = {1};                          /* change_cipher_spec inside */
    static const uint8_t warn[] = {1, 90}; /* an alert other than close_notify */
    static const uint8_t short_alert[] = {0};
    const struct {
        uint8_t type;
        const uint8_t *inner;
        size_t len;
    } cases[] = {{22, ticket, 4}, {22, bad_update, 5}, {22, long_update, 6}, {0, pad, 2},
                 {20, ccs, 1},    {21, warn, 2},       {21, short_alert, 1}, {99, ccs, 1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pair *p = pair_new("TLS_AES_128_GCM_SHA256", 0);
        SSL_CTX_set_keylog_callback(p->cctx, client_keylog);
        SSL_free(p->cl); /* again, with the callback */
        p->cl = SSL_new(p->cctx);
        p->to_client = BIO_new(BIO_s_mem());
        p->from_client = BIO_new(BIO_s_mem());
        SSL_set_bio(p->cl, p->to_client, p->from_client);
        SSL_set_connect_state(p->cl);
        handshake(p, NULL);
        assert_true(tls_conn_handed_over(p->sc));
        struct tls_rec_shared *sh = tls_rec_shared_new();
        struct tls_rec peer;
        struct pbuf *rec = NULL;
        assert_int_equal(
            tls_rec_init(&peer, sh, TLS_REC_AES128GCM, server_secret, client_secret, 0, 0), 0);
        assert_int_equal(tls_rec_seal(&peer, sh, 23, (const uint8_t *)"ok", 2, &rec), 0);
        assert_int_equal(tls_conn_feed(p->sc, rec->data + rec->start, pbuf_len(rec), on_plain, p),
                         TLS_OK); /* the keys are right: a data record goes through */
        assert_int_equal(p->got_len, 2);
        rec->start = rec->end = 0;
        assert_int_equal(tls_rec_seal(&peer, sh, cases[i].type, cases[i].inner, cases[i].len, &rec),
                         0);
        assert_int_equal(tls_conn_feed(p->sc, rec->data + rec->start, pbuf_len(rec), on_plain, p),
                         TLS_FAILED);
        pbuf_unref(rec);
        if (cases[i].type != 21 || cases[i].len == 1)
            client_sees_alert(p); /* ours; a peer's fatal alert gets none */
        tls_rec_clear(&peer);
        tls_rec_shared_free(sh);
        pair_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handover_each_cipher),
        cmocka_unit_test(test_data_behind_finished),
        cmocka_unit_test(test_answer_before_handover),
        cmocka_unit_test(test_tls12_stays_on_openssl),
        cmocka_unit_test(test_many_records),
        cmocka_unit_test(test_client_key_update),
        cmocka_unit_test(test_our_key_update),
        cmocka_unit_test(test_pause_and_bytewise),
        cmocka_unit_test(test_close_notify),
        cmocka_unit_test(test_bad_records_fail),
        cmocka_unit_test(test_inner_types),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
