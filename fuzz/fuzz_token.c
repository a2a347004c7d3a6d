/* libFuzzer target: arbitrary bytes as a token, and (to reach the claim checks behind the
 * signature) arbitrary header and payload JSON that the target signs with the key itself. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jwt.h"

static const unsigned char KEY[] = "fuzz-secret-fuzz-secret-fuzz-secret!";
#define KEYLEN (sizeof(KEY) - 1)
#define NOW_MS 1700000000000LL

/* header NEWLINE payload -> base64url(header).base64url(payload).HMAC */
static void signed_parts(const uint8_t *data, size_t size, char *tok, size_t cap)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return;
    size_t hlen = (size_t)(nl - data);
    int n = jwt_b64url_encode(data, hlen, tok, cap);
    if (n < 0 || (size_t)n + 2 >= cap)
        return;
    tok[n++] = '.';
    int m = jwt_b64url_encode(nl + 1, size - hlen - 1, tok + n, cap - (size_t)n);
    if (m < 0 || (size_t)(n + m) + 50 >= cap)
        return;
    n += m;
    unsigned char mac[32];
    unsigned len = 0;
    HMAC(EVP_sha256(), KEY, (int)KEYLEN, (const unsigned char *)tok, (size_t)n, mac, &len);
    tok[n++] = '.';
    jwt_b64url_encode(mac, len, tok + n, cap - (size_t)n);
    struct jwt_claims c;
    jwt_verify(KEY, KEYLEN, tok, strlen(tok), NOW_MS, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jwt_claims c;
    /* A copy of exactly `size` bytes, so that a read past the end is caught. */
    char *raw = malloc(size ? size : 1);
    if (!raw)
        return 0;
    if (size)
        memcpy(raw, data, size);
    jwt_verify(KEY, KEYLEN, raw, size, NOW_MS, &c);
    unsigned char dec[JWT_MAX_LEN];
    jwt_b64url_decode(raw, size, dec, sizeof(dec));
    free(raw);
    char *tok = malloc(3 * JWT_MAX_LEN);
    if (tok) {
        tok[0] = '\0';
        signed_parts(data, size, tok, 3 * JWT_MAX_LEN);
        free(tok);
    }
    return 0;
}
