/* JWT HS256: round trips, tokens from independent implementations (Python fixtures, RFC 7515
 * A.1), and every way a token is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jwt.h"

static const unsigned char KEY[] = "unit-test-secret-unit-test-secret-0123";
#define KEYLEN (sizeof(KEY) - 1)
#define NOW_MS 1700000100000LL

/* Builds header.payload.signature from raw JSON texts, signed with HMAC `md` (NULL: the
 * signature part is `sig` as given). */
static void make(char *out, size_t cap, const char *header, const char *payload, const EVP_MD *md,
                 const char *sig)
{
    int n = jwt_b64url_encode((const unsigned char *)header, strlen(header), out, cap);
    assert_true(n > 0);
    out[n++] = '.';
    int m = jwt_b64url_encode((const unsigned char *)payload, strlen(payload), out + n, cap - n);
    assert_true(m > 0);
    n += m;
    out[n++] = '.';
    out[n] = '\0';
    if (!md) {
        strcat(out, sig);
        return;
    }
    unsigned char mac[64];
    unsigned len = 0;
    HMAC(md, KEY, (int)KEYLEN, (const unsigned char *)out, (size_t)n - 1, mac, &len);
    assert_true(jwt_b64url_encode(mac, len, out + n, cap - n) > 0);
}

static int verify(const char *tok, int64_t now_ms, struct jwt_claims *c)
{
    return jwt_verify(KEY, KEYLEN, tok, strlen(tok), now_ms, c);
}

static void test_b64url(void **state)
{
    (void)state;
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char buf[32];
    unsigned char raw[32];
    for (int i = 0; i < 7; i++) {
        int n =
            jwt_b64url_encode((const unsigned char *)plain[i], strlen(plain[i]), buf, sizeof(buf));
        assert_int_equal(n, strlen(enc[i]));
        assert_string_equal(buf, enc[i]);
        assert_int_equal(jwt_b64url_decode(enc[i], strlen(enc[i]), raw, sizeof(raw)),
                         strlen(plain[i]));
        assert_memory_equal(raw, plain[i], strlen(plain[i]));
    }
    static const unsigned char hi[] = {0xfb, 0xff};
    assert_int_equal(jwt_b64url_encode(hi, 2, buf, sizeof(buf)), 3);
    assert_string_equal(buf, "-_8");
    assert_int_equal(jwt_b64url_decode("Zh", 2, raw, sizeof(raw)), -EINVAL);    /* trailing bits */
    assert_int_equal(jwt_b64url_decode("Zg==", 4, raw, sizeof(raw)), -EINVAL);  /* padding */
    assert_int_equal(jwt_b64url_decode("Zm9+", 4, raw, sizeof(raw)), -EINVAL);  /* not url */
    assert_int_equal(jwt_b64url_decode("Zm9vY", 5, raw, sizeof(raw)), -EINVAL); /* len % 4 */
    assert_int_equal(jwt_b64url_decode("Zm9vYmFy", 8, raw, 5), -ENOSPC);
    assert_int_equal(jwt_b64url_encode((const unsigned char *)"foo", 3, buf, 4), -ENOSPC);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *roles[] = {"publisher", "admin"};
    char tok[1024];
    struct jwt_claims c;
    int n = jwt_sign(KEY, KEYLEN, "alice", roles, 2, 1700000000, 1700003600, tok, sizeof(tok));
    assert_true(n > 0);
    assert_int_equal(strlen(tok), n);
    /* The standard header, byte for byte. */
    assert_memory_equal(tok, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37);
    assert_int_equal(verify(tok, NOW_MS, &c), 0);
    assert_string_equal(c.sub, "alice");
    assert_int_equal(c.nroles, 2);
    assert_string_equal(c.roles[0], "publisher");
    assert_string_equal(c.roles[1], "admin");
    assert_int_equal(c.exp_ms, 1700003600000LL);
    /* exp is exclusive: valid one ms before, expired at it. */
    assert_int_equal(verify(tok, 1700003599999LL, &c), 0);
    assert_int_equal(verify(tok, 1700003600000LL, &c), -JWT_E_EXPIRED);
    /* iat in the future beyond the leeway: not valid yet. */
    assert_int_equal(verify(tok, 1700000000000LL - JWT_LEEWAY_MS - 1, &c), -JWT_E_EARLY);
    /* Another key refuses it. */
    assert_int_equal(jwt_verify((const unsigned char *)"x", 1, tok, (size_t)n, NOW_MS, &c),
                     -JWT_E_SIG);
}

