#include "hub/conn.h"

#include <stdio.h>
#include <string.h>

void conn_mgr_init(struct conn_mgr *m)
{
    memset(m, 0, sizeof(*m));
    m->next_serial = 1;
}

void conn_mgr_add(struct conn_mgr *m, struct conn *c, const char *prefix)
{
    snprintf(c->id, sizeof(c->id), "%s%sc%llu", prefix, *prefix ? ":" : "",
             (unsigned long long)m->next_serial++);
    HASH_ADD_STR(m->by_id, id, c);
    c->indexed = 1;
    m->total++;
}

void conn_mgr_remove(struct conn_mgr *m, struct conn *c)
{
    if (!c->indexed)
        return;
    HASH_DEL(m->by_id, c);
    c->indexed = 0;
    m->total--;
}

struct conn *conn_mgr_find(struct conn_mgr *m, const char *id)
{
    struct conn *c = NULL;
    HASH_FIND_STR(m->by_id, id, c);
    return c;
}

void conn_mgr_ws_count(struct conn_mgr *m, int delta)
{
    m->ws_count += delta;
}

void conn_mgr_foreach(struct conn_mgr *m, void (*fn)(struct conn *, void *), void *arg)
{
    struct conn *c, *tmp;
    HASH_ITER(hh, m->by_id, c, tmp) fn(c, arg);
}

void conn_log_ws_closed(const struct conn *c, const struct logger *lg, uint64_t now_ms)
{
    struct log_line l;
    if (log_begin(&l, lg, LOG_INFO, "ws_closed") < 0)
        return;
    log_str(&l, "remote", c->remote);
    log_str(&l, "id", c->id);
    if (c->user[0])
        log_str(&l, "user", c->user);
    log_uint(&l, "duration_ms", now_ms > c->connected_at_ms ? now_ms - c->connected_at_ms : 0);
    log_uint(&l, "msgs_in", c->msgs_in);
    log_uint(&l, "msgs_out", c->msgs_out);
    log_uint(&l, "bytes_in", c->bytes_in);
    log_uint(&l, "bytes_out", c->bytes_out);
    /* 1006 (never sent) names a connection that ended without a closing handshake. */
    log_uint(&l, "close_code", c->ws.close_code ? c->ws.close_code : 1006);
    log_end(&l);
}

void conn_log_http(const struct conn *c, const struct logger *lg, const char *method,
                   const char *path)
{
    struct log_line l;
    if (log_begin(&l, lg, LOG_DEBUG, "http") < 0)
        return;
    log_str(&l, "remote", c->remote);
    log_str(&l, "method", method);
    log_str(&l, "path", path);
    log_int(&l, "status", c->http_status);
    log_end(&l);
}
