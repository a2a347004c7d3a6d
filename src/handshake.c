#include "handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

int handshake_is_upgrade(const struct http_req *r)
{
    return http_has_token(http_req_header(r, HH_UPGRADE), "websocket");
}

/* A key is valid when it is base64 that decodes to exactly 16 bytes (RFC 6455 4.1). */
static int key_valid(const char *key)
{
    unsigned char out[32];
    if (strlen(key) != 24 || key[22] != '=' || key[23] != '=')
        return 0;
    for (int i = 0; i < 22; i++)
        if (key[i] == '=')
            return 0;
    return EVP_DecodeBlock(out, (const unsigned char *)key, 24) == 18;
}

void handshake_accept(const char *key, char accept[WS_ACCEPT_LEN + 1])
{
    unsigned char digest[SHA_DIGEST_LENGTH];
    char buf[128 + sizeof(ws_guid)];
    size_t klen = strnlen(key, 128);
    memcpy(buf, key, klen);
    memcpy(buf + klen, ws_guid, sizeof(ws_guid) - 1);
    SHA1((const unsigned char *)buf, klen + sizeof(ws_guid) - 1, digest);
    EVP_EncodeBlock((unsigned char *)accept, digest, SHA_DIGEST_LENGTH);
}

int handshake_check(const struct http_req *r, char accept[WS_ACCEPT_LEN + 1])
{
    if (r->method != HTTP_GET)
        return 405;
    if (!handshake_is_upgrade(r) || !http_has_token(http_req_header(r, HH_CONNECTION), "upgrade"))
        return 426;
    if (strcmp(http_req_header(r, HH_WS_VERSION), "13") != 0)
        return 426;
    const char *key = http_req_header(r, HH_WS_KEY);
    if (!key_valid(key))
        return 400;
    handshake_accept(key, accept);
    return 101;
}
