#include "app/routes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/handlers.h"
#include "metrics/provider.h"
#include "net/transport.h"

/* Queues the status line and headers; `len` is announced in Content-Length unless negative. */
static void respond_head(struct conn *c, int status, const char *content_type, const char *extra,
                         long len, int keep_alive)
{
    char head[1024], clen[48] = "";
    c->http_status = status;
    if (len >= 0)
        snprintf(clen, sizeof(clen), "Content-Length: %ld\r\n", len);
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nServer: pulse/" PULSE_VERSION "\r\n"
                     "Content-Type: %s\r\n%s%s%s\r\n",
                     status, http_status_text(status), content_type, clen, extra,
                     keep_alive ? "" : "Connection: close\r\n");
    if (n > 0 && (size_t)n < sizeof(head))
        conn_send_raw(c, head, (size_t)n);
    if (!keep_alive)
        conn_drain(c);
}

void routes_respond(struct conn *c, int status, const char *content_type, const char *extra,
                    const void *body, size_t len, int keep_alive)
{
    respond_head(c, status, content_type, extra, (long)len, keep_alive);
    if (len > 0)
        conn_send_raw(c, body, len);
}

void routes_error(struct conn *c, int status, int keep_alive)
{
    const char *extra = "";
    if (status == 426)
        extra = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
    else if (status == 405)
        extra = "Allow: GET, HEAD\r\n";
    char body[128];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, http_status_text(status));
    routes_respond(c, status, "text/plain; charset=utf-8", extra, body, (size_t)n, keep_alive);
}

static void serve_asset(struct pulse_server *srv, struct conn *c, const struct http_req *req,
                        const char *path, int with_body)
{
    struct asset_reply r;
    char extra[256];
    assets_lookup(&srv->assets, path,
                  http_accepts(http_req_header(req, HH_ACCEPT_ENCODING), "gzip"),
                  http_req_header(req, HH_IF_NONE_MATCH), &r);
    if (r.status != 200 && r.status != 304) {
        routes_error(c, r.status, req->keep_alive);
        return;
    }
    snprintf(extra, sizeof(extra), "ETag: %s\r\nCache-Control: %s\r\nVary: Accept-Encoding\r\n%s",
             r.asset->etag, r.cache_control, r.gzip ? "Content-Encoding: gzip\r\n" : "");
    /* A 304 carries no body and no Content-Length. */
    respond_head(c, r.status, r.asset->content_type, extra,
                 r.status == 200 ? (long)pbuf_len(r.body) : -1, req->keep_alive);
    if (r.status == 200 && with_body)
        conn_send_pbuf(c, r.body); /* the cached file itself, shared, not copied */
}

static void respond_json(struct conn *c, const struct http_req *req, int status, json_t *body,
                         int with_body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | PROVIDER_JSON_FLAGS) : NULL;
    json_decref(body);
    if (!text) {
        routes_error(c, 500, 0);
        return;
    }
    size_t len = strlen(text);
    respond_head(c, status, "application/json", "Cache-Control: no-store\r\n", (long)len,
                 req->keep_alive);
    if (with_body)
        conn_send_raw(c, text, len);
    free(text);
}

static void api_error(struct conn *c, const struct http_req *req, enum pulse_err e,
                      const char *detail, int with_body)
{
    json_t *err = json_pack("{s:s, s:s, s:s}", "type", "error", "code", perr_code(e), "message",
                            detail ? detail : perr_message(e));
    respond_json(c, req, perr_http_status(e), err, with_body);
}

/* /api/history?metric=M&seconds=S: the same checks and body as the WebSocket request. */
static void api_history(struct pulse_server *srv, struct conn *c, const struct http_req *req,
                        int with_body)
{
    char metric[128] = "", seconds[32] = "";
    const char *detail = NULL;
    json_t *m = NULL, *s = NULL, *out = NULL;
    int mlen = http_req_query(req, "metric", metric, sizeof(metric));
    if (mlen >= 0 || mlen == -ENOSPC) {
        m = mlen >= 0 ? json_stringn(metric, (size_t)mlen) : NULL;
        if (!m) /* too long or not UTF-8: given, but no metric's name */
            m = json_string("");
    }
    int slen = http_req_query(req, "seconds", seconds, sizeof(seconds));
    if (slen > 0 && (seconds[0] == '-' || (seconds[0] >= '0' && seconds[0] <= '9'))) {
        char *end;
        long long v = strtoll(seconds, &end, 10);
        if (end == seconds + slen)
            s = json_integer(v);
    }
    int rc;
    if (mlen == -EINVAL || slen == -EINVAL) {
        detail = "malformed percent-encoding in the query";
        rc = ROUTE_ERR(PERR_BAD_REQUEST);
    } else {
        rc = handlers_history_reply(srv, m, s, &out, &detail);
    }
    json_decref(m);
    json_decref(s);
    if (rc < 0)
        api_error(c, req, route_err_code(rc), detail, with_body);
    else
        respond_json(c, req, 200, out, with_body);
}

static void counter(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
            (unsigned long long)v);
}

static void prometheus(struct pulse_server *srv, struct conn *c, const struct http_req *req,
                       int with_body)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        routes_error(c, 500, 0);
        return;
    }
    const struct pulse_counters *k = &srv->counters;
    counter(out, "pulse_connections", "gauge", "Open WebSocket connections.", srv->conns.ws_count);
    counter(out, "pulse_messages_in_total", "counter", "Client messages received.", k->messages_in);
    counter(out, "pulse_messages_out_total", "counter", "Frames queued to clients.",
            k->messages_out);
    counter(out, "pulse_bytes_out_total", "counter", "Bytes written to sockets.", k->bytes_out);
    counter(out, "pulse_dropped_frames_total", "counter", "Messages and frames discarded.",
            k->dropped);
    counter(out, "pulse_slow_consumer_closes_total", "counter",
            "Connections closed for an overflowing queue.", k->slow_closes);
    counter(out, "pulse_auth_failures_total", "counter", "Refused tokens.", k->auth_failures);
    provider_prometheus(srv, out);
    fclose(out);
    respond_head(c, 200, "text/plain; version=0.0.4; charset=utf-8", "Cache-Control: no-store\r\n",
                 (long)len, req->keep_alive);
    if (with_body)
        conn_send_raw(c, text, len);
    free(text);
}

void routes_http(struct pulse_server *srv, struct conn *c, const struct http_req *req,
                 const char *path)
{
    int with_body = req->method == HTTP_GET;
    if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
        routes_error(c, 405, req->keep_alive);
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        respond_head(c, 200, "text/plain; charset=utf-8", "Cache-Control: no-store\r\n", 2,
                     req->keep_alive);
        if (with_body)
            conn_send_raw(c, "ok", 2);
        return;
    }
    if (strcmp(path, "/metrics") == 0)
        prometheus(srv, c, req, with_body);
    else if (strcmp(path, "/api/snapshot") == 0)
        respond_json(c, req, 200, provider_snapshot(srv), with_body);
    else if (strcmp(path, "/api/history") == 0)
        api_history(srv, c, req, with_body);
    else if (strncmp(path, "/api/", 5) == 0)
        api_error(c, req, PERR_NOT_FOUND, "no such API route", with_body);
    else
        serve_asset(srv, c, req, path, with_body);
}
