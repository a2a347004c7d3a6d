#include "fleet/redis_uv.h"

#include <errno.h>
#include <stdlib.h>

struct redis_uv {
    redisAsyncContext *ac; /* NULL once hiredis cleaned up */
    uv_poll_t poll;
    int events;
};

static void on_poll(uv_poll_t *h, int status, int events)
{
    struct redis_uv *p = h->data;
    /* On an error, let hiredis read and write: it finds the socket error and disconnects. */
    int ev = status < 0 ? p->events : events;
    if (p->ac && (ev & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac && (ev & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

static void update(struct redis_uv *p, int events)
{
    p->events = events;
    if (events)
        uv_poll_start(&p->poll, events, on_poll);
    else
        uv_poll_stop(&p->poll);
}

static void add_read(void *d)
{
    struct redis_uv *p = d;
    update(p, p->events | UV_READABLE);
}

static void del_read(void *d)
{
    struct redis_uv *p = d;
    update(p, p->events & ~UV_READABLE);
}

static void add_write(void *d)
{
    struct redis_uv *p = d;
    update(p, p->events | UV_WRITABLE);
}

static void del_write(void *d)
{
    struct redis_uv *p = d;
    update(p, p->events & ~UV_WRITABLE);
}

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

static void cleanup(void *d)
{
    struct redis_uv *p = d;
    p->ac = NULL;
    uv_close((uv_handle_t *)&p->poll, on_closed);
}

int redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    if (ac->ev.data)
        return -EBUSY;
    struct redis_uv *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    int rc = uv_poll_init(loop, &p->poll, ac->c.fd);
    if (rc < 0) {
        free(p);
        return rc;
    }
    p->ac = ac;
    p->poll.data = p;
    ac->ev.data = p;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    return 0;
}
