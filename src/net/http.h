/* Incremental HTTP/1.1 request reader on http-parser: keeps the headers Pulse uses, with caps. */
#ifndef PULSE_HTTP_H
#define PULSE_HTTP_H

#include <http_parser.h>
#include <stddef.h>

#define HTTP_MAX_HEADER_BYTES 8192
#define HTTP_MAX_BODY_BYTES 65536
#define HTTP_MAX_HEADER_MOVES 16 /* a kept header continued after others, per request */

enum http_hdr {
    HH_HOST,
    HH_UPGRADE,
    HH_CONNECTION,
    HH_WS_KEY,
    HH_WS_VERSION,
    HH_WS_PROTOCOL,
    HH_WS_EXTENSIONS,
    HH_ORIGIN,
    HH_AUTHORIZATION,
    HH_ACCEPT_ENCODING,
    HH_IF_NONE_MATCH,
    HH_EXPECT,
    HH_COUNT
};

struct http_req {
    int method; /* enum http_method */
    char url[2048];
    /* The kept headers' values, NUL-terminated, in one arena as large as a whole head may be,
     * so any one of them may use the head's whole budget. */
    char hdr_buf[HTTP_MAX_HEADER_BYTES + 64];
    unsigned short hdr_off[HH_COUNT], hdr_len[HH_COUNT], hdr_used, hdr_moves;
    int hdr_last; /* the header whose value ends the arena, -1 for none */
    int keep_alive;
    int upgrade; /* http-parser saw Upgrade + Connection: upgrade */
};

enum http_in_status { HTTP_IN_MORE, HTTP_IN_DONE, HTTP_IN_ERROR };

struct http_in {
    http_parser parser;
    struct http_req req;
    int cur;        /* header being read, -1 for one we ignore */
    int in_value;   /* whether the last callback was a value */
    char field[32]; /* name of the header being read, lower case, truncated */
    size_t field_len;
    size_t header_bytes, body_bytes;
    int error_status; /* 400, 413, 417, 431 */
    int continue_due; /* Expect: 100-continue with a body still to come: answer 100 first */
    int done;
};

/* Prepares to read one request. */
void http_in_init(struct http_in *h);

/* Feeds bytes; on HTTP_IN_DONE `*used` bytes made the request and the rest belong to what follows
 * (frames after an upgrade, or the next request); on HTTP_IN_ERROR h->error_status says which. */
enum http_in_status http_in_feed(struct http_in *h, const char *data, size_t len, size_t *used);

/* 1 once when the request read so far asked for "100 Continue" (Expect: 100-continue, HTTP/1.1,
 * a body that has not fully arrived): the caller sends the interim answer and reads on. An
 * expectation other than 100-continue is an error (417), as is a Content-Length over
 * HTTP_MAX_BODY_BYTES with it (413), reported at once when the head is read. */
int http_in_take_continue(struct http_in *h);

/* A header's value ("" when absent). */
const char *http_req_header(const struct http_req *r, enum http_hdr which);

/* Whether the comma-separated header value contains `token`, compared case-insensitively. */
int http_has_token(const char *value, const char *token);

/* Whether an Accept-Encoding value accepts `coding` (a q=0 parameter refuses it). */
int http_accepts(const char *value, const char *coding);

/* The path part of the request URL into `out` (without query); returns 0 or -EINVAL. */
int http_req_path(const struct http_req *r, char *out, size_t outlen);

/* Percent-decodes n bytes of `in` into `out` (NUL-terminated; '+' is a space when `plus`);
 * returns the decoded length (which may hold NUL bytes), -EINVAL or -ENOSPC. */
int http_pct_decode(const char *in, size_t n, int plus, char *out, size_t outlen);

/* The decoded value of query parameter `name` (form encoding) into `out`; returns its length,
 * -ENOENT when absent, -EINVAL for a bad escape or -ENOSPC when it does not fit. */
int http_req_query(const struct http_req *r, const char *name, char *out, size_t outlen);

/* The reason phrase of a status code. */
const char *http_status_text(int status);

#endif