static void test_sign_refuses(void **state)
{
    (void)state;
    char tok[1024];
    const char *bad_role[] = {"has space"};
    assert_int_equal(jwt_sign(KEY, KEYLEN, "", NULL, 0, 1, 2, tok, sizeof(tok)), -EINVAL);
    assert_int_equal(jwt_sign(KEY, KEYLEN, "a\tb", NULL, 0, 1, 2, tok, sizeof(tok)), -EINVAL);
    assert_int_equal(jwt_sign(KEY, KEYLEN, "a", bad_role, 1, 1, 2, tok, sizeof(tok)), -EINVAL);
    assert_int_equal(jwt_sign(KEY, KEYLEN, "a", NULL, 0, 2, 2, tok, sizeof(tok)), -EINVAL);
    assert_int_equal(jwt_sign(KEY, KEYLEN, "a", NULL, 0, 1, 2, tok, 40), -ENOSPC);
    assert_int_equal(jwt_sign(KEY, 0, "a", NULL, 0, 1, 2, tok, sizeof(tok)), -EINVAL);
}

/* Python's hmac/hashlib signed these (tests/fixtures/jwt/gen.py). */
static void test_python_fixtures(void **state)
{
    (void)state;
    char path[1024], line[4096], secret[256];
    snprintf(path, sizeof(path), "%s/jwt/python_tokens.txt", getenv("PULSE_FIXTURES"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f)); /* comment */
    assert_non_null(fgets(secret, sizeof(secret), f));
    secret[strcspn(secret, "\n")] = '\0';
    static const char *const names[] = {"ok", "format", "alg", "sig", "claims", "expired", "early"};
    int cases = 0;
    while (fgets(line, sizeof(line), f)) {
        char name[64], want[16], tok[2048];
        struct jwt_claims c;
        assert_int_equal(sscanf(line, "%63s %15s %2047s", name, want, tok), 3);
        int rc =
            jwt_verify((const unsigned char *)secret, strlen(secret), tok, strlen(tok), NOW_MS, &c);
        if (strcmp(names[-rc], want) != 0)
            fail_msg("%s: got %s, expected %s", name, names[-rc], want);
        if (strcmp(name, "valid") == 0) {
            assert_string_equal(c.sub, "alice");
            assert_int_equal(c.nroles, 2);
        } else if (strcmp(name, "no_roles") == 0) {
            assert_int_equal(c.nroles, 0);
            assert_int_equal(c.exp_ms, 1700003600500LL);
        }
        cases++;
    }
    fclose(f);
    assert_int_equal(cases, 14);
}

/* RFC 7515 appendix A.1: an HS256 JWS from the standard itself. It has no `sub`, so it passes
 * the signature check and then fails on claims; one changed signature byte fails earlier. */
static void test_rfc7515_vector(void **state)
{
    (void)state;
    static const char key_b64[] = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0"
                                  "iPS4hcgUuTwjAzZr1Z9CAow";
    char tok[] = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4"
                 "MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27u"
                 "hbUJU1p1r_wW1gFWFOEjXk";
    unsigned char key[64];
    struct jwt_claims c;
    int klen = jwt_b64url_decode(key_b64, strlen(key_b64), key, sizeof(key));
    assert_int_equal(klen, 64);
    assert_int_equal(jwt_verify(key, (size_t)klen, tok, strlen(tok), 1300819000000LL, &c),
                     -JWT_E_CLAIMS);
    tok[strlen(tok) - 2] = 'Y';
    assert_int_equal(jwt_verify(key, (size_t)klen, tok, strlen(tok), 1300819000000LL, &c),
                     -JWT_E_SIG);
}

