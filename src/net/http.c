#include "net/http.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const header_names[HH_COUNT] = {
    [HH_HOST] = "host",
    [HH_UPGRADE] = "upgrade",
    [HH_CONNECTION] = "connection",
    [HH_WS_KEY] = "sec-websocket-key",
    [HH_WS_VERSION] = "sec-websocket-version",
    [HH_WS_PROTOCOL] = "sec-websocket-protocol",
    [HH_WS_EXTENSIONS] = "sec-websocket-extensions",
    [HH_ORIGIN] = "origin",
    [HH_AUTHORIZATION] = "authorization",
    [HH_ACCEPT_ENCODING] = "accept-encoding",
    [HH_IF_NONE_MATCH] = "if-none-match",
    [HH_EXPECT] = "expect",
};

static struct http_in *self(http_parser *p)
{
    return (struct http_in *)p->data;
}

static int count_header_bytes(struct http_in *h, size_t n)
{
    h->header_bytes += n;
    if (h->header_bytes > HTTP_MAX_HEADER_BYTES) {
        h->error_status = 431;
        return -1;
    }
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    struct http_in *h = self(p);
    size_t have = strlen(h->req.url);
    if (count_header_bytes(h, n) < 0)
        return -1;
    if (have + n >= sizeof(h->req.url)) {
        h->error_status = 414;
        return -1;
    }
    memcpy(h->req.url + have, at, n);
    h->req.url[have + n] = '\0';
    return 0;
}

static void resolve_field(struct http_in *h)
{
    h->cur = -1;
    for (int i = 0; i < HH_COUNT; i++)
        if (h->field_len == strlen(header_names[i]) &&
            strncasecmp(h->field, header_names[i], h->field_len) == 0)
            h->cur = i;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    struct http_in *h = self(p);
    if (count_header_bytes(h, n) < 0)
        return -1;
    if (h->in_value) {
        h->in_value = 0;
        h->field_len = 0;
    }
    size_t room = sizeof(h->field) - h->field_len;
    memcpy(h->field + h->field_len, at, n < room ? n : room);
    h->field_len += n < room ? n : room;
    return 0;
}

/* Makes header i's value the last one in the arena so that it can grow in place: a repeated
 * header continued after others is rotated to the end (the values after it move down). */
static int make_last(struct http_req *r, int i)
{
    if (r->hdr_last == i)
        return 0;
    size_t len = r->hdr_len[i];
    if (len == 0) { /* nothing kept yet: start at the end */
        if (r->hdr_used + 1u > sizeof(r->hdr_buf))
            return -1;
        r->hdr_off[i] = r->hdr_used;
        r->hdr_buf[r->hdr_used] = '\0';
        r->hdr_used = (unsigned short)(r->hdr_used + 1);
        r->hdr_last = i;
        return 0;
    }
    /* Each rotation copies up to the whole arena: a head that keeps interleaving is refused. */
    if (++r->hdr_moves > HTTP_MAX_HEADER_MOVES)
        return -1;
    char tmp[sizeof(r->hdr_buf)];
    size_t off = r->hdr_off[i], span = len + 1, tail = r->hdr_used - off - span;
    memcpy(tmp, r->hdr_buf + off, span);
    memmove(r->hdr_buf + off, r->hdr_buf + off + span, tail);
    memcpy(r->hdr_buf + off + tail, tmp, span);
    for (int k = 0; k < HH_COUNT; k++)
        if (k != i && r->hdr_off[k] > off)
            r->hdr_off[k] = (unsigned short)(r->hdr_off[k] - span);
    r->hdr_off[i] = (unsigned short)(off + tail);
    r->hdr_last = i;
    return 0;
}

static int append_value(struct http_in *h, const char *at, size_t n)
{
    struct http_req *r = &h->req;
    int i = h->cur;
    if (make_last(r, i) < 0 || r->hdr_used + n > sizeof(r->hdr_buf)) {
        h->error_status = 431;
        return -1;
    }
    char *end = r->hdr_buf + r->hdr_off[i] + r->hdr_len[i];
    memcpy(end, at, n);
    end[n] = '\0';
    r->hdr_len[i] = (unsigned short)(r->hdr_len[i] + n);
    r->hdr_used = (unsigned short)(r->hdr_used + n);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    struct http_in *h = self(p);
    if (count_header_bytes(h, n) < 0)
        return -1;
    if (!h->in_value) {
        h->in_value = 1;
        resolve_field(h);
        /* A repeated header continues as a list, as RFC 7230 section 3.2.2 allows. */
        if (h->cur >= 0 && h->req.hdr_len[h->cur] > 0 && append_value(h, ", ", 2) < 0)
            return -1;
    }
    return h->cur >= 0 ? append_value(h, at, n) : 0;
}

/* Expect (RFC 7231 section 5.1.1), from HTTP/1.1 on: 100-continue is the only expectation known
 * (any other is 417); with a body too large to be read it is refused at once (413) rather than
 * after the client sent the body. */
