/* libFuzzer target: arbitrary bytes into the HTTP request reader and the handshake checks. */
#include <stdint.h>
#include <stdlib.h>

#include "net/assets.h"
#include "net/handshake.h"
#include "net/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_in *h = malloc(sizeof(*h));
    if (!h)
        return 0;
    http_in_init(h);
    size_t off = 0;
    while (off < size) {
        size_t used = 0;
        enum http_in_status st = http_in_feed(h, (const char *)data + off, size - off, &used);
        if (st != HTTP_IN_DONE)
            break;
        char accept[WS_ACCEPT_LEN + 1], path[1024], norm[1024], tok[64];
        handshake_check(&h->req, accept);
        static const char allowed[1][256] = {"http://ok.example"};
        handshake_origin_ok(http_req_header(&h->req, HH_ORIGIN), http_req_header(&h->req, HH_HOST),
                            "http", allowed, 1);
        if (http_req_path(&h->req, path, sizeof(path)) == 0)
            assets_normalize(path, norm, sizeof(norm));
        http_req_query(&h->req, "token", tok, sizeof(tok));
        http_req_query(&h->req, "metric", tok, sizeof(tok));
        http_accepts(http_req_header(&h->req, HH_ACCEPT_ENCODING), "gzip");
        if (used == 0 || h->req.upgrade)
            break;
        off += used;
        http_in_init(h);
    }
    free(h);
    return 0;
}