static void test_algorithms_refused(void **state)
{
    (void)state;
    char tok[2048];
    struct jwt_claims c;
    const char *claims = "{\"sub\":\"mallory\",\"roles\":[\"admin\"],\"exp\":1700003600}";
    make(tok, sizeof(tok), "{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, NULL, "");
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_FORMAT); /* empty signature part */
    make(tok, sizeof(tok), "{\"alg\":\"none\"}", claims, NULL, "AAAA");
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_ALG);
    make(tok, sizeof(tok), "{\"alg\":\"None\"}", claims, EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_ALG);
    make(tok, sizeof(tok), "{\"alg\":\"HS512\"}", claims, EVP_sha512(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_ALG);
    make(tok, sizeof(tok), "{\"alg\":\"RS256\"}", claims, EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_ALG);
    make(tok, sizeof(tok), "{\"typ\":\"JWT\"}", claims, EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_ALG);
    make(tok, sizeof(tok), "{\"alg\":\"HS256\\u0000\"}", claims, EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_FORMAT); /* NUL refused by the parser */
    /* A second alg member must not override the first. */
    make(tok, sizeof(tok), "{\"alg\":\"none\",\"alg\":\"HS256\"}", claims, EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_FORMAT);
    make(tok, sizeof(tok), "{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\"}", claims, EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_FORMAT);
    make(tok, sizeof(tok), "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", claims, EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), 0);
}

static void test_tampering(void **state)
{
    (void)state;
    char tok[2048], evil[2048];
    struct jwt_claims c;
    assert_true(jwt_sign(KEY, KEYLEN, "bob", NULL, 0, 1700000000, 1700003600, tok, sizeof(tok)) >
                0);
    /* Swap in a payload claiming admin, keep the signature. */
    const char *sig = strrchr(tok, '.');
    make(evil, sizeof(evil), "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
         "{\"sub\":\"bob\",\"roles\":[\"admin\"],\"iat\":1700000000,\"exp\":1700003600}", NULL,
         sig + 1);
    assert_int_equal(verify(evil, NOW_MS, &c), -JWT_E_SIG);
    /* Flip the last signature character; a longer or truncated signature. */
    strcpy(evil, tok);
    evil[strlen(evil) - 1] ^= 1;
    assert_int_equal(verify(evil, NOW_MS, &c), -JWT_E_SIG);
    strcpy(evil, tok);
    strcat(evil, "AAAA");
    assert_int_equal(verify(evil, NOW_MS, &c), -JWT_E_SIG);
    strcpy(evil, tok);
    evil[strlen(evil) - 4] = '\0';
    assert_int_equal(verify(evil, NOW_MS, &c), -JWT_E_SIG);
    /* Non-canonical last character of the signature (trailing bits) is another spelling. */
    strcpy(evil, tok);
    size_t last = strlen(evil) - 1;
    evil[last] = evil[last] == 'A' ? 'B' : (char)(evil[last] + 1);
    assert_int_not_equal(verify(evil, NOW_MS, &c), 0);
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        ".",
        "..",
        "a.b",
        "a.b.c.d",
        ".b.c",
        "a..c",
        "a.b.",
        "eyJ.eyJ.a b",
        "eyJhbGciOiJIUzI1NiJ9.e30=.AAAA",
        "eyJhbGciOiJIUzI1NiJ9.e30.AA+A",
        "e.e.e",
        "bm90IGpzb24.e30.AAAA",            /* header "not json" */
        "WzFd.e30.AAAA",                   /* header [1] */
        "eyJhbGciOiJIUzI1NiJ9\n.e30.AAAA", /* a newline */
    };
    struct jwt_claims c;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (verify(bad[i], NOW_MS, &c) != -JWT_E_FORMAT)
            fail_msg("'%s' gave %d", bad[i], verify(bad[i], NOW_MS, &c));
    /* A NUL inside the given length. */
    assert_int_equal(jwt_verify(KEY, KEYLEN, "eyJ\0.e30.AAAA", 13, NOW_MS, &c), -JWT_E_FORMAT);
    /* Over 8 KiB is refused before decoding; exactly at the limit it is at least parsed. */
    char *big = malloc(JWT_MAX_LEN + 2);
    assert_non_null(big);
    memset(big, 'A', JWT_MAX_LEN + 1);
    big[0] = 'e', big[1] = '.', big[JWT_MAX_LEN - 2] = '.';
    assert_int_equal(jwt_verify(KEY, KEYLEN, big, JWT_MAX_LEN + 1, NOW_MS, &c), -JWT_E_FORMAT);
    free(big);
    /* Payload that is not an object, signed correctly. */
    char tok[1024];
    make(tok, sizeof(tok), "{\"alg\":\"HS256\"}", "[1,2]", EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_FORMAT);
    make(tok, sizeof(tok), "{\"alg\":\"HS256\"}", "{\"sub\":\"a\",\"exp\":17", EVP_sha256(), NULL);
    assert_int_equal(verify(tok, NOW_MS, &c), -JWT_E_FORMAT);
}