static int check_expect(http_parser *p, struct http_in *h)
{
    const char *v = http_req_header(&h->req, HH_EXPECT);
    if (!v[0] || p->http_major != 1 || p->http_minor < 1)
        return 0;
    if (strcasecmp(v, "100-continue") != 0) {
        h->error_status = 417;
        return -1;
    }
    int chunked = (p->flags & F_CHUNKED) != 0;
    int known = !chunked && p->content_length != ULLONG_MAX;
    if (known && p->content_length > HTTP_MAX_BODY_BYTES) {
        h->error_status = 413;
        return -1;
    }
    h->continue_due = chunked || (known && p->content_length > 0);
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    struct http_in *h = self(p);
    h->req.method = p->method;
    h->req.keep_alive = http_should_keep_alive(p);
    h->req.upgrade = p->upgrade;
    return p->upgrade ? 0 : check_expect(p, h);
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    struct http_in *h = self(p);
    (void)at;
    h->body_bytes += n;
    if (h->body_bytes > HTTP_MAX_BODY_BYTES) {
        h->error_status = 413;
        return -1;
    }
    return 0;
}

static int on_message_complete(http_parser *p)
{
    struct http_in *h = self(p);
    h->done = 1;
    h->req.keep_alive = http_should_keep_alive(p);
    /* Stop right after this request so that pipelined bytes stay with the caller. */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void http_in_init(struct http_in *h)
{
    memset(h, 0, sizeof(*h));
    http_parser_init(&h->parser, HTTP_REQUEST);
    h->parser.data = h;
    h->cur = -1;
    h->req.hdr_last = -1;
}

enum http_in_status http_in_feed(struct http_in *h, const char *data, size_t len, size_t *used)
{
    size_t n = http_parser_execute(&h->parser, &settings, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&h->parser);
    *used = n;
    if (h->done && (e == HPE_OK || e == HPE_PAUSED)) {
        if (e == HPE_PAUSED)
            http_parser_pause(&h->parser, 0);
        return HTTP_IN_DONE;
    }
    if (e != HPE_OK) {
        if (!h->error_status)
            h->error_status = e == HPE_HEADER_OVERFLOW ? 431 : 400;
        return HTTP_IN_ERROR;
    }
    if (h->parser.upgrade) {
        /* http-parser stops after the headers of an upgrade request; it has no body. */
        h->done = 1;
        return HTTP_IN_DONE;
    }
    return HTTP_IN_MORE;
}

int http_in_take_continue(struct http_in *h)
{
    if (!h->continue_due || h->done)
        return 0;
    h->continue_due = 0;
    return 1;
}

const char *http_req_header(const struct http_req *r, enum http_hdr which)
{
    return r->hdr_len[which] ? r->hdr_buf + r->hdr_off[which] : "";
}

int http_has_token(const char *value, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if ((size_t)(end - start) == tlen && strncasecmp(start, token, tlen) == 0)
            return 1;
    }
    return 0;
}

int http_accepts(const char *value, const char *coding)
{
    size_t clen = strlen(coding);
    for (const char *p = value; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, coding, clen) != 0 || (p[clen] && !strchr(" \t;,", p[clen])))
            continue;
        const char *q = strstr(p, ";q="), *next = strchr(p, ',');
        if (q && (!next || q < next))
            return strtod(q + 3, NULL) > 0;
        return 1;
    }
    return 0;
}

int http_req_path(const struct http_req *r, char *out, size_t outlen)
{
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(r->url, strlen(r->url), 0, &u) != 0 ||
        !(u.field_set & (1 << UF_PATH)))
        return -EINVAL;
    size_t n = u.field_data[UF_PATH].len;
    if (n >= outlen)
        return -EINVAL;
    memcpy(out, r->url + u.field_data[UF_PATH].off, n);
    out[n] = '\0';
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int http_pct_decode(const char *in, size_t n, int plus, char *out, size_t outlen)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(in[i + 1]) : -1, lo = hi >= 0 ? hexval(in[i + 2]) : -1;
            if (lo < 0)
                return -EINVAL;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (k + 1 >= outlen)
            return -ENOSPC;
        out[k++] = c;
    }
    out[k] = '\0';
    return (int)k;
}

int http_req_query(const struct http_req *r, const char *name, char *out, size_t outlen)
{
    const char *q = strchr(r->url, '?');
    while (q && *q) {
        q++;
        const char *end = strchr(q, '&');
        size_t seg = end ? (size_t)(end - q) : strlen(q);
        const char *eq = memchr(q, '=', seg);
        char key[64];
        int klen = eq ? http_pct_decode(q, (size_t)(eq - q), 1, key, sizeof(key)) : -1;
        if (klen >= 0 && strlen(name) == (size_t)klen && memcmp(key, name, (size_t)klen) == 0)
            return http_pct_decode(eq + 1, seg - (size_t)(eq + 1 - q), 1, out, outlen);
        q = end;
    }
    return -ENOENT;
}

const char *http_status_text(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 417:
        return "Expectation Failed";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}
