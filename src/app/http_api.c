#include "app/http_api.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/index_page.h"
#include "base/clock.h"
#include "fleet/fleet.h"
#include "hub/frame.h"
#include "hub/handlers.h"
#include "metrics/series_json.h"
#include "metrics/store.h"
#include "net/handshake.h"
#include "net/http_reply.h"

/* Sends the page built for this request with `json` inlined: gzipped when the client accepts it
 * (only the snapshot is compressed per request: index_page_gzip). */
static int send_page(const struct index_page *ip, struct net_conn *nc, const struct http_req *req,
                     const char *type, const char *json, int with_body)
{
    size_t json_len = strlen(json), len = 0;
    struct pbuf *gz = http_accepts(http_req_header(req, HH_ACCEPT_ENCODING), "gzip")
                          ? index_page_gzip(ip, json, json_len)
                          : NULL;
    char *page = gz ? NULL : index_page_inline(ip, json, json_len, &len);
    if (!gz && !page)
        return -1;
#define PAGE_HEADERS "Cache-Control: no-store\r\nVary: Accept-Encoding\r\n"
    http_reply_head(nc, 200, type, gz ? PAGE_HEADERS "Content-Encoding: gzip\r\n" : PAGE_HEADERS,
                    (long)(gz ? pbuf_len(gz) : len), req->keep_alive);
#undef PAGE_HEADERS
    if (with_body && gz)
        net_send_pbuf(nc, gz);
    else if (with_body)
        net_send_raw(nc, page, len);
    if (gz)
        pbuf_unref(gz);
    free(page);
    return 0;
}

/* The dashboard page with the latest snapshot written into its slot element (only while auth is
 * off: the page itself is public, the values are not then); 0, or -1 to serve the file as it is.
 * `as` is that page when its bytes are the ones prepared at start-up (a page without the slot,
 * a --static directory of one's own, was not prepared). No ETag and no caching: fresh each time. */
static int serve_index_inline(struct pulse_server *srv, struct net_conn *nc,
                              const struct http_req *req, const struct asset *as, int with_body)
{
    const char *bytes = (const char *)as->body->data + as->body->start;
    if (srv->hub.auth.enabled || !srv->index.html || bytes != srv->index.html)
        return -1;
    json_t *snap = metrics_service_snapshot(srv->metrics);
    char *json = snap ? json_dumps(snap, JSON_COMPACT | REPLY_JSON_FLAGS) : NULL;
    json_decref(snap);
    int rc = json ? send_page(&srv->index, nc, req, as->content_type, json, with_body) : -1;
    free(json);
    return rc;
}

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
    if (serve_index_inline(srv, nc, req, r.asset, with_body) == 0)
        return;
    snprintf(extra, sizeof(extra), "ETag: %s\r\nCache-Control: %s\r\nVary: Accept-Encoding\r\n%s",
             r.asset->etag, r.cache_control, r.gzip ? "Content-Encoding: gzip\r\n" : "");
    /* A 304 carries no body and no Content-Length. */
    http_reply_head(nc, r.status, r.asset->content_type, extra,
                    r.status == 200 ? (long)pbuf_len(r.body) : -1, req->keep_alive);
    if (r.status == 200 && with_body)
        net_send_pbuf(nc, r.body); /* the cached file itself, shared, not copied */
}

static void respond_json_ka(struct net_conn *nc, int keep_alive, int status, json_t *body,
                            int with_body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | REPLY_JSON_FLAGS) : NULL;
    json_decref(body);
    if (!text) {
        http_reply_error(nc, 500, 0);
        return;
    }
    size_t len = strlen(text);
    /* RFC 6750: a 401 names the scheme it wants. */
    http_reply_head(nc, status, "application/json",
                    status == 401 ? "Cache-Control: no-store\r\nWWW-Authenticate: Bearer\r\n"
                                  : "Cache-Control: no-store\r\n",
                    (long)len, keep_alive);
    if (with_body)
        net_send_raw(nc, text, len);
    free(text);
}

static void respond_json(struct net_conn *nc, const struct http_req *req, int status, json_t *body,
                         int with_body)
{
    respond_json_ka(nc, req->keep_alive, status, body, with_body);
}

static void api_error(struct net_conn *nc, const struct http_req *req, enum pulse_err e,
                      const char *detail, int with_body)
{
    respond_json(nc, req, perr_http_status(e), perr_json(e, detail), with_body);
}