static void test_claims(void **state)
{
    (void)state;
    static const struct {
        const char *payload;
        int want;
    } cases[] = {
        {"{\"sub\":\"a\",\"exp\":1700000100.001}", 0},
        {"{\"sub\":\"a\",\"exp\":1700000100}", -JWT_E_EXPIRED},
        {"{\"sub\":\"a\",\"exp\":null}", -JWT_E_CLAIMS},
        {"{\"sub\":\"a\",\"exp\":-5}", -JWT_E_CLAIMS},
        {"{\"sub\":\"a\",\"exp\":1e300}", -JWT_E_CLAIMS},
        {"{\"sub\":\"\",\"exp\":1800000000}", -JWT_E_CLAIMS},
        {"{\"exp\":1800000000}", -JWT_E_CLAIMS},
        {"{\"sub\":\"a\\u0000b\",\"exp\":1800000000}", -JWT_E_FORMAT},
        {"{\"sub\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
         "\"exp\":1800000000}",
         0}, /* 64 bytes */
        {"{\"sub\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
         "\"exp\":1800000000}",
         -JWT_E_CLAIMS}, /* 65 bytes */
        {"{\"sub\":\"Zoë ☃\",\"exp\":1800000000}", 0},
        {"{\"sub\":\"a\",\"exp\":1800000000,\"nbf\":\"x\"}", -JWT_E_CLAIMS},
        {"{\"sub\":\"a\",\"exp\":1800000000,\"nbf\":1700000105}", 0},
        {"{\"sub\":\"a\",\"exp\":1800000000,\"nbf\":1700000105.001}", -JWT_E_EARLY},
        {"{\"sub\":\"a\",\"exp\":1800000000,\"roles\":[]}", 0},
        {"{\"sub\":\"a\",\"exp\":1800000000,\"roles\":[\"\"]}", -JWT_E_CLAIMS},
        {"{\"sub\":\"a\",\"exp\":1800000000,\"roles\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\","
         "\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]}",
         -JWT_E_CLAIMS},
        {"{\"sub\":\"a\",\"exp\":1800000000,\"roles\":null}", -JWT_E_CLAIMS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char tok[2048];
        struct jwt_claims c;
        make(tok, sizeof(tok), "{\"alg\":\"HS256\"}", cases[i].payload, EVP_sha256(), NULL);
        int rc = verify(tok, NOW_MS, &c);
        if (rc != cases[i].want)
            fail_msg("%s: got %d (%s), expected %d", cases[i].payload, rc, jwt_strerror(rc),
                     cases[i].want);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(jwt_strerror(-JWT_E_EXPIRED), "token expired");
    assert_string_equal(jwt_strerror(-99), "invalid token");
    assert_true(jwt_valid_role("publisher"));
    assert_false(jwt_valid_role("a/b"));
    assert_false(jwt_valid_user("\x7f"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url),         cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_sign_refuses),   cmocka_unit_test(test_python_fixtures),
        cmocka_unit_test(test_rfc7515_vector), cmocka_unit_test(test_algorithms_refused),
        cmocka_unit_test(test_tampering),      cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_claims),         cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
