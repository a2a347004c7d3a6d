/* permessage-deflate: offer negotiation (valid, invalid and unsupported offers, the next offer
 * taken), the shared compressor (RSV1 frame that a fresh inflater reads, no context between
 * messages, small or incompressible messages left alone), and the bounded inflater (limit,
 * zip bomb stopped early, bad and truncated data, a final block). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "net/deflate.h"

static const char *ANSWER =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

static void accepted(const char *offer, const char *want)
{
    char resp[PMD_RESPONSE_MAX];
    if (pmd_negotiate(offer, resp) != 1)
        fail_msg("offer declined: %s", offer);
    assert_string_equal(resp, want);
}

static void declined(const char *offer)
{
    char resp[PMD_RESPONSE_MAX];
    if (pmd_negotiate(offer, resp) != 0)
        fail_msg("offer accepted: %s -> %s", offer, resp);
    assert_string_equal(resp, "");
}

static void test_valid_offers(void **state)
{
    (void)state;
    accepted("permessage-deflate", ANSWER);
    accepted("permessage-deflate; client_max_window_bits", ANSWER);
    accepted("permessage-deflate; client_max_window_bits=9", ANSWER);
    accepted("permessage-deflate;client_max_window_bits=\"10\"", ANSWER);
    accepted("permessage-deflate; server_no_context_takeover", ANSWER);
    accepted("permessage-deflate; client_no_context_takeover", ANSWER);
    accepted("Permessage-Deflate ;\tServer_No_Context_Takeover ", ANSWER);
    accepted("permessage-deflate; server_max_window_bits=15",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
             "server_max_window_bits=15");
    accepted("permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
             "server_max_window_bits=15; client_max_window_bits=15",
             "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
             "server_max_window_bits=15");
}

static void test_invalid_and_unsupported_offers(void **state)
{
    (void)state;
    declined("");
    declined("x-webkit-deflate-frame");
    declined("permessage-deflate; server_max_window_bits=7");
    declined("permessage-deflate; server_max_window_bits=16");
    declined("permessage-deflate; server_max_window_bits");
    declined("permessage-deflate; server_max_window_bits=08");
    declined("permessage-deflate; client_max_window_bits=7");
    declined("permessage-deflate; foo=1");
    declined("permessage-deflate; server_no_context_takeover=1");
    declined("permessage-deflate; server_no_context_takeover; server_no_context_takeover");
    declined("permessage-deflate; client_max_window_bits=\"10");
    declined("permessage-deflate; ; client_max_window_bits");
    declined("permessage-deflate x");
    declined("permessage-deflate; server_max_window_bits=10"); /* valid, but not supported */
}

static void test_next_offer_taken(void **state)
{
    (void)state;
    accepted("permessage-deflate; foo=\"a,b\", permessage-deflate", ANSWER);
    accepted("permessage-deflate; server_max_window_bits=9, permessage-deflate; "
             "client_max_window_bits",
             ANSWER);
    accepted("foo, bar; x=1,permessage-deflate", ANSWER);
    declined("permessage-deflate; foo, bar");
}

/* ---- compressing and inflating ---------------------------------------------------------- */

static struct pmd_deflater def;
static struct pmd_inflater inf;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(pmd_deflater_init(&def, 6), 0);
    assert_int_equal(pmd_inflater_init(&inf, 65536), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pmd_deflater_free(&def);
    pmd_inflater_free(&inf);
    return 0;
}

static const uint8_t *frame_payload(const struct pbuf *b, size_t *len)
{
    const uint8_t *p = b->data + b->start;
    size_t l7 = p[1] & 0x7f, hdr = l7 == 126 ? 4 : l7 == 127 ? 10 : 2;
    *len = pbuf_len(b) - hdr;
    return p + hdr;
}

static void json_like(char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = "{\"cpu\":12.5,\"mem\":4096}"[i % 23];
}

