/* HTTP request pipelining: feeding bytes to the request reader, answering requests in order, and
 * holding pipelined requests back (paused reading, a stash) while answers wait for the socket or
 * other clients' turn. */
#include <stdlib.h>
#include <string.h>

#include "net/http_reply.h"
#include "net/net_private.h"

/* Hands one request up and writes its access line (debug level). The method and path are read
 * first: an upgrade frees the request (it lives in nc->http). */
static void http_request(struct net_conn *nc)
{
    char path[sizeof(nc->http->req.url)] = "";
    const struct http_req *req = &nc->http->req;
    const char *method = http_method_str((enum http_method)req->method);
    if (http_req_path(req, path, sizeof(path)) < 0)
        snprintf(path, sizeof(path), "%s", "?");
    nc->http_status = 101;
    nc->net->hooks->on_http_request(nc, req);
    struct log_line l;
    if (log_begin(&l, nc->net->log, LOG_DEBUG, "http") < 0)
        return;
    log_str(&l, "remote", nc->remote);
    log_str(&l, "method", method);
    log_str(&l, "path", path);
    log_int(&l, "status", nc->http_status);
    log_end(&l);
}

#define HTTP_BATCH 32 /* pipelined requests answered per read before other clients' turn */
#define CONTINUE_100 "HTTP/1.1 100 Continue\r\n\r\n"

void net_read_start(struct net_conn *nc)
{
    if (stream_read_start(nc->stream) != 0)
        net_conn_close(nc);
}

/* An HTTP connection whose answer the socket does not take at once is not read until the
 * answer is out: the next requests wait in the kernel, so a client that sends requests and
 * never reads cannot pile answers up in our queues (it is dropped after DRAIN_STALL_MS
 * without progress). */
void net_pause_reading(struct net_conn *nc)
{
    if (nc->paused || nc->state != CS_HTTP)
        return;
    stream_read_stop(nc->stream);
    nc->paused = 1;
    nc->deadline = uv_now(nc->net->loop) + DRAIN_STALL_MS;
}

/* Requests put off for fairness are answered in the next loop iteration, after other clients'
 * events: the idle handle keeps that iteration's poll from blocking. */
static void defer_resume(struct net_conn *nc)
{
    struct net *net = nc->net;
    nc->stash->yielded = YIELD_QUEUED;
    nc->stash->resume_next = net->resumes;
    net->resumes = nc;
    uv_idle_start(&net->resumer, net_on_resume);
}

void net_unlink_resume(struct net_conn *nc)
{
    struct net_conn **p = &nc->net->resumes;
    while (*p && *p != nc)
        p = &(*p)->stash->resume_next;
    if (*p)
        *p = nc->stash->resume_next;
    nc->stash->resume_next = NULL;
    nc->stash->yielded = YIELD_NONE;
}

/* Answers the stashed pipelined requests first (which may stash and pause again), then reads. */
void net_resume_reading(struct net_conn *nc)
{
    if (!nc->paused)
        return;
    if (nc->stash && nc->stash->yielded == YIELD_WAIT)
        defer_resume(nc);
    if (nc->stash && nc->stash->yielded == YIELD_QUEUED)
        return;
    nc->paused = 0;
    nc->last_rx = uv_now(nc->net->loop); /* idle from now, not since the request */
    if (nc->head_deadline) /* a request begun before the pause: its time starts again */
        nc->head_deadline = nc->last_rx + HTTP_HEAD_MS;
    struct http_stash *stash = nc->stash;
    nc->stash = NULL;
    if (stash) {
        net_http_bytes(nc, stash->data, stash->len);
        free(stash);
        if (nc->paused || nc->state == CS_CLOSING)
            return;
    }
    net_read_start(nc);
}

void net_on_resume(uv_idle_t *h)
{
    struct net *net = h->data;
    while (net->resumes) {
        struct net_conn *nc = net->resumes;
        net_unlink_resume(nc);
        net_resume_reading(nc);
    }
    uv_idle_stop(h);
}

static void stash_rest(struct net_conn *nc, const char *data, size_t len)
{
    nc->stash = malloc(sizeof(*nc->stash) + len);
    if (!nc->stash) {
        net_conn_close(nc);
        return;
    }
    *nc->stash = (struct http_stash){.len = len};
    memcpy(nc->stash->data, data, len);
    net_pause_reading(nc);
}

/* After an answered request: 1 when the rest must wait (stashed), else 0. */
static int hold_rest(struct net_conn *nc, const char *data, size_t len, unsigned served)
{
    if (nc->state != CS_HTTP || len == 0)
        return 0;
    /* Pipelined requests wait while the answers so far exceed the queue bound: kept in a copy
     * (the read buffer is shared) and answered when those are out. */
    if (nc->q.bytes > nc->net->lim.max_queue_bytes) {
        stash_rest(nc, data, len);
        return 1;
    }
    /* Many pipelined requests in one read wait for the next iteration after a batch, so one
     * client's burst does not hold up everyone else's events. */
    if (served >= HTTP_BATCH) {
        stash_rest(nc, data, len);
        if (nc->stash)
            nc->stash->yielded = YIELD_WAIT;
        return 1;
    }
    return 0;
}

void net_http_bytes(struct net_conn *nc, char *data, size_t len)
{
    unsigned served = 0;
    while (len > 0 && nc->state == CS_HTTP) {
        /* Any byte resets the idle clock, so a client trickling a request a byte at a time
         * would never be timed out: its first byte starts a deadline for the whole request. */
        if (!nc->head_deadline)
            nc->head_deadline = uv_now(nc->net->loop) + HTTP_HEAD_MS;
        size_t used = 0;
        enum http_in_status st = http_in_feed(nc->http, data, len, &used);
        if (st == HTTP_IN_MORE) {
            /* The client waits for this before it sends the body it announced. */
            if (http_in_take_continue(nc->http))
                net_send_raw(nc, CONTINUE_100, sizeof(CONTINUE_100) - 1);
            return;
        }
        if (st == HTTP_IN_ERROR) {
            http_reply_error(nc, nc->http->error_status, 0);
            return;
        }
        data += used;
        len -= used;
        nc->head_deadline = 0;
        http_request(nc);
        if (nc->state == CS_WS) { /* upgraded: the rest is WebSocket frames */
            if (len > 0)
                net_ws_bytes(nc, (uint8_t *)data, len);
            return;
        }
        if (nc->state == CS_HTTP)
            http_in_init(nc->http);
        if (hold_rest(nc, data, len, ++served))
            return;
    }
}