/* An integer query parameter: absent (NULL), a JSON integer, or — when it is not decimal digits
 * with an optional leading '-' — a string, which the request checks refuse as not an integer;
 * *bad is set for a malformed escape. */
static json_t *query_int(const struct http_req *req, const char *name, int *bad)
{
    char v[32];
    int len = http_req_query(req, name, v, sizeof(v));
    if (len == -ENOENT)
        return NULL;
    if (len == -EINVAL)
        *bad = 1;
    if (len > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (end == v + len)
            return json_integer(n);
    }
    return json_string("");
}

/* A string query parameter as a JSON string ("" when too long or not UTF-8: given, but no
 * metric's name), NULL when absent; *bad is set for a malformed escape. */
static json_t *query_string(const struct http_req *req, const char *name, char *buf, size_t len,
                            int *bad)
{
    int n = http_req_query(req, name, buf, len);
    if (n == -ENOENT)
        return NULL;
    if (n == -EINVAL)
        *bad = 1;
    json_t *s = n >= 0 ? json_stringn(buf, (size_t)n) : NULL;
    return s ? s : json_string("");
}

static void api_reply(struct net_conn *nc, const struct http_req *req, int rc, json_t *out,
                      const char *detail, int with_body)
{
    if (rc < 0)
        api_error(nc, req, route_err_code(rc), detail, with_body);
    else
        respond_json(nc, req, 200, out, with_body);
}

/* /api/history?metric=M&seconds=S[&host=NODE], or ?metrics=A,B&seconds=S&points=N: the same
 * checks and body as the WebSocket request. */
static void api_history(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req,
                        int with_body)
{
    char text[2048], host[128];
    const char *detail = NULL;
    int bad = 0, rc;
    json_t *out = NULL, *s = query_int(req, "seconds", &bad), *p = query_int(req, "points", &bad);
    json_t *list = query_string(req, "metrics", text, sizeof(text), &bad), *names = NULL;
    json_t *m = list ? NULL : query_string(req, "metric", text, sizeof(text), &bad);
    json_t *h = query_string(req, "host", host, sizeof(host), &bad);
    if (list && !bad)
        names = pulse_series_names_from_list(json_string_value(list), json_string_length(list));
    if (bad) {
        detail = "malformed percent-encoding in the query";
        rc = ROUTE_ERR(PERR_BAD_REQUEST);
    } else if (list) {
        rc = handlers_history_batch_reply(&srv->hub, names, s, p, &out, &detail);
    } else {
        rc = handlers_history_host_reply(&srv->hub, h, m, s, &out, &detail);
    }
    json_decref(h);
    json_decref(m);
    json_decref(s);
    json_decref(p);
    json_decref(list);
    json_decref(names);
    api_reply(nc, req, rc, out, detail, with_body);
}

/* /api/insights?seconds=S&limit=N: the same checks and body as the WebSocket request. */
static void api_insights(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req,
                         int with_body)
{
    const char *detail = NULL;
    int bad = 0, rc;
    json_t *out = NULL, *s = query_int(req, "seconds", &bad), *l = query_int(req, "limit", &bad);
    if (bad) {
        detail = "malformed percent-encoding in the query";
        rc = ROUTE_ERR(PERR_BAD_REQUEST);
    } else {
        rc = handlers_insights_reply(&srv->hub, s, l, &out, &detail);
    }
    json_decref(s);
    json_decref(l);
    api_reply(nc, req, rc, out, detail, with_body);
}

static void counter(FILE *out, const char *name, const char *type, const char *help, uint64_t v)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name,
            (unsigned long long)v);
}

