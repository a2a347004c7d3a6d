#include "app/http_api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/frame.h"
#include "hub/handlers.h"
#include "net/handshake.h"
#include "net/http_reply.h"

static void serve_asset(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req,
                        const char *path, int with_body)
{
    struct asset_reply r;
    char extra[256];
    assets_lookup(&srv->assets, path,
                  http_accepts(http_req_header(req, HH_ACCEPT_ENCODING), "gzip"),
                  http_req_header(req, HH_IF_NONE_MATCH), &r);
    if (r.status != 200 && r.status != 304) {
        http_reply_error(nc, r.status, req->keep_alive);
        return;
    }
    snprintf(extra, sizeof(extra), "ETag: %s\r\nCache-Control: %s\r\nVary: Accept-Encoding\r\n%s",
             r.asset->etag, r.cache_control, r.gzip ? "Content-Encoding: gzip\r\n" : "");
    /* A 304 carries no body and no Content-Length. */
    http_reply_head(nc, r.status, r.asset->content_type, extra,
                    r.status == 200 ? (long)pbuf_len(r.body) : -1, req->keep_alive);
    if (r.status == 200 && with_body)
        net_send_pbuf(nc, r.body); /* the cached file itself, shared, not copied */
}

static void respond_json(struct net_conn *nc, const struct http_req *req, int status, json_t *body,
                         int with_body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | REPLY_JSON_FLAGS) : NULL;
    json_decref(body);
    if (!text) {
        http_reply_error(nc, 500, 0);
        return;
    }
    size_t len = strlen(text);
    http_reply_head(nc, status, "application/json", "Cache-Control: no-store\r\n", (long)len,
                    req->keep_alive);
    if (with_body)
        net_send_raw(nc, text, len);
    free(text);
}

static void api_error(struct net_conn *nc, const struct http_req *req, enum pulse_err e,
                      const char *detail, int with_body)
{
    respond_json(nc, req, perr_http_status(e), perr_json(e, detail), with_body);
}

/* /api/history?metric=M&seconds=S: the same checks and body as the WebSocket request. */
static void api_history(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req,
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
        rc = handlers_history_reply(&srv->hub, m, s, &out, &detail);
    }
    json_decref(m);
    json_decref(s);
    if (rc < 0)
        api_error(nc, req, route_err_code(rc), detail, with_body);
    else
        respond_json(nc, req, 200, out, with_body);
}

static void counter(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
            (unsigned long long)v);
}

static void prometheus(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req,
                       int with_body)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        http_reply_error(nc, 500, 0);
        return;
    }
    const struct hub_counters *h = &srv->hub.counters;
    const struct net_counters *n = &srv->net.counters;
    counter(out, "pulse_connections", "gauge", "Open WebSocket connections.",
            srv->hub.conns.ws_count);
    counter(out, "pulse_messages_in_total", "counter", "Client messages received.", h->messages_in);
    counter(out, "pulse_messages_out_total", "counter", "Frames queued to clients.",
            srv->hub.conns.messages_out);
    counter(out, "pulse_bytes_out_total", "counter", "Bytes written to sockets.", n->bytes_out);
    counter(out, "pulse_dropped_frames_total", "counter", "Messages and frames discarded.",
            hub_dropped(&srv->hub));
    counter(out, "pulse_slow_consumer_closes_total", "counter",
            "Connections closed for an overflowing queue.", n->slow_closes);
    /* Auth is not built: no token is ever refused (the SPEC requires the line). */
    counter(out, "pulse_auth_failures_total", "counter", "Refused tokens.", 0);
    metrics_service_prometheus(srv->metrics, out);
    fclose(out);
    http_reply_head(nc, 200, "text/plain; version=0.0.4; charset=utf-8",
                    "Cache-Control: no-store\r\n", (long)len, req->keep_alive);
    if (with_body)
        net_send_raw(nc, text, len);
    free(text);
}

/* Answers a request that is not a WebSocket upgrade. */
static void route(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req,
                  const char *path)
{
    int with_body = req->method == HTTP_GET;
    if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
        http_reply_error(nc, 405, req->keep_alive);
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        http_reply_head(nc, 200, "text/plain; charset=utf-8", "Cache-Control: no-store\r\n", 2,
                        req->keep_alive);
        if (with_body)
            net_send_raw(nc, "ok", 2);
        return;
    }
    if (strcmp(path, "/metrics") == 0)
        prometheus(srv, nc, req, with_body);
    else if (strcmp(path, "/api/snapshot") == 0)
        respond_json(nc, req, 200, metrics_service_snapshot(srv->metrics), with_body);
    else if (strcmp(path, "/api/history") == 0)
        api_history(srv, nc, req, with_body);
    else if (strncmp(path, "/api/", 5) == 0)
        api_error(nc, req, PERR_NOT_FOUND, "no such API route", with_body);
    else
        serve_asset(srv, nc, req, path, with_body);
}

/* /ws: the handshake, then the origin and the connection limit, then the upgrade. */
static void websocket(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req)
{
    char accept[WS_ACCEPT_LEN + 1];
    int status = handshake_check(req, accept);
    if (status == 101 &&
        !handshake_origin_ok(http_req_header(req, HH_ORIGIN), http_req_header(req, HH_HOST), "http",
                             (const char(*)[256])srv->cfg.allowed_origins,
                             srv->cfg.n_allowed_origins))
        status = 403;
    if (status == 101 && srv->hub.conns.ws_count >= (unsigned)srv->cfg.max_connections)
        status = 503;
    if (status == 101)
        net_upgrade(nc, accept); /* `req` is released: not used after this */
    else
        http_reply_error(nc, status, 0);
}

void http_api_request(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req)
{
    char path[sizeof(req->url)];
    if (http_req_path(req, path, sizeof(path)) < 0)
        http_reply_error(nc, 400, 0);
    else if (strcmp(path, "/ws") == 0)
        websocket(srv, nc, req);
    else if (handshake_is_upgrade(req))
        http_reply_error(nc, 404, 0);
    else
        route(srv, nc, req, path);
}