static void test_compress_round_trip(void **state)
{
    (void)state;
    char msg[4000];
    json_like(msg, sizeof(msg));
    for (int round = 0; round < 2; round++) { /* the same bytes twice: no context kept */
        struct pbuf *b = pmd_compress_frame(&def, (const uint8_t *)msg, sizeof(msg), 1);
        assert_non_null(b);
        assert_int_equal(b->data[b->start], 0x80 | 0x40 | 1); /* FIN, RSV1, text */
        size_t plen;
        const uint8_t *p = frame_payload(b, &plen), *out;
        assert_true(plen < sizeof(msg) / 4);
        assert_int_equal(pmd_inflate(&inf, p, plen, &out), (long)sizeof(msg));
        assert_memory_equal(out, msg, sizeof(msg));
        /* A fresh raw inflater reads it alone: nothing refers to an earlier message. */
        z_stream z = {0};
        uint8_t buf[5000];
        inflateInit2(&z, -15);
        z.next_in = (Bytef *)(uintptr_t)p;
        z.avail_in = (uInt)plen;
        z.next_out = buf;
        z.avail_out = sizeof(buf);
        assert_true(inflate(&z, Z_SYNC_FLUSH) >= 0);
        assert_int_equal(sizeof(buf) - z.avail_out, sizeof(msg));
        inflateEnd(&z);
        pbuf_unref(b);
    }
}

static void test_incompressible_left_alone(void **state)
{
    (void)state;
    uint8_t noise[1000];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(noise); i++) {
        x = x * 1103515245 + 12345;
        noise[i] = (uint8_t)(x >> 16);
    }
    assert_null(pmd_compress_frame(&def, noise, sizeof(noise), 2));
}

/* Raw deflate of `msg` as a client sends it (sync flush, tail removed); returns its length. */
static size_t client_deflate(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, int final)
{
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)msg;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, final ? Z_FINISH : Z_SYNC_FLUSH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return final ? n : n - 4;
}

static void test_inflate_limits(void **state)
{
    (void)state;
    uint8_t *big = calloc(1, 10 * 1000 * 1000), *z = malloc(64 * 1024);
    const uint8_t *out;
    memset(big, 'a', 65536);
    size_t n = client_deflate(big, 65536, z, 64 * 1024, 0);
    assert_int_equal(pmd_inflate(&inf, z, n, &out), 65536); /* exactly the limit */
    n = client_deflate(big, 65537, z, 64 * 1024, 0);
    assert_int_equal(pmd_inflate(&inf, z, n, &out), -EMSGSIZE);
    /* A 10 MB bomb: about 10 KB on the wire, refused after max + 1 bytes. */
    n = client_deflate(big, 10 * 1000 * 1000, z, 64 * 1024, 0);
    assert_true(n < 20000);
    assert_int_equal(pmd_inflate(&inf, z, n, &out), -EMSGSIZE);
    assert_true(inf.z.total_out <= 65537);
    free(big);
    free(z);
}

static void test_inflate_bad_data(void **state)
{
    (void)state;
    const uint8_t *out;
    uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x00};
    uint8_t msg[] = "hello hello hello hello", z[64];
    assert_int_equal(pmd_inflate(&inf, junk, sizeof(junk), &out), -EINVAL);
    size_t n = client_deflate(msg, sizeof(msg), z, sizeof(z), 0);
    assert_int_equal(pmd_inflate(&inf, z, n - 3, &out), -EINVAL);       /* cut inside a block */
    assert_int_equal(pmd_inflate(&inf, z, n, &out), (long)sizeof(msg)); /* still usable */
    n = client_deflate(msg, sizeof(msg), z, sizeof(z), 1);              /* BFINAL block */
    assert_int_equal(pmd_inflate(&inf, z, n, &out), (long)sizeof(msg));
    uint8_t empty[] = {0x00};
    assert_int_equal(pmd_inflate(&inf, empty, 1, &out), 0);
    uint8_t empty2[] = {0x02, 0x00}; /* an empty fixed-Huffman block */
    assert_int_equal(pmd_inflate(&inf, empty2, 2, &out), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_offers),
        cmocka_unit_test(test_invalid_and_unsupported_offers),
        cmocka_unit_test(test_next_offer_taken),
        cmocka_unit_test_setup_teardown(test_compress_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incompressible_left_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inflate_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inflate_bad_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