/* Where the daemon's memory is: SQLite's share (bounded by its page cache) and the heap. */
static void memory_gauges(FILE *out)
{
    uint64_t used, hi;
    pulse_store_memory(&used, &hi);
    counter(out, "pulse_sqlite_memory_bytes", "gauge",
            "Bytes held by SQLite (page cache bounded by cache_size).", used);
    counter(out, "pulse_sqlite_memory_highwater_bytes", "gauge",
            "Most bytes SQLite has held since start.", hi);
    struct mallinfo2 mi = mallinfo2();
    counter(out, "pulse_heap_in_use_bytes", "gauge", "Heap bytes allocated (malloc).",
            (uint64_t)(mi.uordblks + mi.hblkhd));
    counter(out, "pulse_heap_free_bytes", "gauge", "Heap bytes free but kept by malloc.",
            (uint64_t)mi.fordblks);
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
    counter(out, "pulse_auth_failures_total", "counter",
            "Refused tokens (upgrade, auth message, API) and API requests without one.",
            srv->hub.auth.failures);
    memory_gauges(out);
    metrics_service_prometheus(srv->metrics, out);
    fleet_prometheus(srv->fleet, out);
    fclose(out);
    http_reply_head(nc, 200, "text/plain; version=0.0.4; charset=utf-8",
                    "Cache-Control: no-store\r\n", (long)len, req->keep_alive);
    if (with_body)
        net_send_raw(nc, text, len);
    free(text);
}

/* The token of a request (Authorization: Bearer, or `token` in the query when `query` is set),
 * verified: 0 when auth is off or the token is good (`claims` filled then), else the refusal
 * (counted). `claims` may be NULL. */
static int request_auth(struct pulse_server *srv, const struct http_req *req, int query,
                        struct jwt_claims *claims)
{
    struct auth *a = &srv->hub.auth;
    char qtok[JWT_MAX_LEN + 1];
    const char *tok;
    size_t len;
    if (!a->enabled) /* open mode: a token given is ignored */
        return 0;
    int qlen = query ? http_req_query(req, "token", qtok, sizeof(qtok)) : -ENOENT;
    if (qlen == -ENOSPC || qlen == -EINVAL) { /* too long or malformed: refused, not absent */
        a->failures++;
        return -JWT_E_FORMAT;
    }
    if (!auth_request_token(http_req_header(req, HH_AUTHORIZATION), qlen >= 0 ? qtok : NULL, &tok,
                            &len))
        return -ENOENT;
    struct jwt_claims tmp;
    return auth_verify(a, tok, len, (int64_t)pulse_wall_ms(), claims ? claims : &tmp);
}

/* The /api routes need Authorization: Bearer when auth is on; 0 when the request may go on, else
 * answered with 401 and the error object. */
static int api_auth(struct pulse_server *srv, struct net_conn *nc, const struct http_req *req,
                    int with_body)
{
    int rc = request_auth(srv, req, 0, NULL);
    if (rc == 0)
        return 0;
    if (rc == -ENOENT)
        srv->hub.auth.failures++;
    api_error(nc, req, PERR_UNAUTHORIZED,
              rc == -ENOENT ? "this API needs Authorization: Bearer TOKEN" : jwt_strerror(rc),
              with_body);
    return rc;
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
    else if (strncmp(path, "/api/", 5) == 0 && api_auth(srv, nc, req, with_body) < 0)
        return;
    else if (strcmp(path, "/api/snapshot") == 0)
        respond_json(nc, req, 200, metrics_service_snapshot(srv->metrics), with_body);
    else if (strcmp(path, "/api/history") == 0)
        api_history(srv, nc, req, with_body);
    else if (strcmp(path, "/api/insights") == 0)
        api_insights(srv, nc, req, with_body);
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
    const char *scheme = srv->net.tls ? "https" : "http"; /* the page's origin under TLS */
    if (status == 101 &&
        !handshake_origin_ok(http_req_header(req, HH_ORIGIN), http_req_header(req, HH_HOST), scheme,
                             (const char(*)[256])srv->cfg.allowed_origins,
                             srv->cfg.n_allowed_origins))
        status = 403;
    struct jwt_claims claims;
    int authed = 0, rc = 0;
    if (status == 101) { /* a token given on the upgrade must be good; none: anonymous */
        rc = request_auth(srv, req, 1, &claims);
        authed = rc == 0 && srv->hub.auth.enabled;
        status = rc == 0 || rc == -ENOENT ? 101 : 401;
    }
    if (status == 101 && srv->hub.conns.ws_count >= (unsigned)srv->cfg.max_connections)
        status = 503;
    if (status == 101 && authed && auth_login(&srv->hub.auth, &conn_of(nc)->ident, &claims) < 0)
        status = 503;
    if (status == 101)
        net_upgrade(nc, accept); /* `req` is released: not used after this */
    else if (status == 401)      /* the API's error object, with the token's fault, then closed */
        respond_json_ka(nc, 0, 401, perr_json(PERR_UNAUTHORIZED, jwt_strerror(rc)), 1);
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
