#include "net/handshake.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <strings.h>
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

/* Splits "host[:port]" into a lower-case host and a port (default_port when absent). */
static int split_hostport(const char *s, size_t len, char *host, size_t hostlen, long *port,
                          long default_port)
{
    const char *colon = NULL;
    if (len > 0 && s[0] == '[') { /* [v6]:port */
        const char *end = memchr(s, ']', len);
        if (!end)
            return -1;
        colon = end + 1 < s + len && end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = memrchr(s, ':', len);
    }
    size_t hlen = colon ? (size_t)(colon - s) : len;
    if (hlen == 0 || hlen >= hostlen)
        return -1;
    for (size_t i = 0; i < hlen; i++)
        host[i] = (char)tolower((unsigned char)s[i]);
    host[hlen] = '\0';
    *port = default_port;
    if (colon) {
        char *end;
        *port = strtol(colon + 1, &end, 10);
        if (end != s + len || *port <= 0 || *port > 65535)
            return -1;
    }
    return 0;
}

static int same_origin(const char *origin, const char *host, const char *scheme)
{
    size_t slen = strlen(scheme);
    long dport = strcmp(scheme, "https") == 0 ? 443 : 80, oport, hport;
    char ohost[256], hhost[256];
    if (strncasecmp(origin, scheme, slen) != 0 || strncmp(origin + slen, "://", 3) != 0)
        return 0;
    const char *o = origin + slen + 3;
    size_t olen = strcspn(o, "/");
    if (o[olen] != '\0' && strcmp(o + olen, "/") != 0)
        return 0;
    return split_hostport(o, olen, ohost, sizeof(ohost), &oport, dport) == 0 &&
           split_hostport(host, strlen(host), hhost, sizeof(hhost), &hport, dport) == 0 &&
           strcmp(ohost, hhost) == 0 && oport == hport;
}

int handshake_origin_ok(const char *origin, const char *host, const char *scheme,
                        const char (*allowed)[256], int nallowed)
{
    if (!origin[0])
        return 1;
    for (int i = 0; i < nallowed; i++) {
        size_t n = strlen(allowed[i]);
        while (n > 0 && allowed[i][n - 1] == '/')
            n--;
        if (strlen(origin) == n && strncasecmp(origin, allowed[i], n) == 0)
            return 1;
    }
    return same_origin(origin, host, scheme);
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
