#include "hub/broadcast.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bc_init(struct broadcast *bc)
{
    memset(bc, 0, sizeof(*bc));
}

static int valid_name(const char *name)
{
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == ':' || ch == '-'))
            return 0;
        if (n >= CHANNEL_NAME_MAX)
            return 0;
    }
    return n > 0;
}

enum channel_kind bc_channel_kind(const char *name, unsigned *mask)
{
    if (!valid_name(name))
        return CH_INVALID;
    unsigned groups = metrics_channel_groups(name);
    if (groups) {
        if (mask)
            *mask = groups;
        return CH_METRICS;
    }
    if (strcmp(name, INSIGHTS_CHANNEL) == 0)
        return CH_INSIGHTS;
    if (strncmp(name, "metrics", 7) == 0 || strncmp(name, "insights", 8) == 0)
        return CH_RESERVED;
    return CH_FREE;
}

struct channel *bc_find(struct broadcast *bc, const char *name)
{
    struct channel *ch = NULL;
    HASH_FIND_STR(bc->channels, name, ch);
    return ch;
}

static void recompute_mask(struct conn *c)
{
    c->metrics_mask = 0;
    for (struct sub *s = c->subs; s; s = s->c_next)
        c->metrics_mask |= s->ch->metrics_mask;
}

int bc_subscribe(struct broadcast *bc, struct conn *c, const char *name)
{
    struct channel *ch = bc_find(bc, name);
    if (ch)
        for (struct sub *s = c->subs; s; s = s->c_next)
            if (s->ch == ch)
                return 1;
    if (c->nsubs >= BC_MAX_SUBS_PER_CONN)
        return -E2BIG;
    if (!ch) {
        if (!(ch = calloc(1, sizeof(*ch))))
            return -ENOMEM;
        strcpy(ch->name, name);
        bc_channel_kind(name, &ch->metrics_mask);
        HASH_ADD_STR(bc->channels, name, ch);
        bc->nchannels++;
    }
    struct sub *s = calloc(1, sizeof(*s));
    if (!s) {
        if (ch->count == 0) { /* the channel was made for this subscription */
            HASH_DEL(bc->channels, ch);
            bc->nchannels--;
            free(ch);
        }
        return -ENOMEM;
    }
    s->ch = ch;
    s->c = c;
    s->ch_next = ch->head;
    if (ch->head)
        ch->head->ch_prev = s;
    ch->head = s;
    ch->count++;
    s->c_next = c->subs;
    c->subs = s;
    c->nsubs++;
    c->metrics_mask |= ch->metrics_mask;
    return 0;
}

static void unlink_sub(struct broadcast *bc, struct sub *s)
{
    struct channel *ch = s->ch;
    if (s->ch_prev)
        s->ch_prev->ch_next = s->ch_next;
    else
        ch->head = s->ch_next;
    if (s->ch_next)
        s->ch_next->ch_prev = s->ch_prev;
    if (--ch->count == 0) {
        HASH_DEL(bc->channels, ch);
        bc->nchannels--;
        free(ch);
    }
    free(s);
}

int bc_unsubscribe(struct broadcast *bc, struct conn *c, const char *name)
{
    for (struct sub **pp = &c->subs; *pp; pp = &(*pp)->c_next) {
        struct sub *s = *pp;
        if (strcmp(s->ch->name, name) == 0) {
            *pp = s->c_next;
            c->nsubs--;
            unlink_sub(bc, s);
            recompute_mask(c);
            return 0;
        }
    }
    return 1;
}

void bc_unsubscribe_all(struct broadcast *bc, struct conn *c)
{
    while (c->subs) {
        struct sub *s = c->subs;
        c->subs = s->c_next;
        unlink_sub(bc, s);
    }
    c->nsubs = 0;
    c->metrics_mask = 0;
}

unsigned bc_publish(struct broadcast *bc, const char *name, struct pbuf *frame,
                    void (*deliver)(struct conn *, struct pbuf *, void *), void *arg)
{
    struct channel *ch = bc_find(bc, name);
    unsigned n = 0;
    if (!ch)
        return 0;
    /* deliver() may close a slow consumer, but closing only flags it: the list stays valid. */
    for (struct sub *s = ch->head; s; s = s->ch_next, n++)
        deliver(s->c, frame, arg);
    return n;
}

static void deliver(struct conn *c, struct pbuf *frame, void *arg)
{
    (void)arg;
    conn_send_frame(c, frame);
}

unsigned bc_send(struct broadcast *bc, const char *name, struct pbuf *frame)
{
    return bc_publish(bc, name, frame, deliver, NULL);
}

json_t *bc_stats(const struct broadcast *bc)
{
    json_t *o = json_object();
    for (struct channel *ch = bc->channels; ch; ch = ch->hh.next)
        json_object_set_new(o, ch->name, json_integer(ch->count));
    return o;
}

void bc_free(struct broadcast *bc)
{
    struct channel *ch, *tmp;
    HASH_ITER(hh, bc->channels, ch, tmp)
    {
        while (ch->head) {
            struct sub *s = ch->head;
            ch->head = s->ch_next;
            free(s);
        }
        HASH_DEL(bc->channels, ch);
        free(ch);
    }
    bc->nchannels = 0;
}
