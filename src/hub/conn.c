#include "hub/conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub/frame.h"

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
    c->mgr = m;
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

void conn_send_frame(struct conn *c, struct pbuf *frame)
{
    if (net_send_frame(&c->nc, frame) == 0)
        c->mgr->messages_out++;
}

void conn_send_coalesced(struct conn *c, struct pbuf *frame)
{
    if (!net_replace_frame(&c->nc, frame))
        conn_send_frame(c, frame);
}

int conn_send_json(struct conn *c, json_t *value)
{
    struct pbuf *b = frame_json(value);
    if (!b)
        return -ENOMEM;
    conn_send_frame(c, b);
    pbuf_unref(b);
    return 0;
}

void conn_close_ws(struct conn *c, uint16_t code, const char *reason)
{
    net_close_ws(&c->nc, code, reason);
}
