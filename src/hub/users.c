#include "hub/users.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void users_init(struct user_table *t)
{
    memset(t, 0, sizeof(*t));
}

struct user *users_find(const struct user_table *t, const char *name)
{
    struct user *u = NULL;
    HASH_FIND_STR(t->by_name, name, u);
    return u;
}

static struct user *intern(struct user_table *t, const char *name)
{
    struct user *u = users_find(t, name);
    if (u)
        return u;
    size_t len = strlen(name);
    u = calloc(1, sizeof(*u) + len + 1);
    if (!u)
        return NULL;
    memcpy(u->name, name, len + 1);
    HASH_ADD(hh, t->by_name, name[0], len, u);
    t->count++;
    return u;
}

int users_attach(struct user_table *t, struct user_link *link, const char *name)
{
    if (!name || !*name)
        return -EINVAL;
    if (link->user && strcmp(link->user->name, name) == 0)
        return 0;
    users_detach(t, link);
    struct user *u = intern(t, name);
    if (!u)
        return -ENOMEM;
    link->user = u;
    link->prev = NULL;
    link->next = u->head;
    if (u->head)
        u->head->prev = link;
    u->head = link;
    u->refs++;
    return 0;
}

void users_detach(struct user_table *t, struct user_link *link)
{
    struct user *u = link->user;
    if (!u)
        return;
    if (link->prev)
        link->prev->next = link->next;
    else
        u->head = link->next;
    if (link->next)
        link->next->prev = link->prev;
    link->user = NULL;
    link->prev = link->next = NULL;
    if (--u->refs == 0) {
        HASH_DEL(t->by_name, u);
        t->count--;
        free(u);
    }
}

const char *users_name(const struct user_link *link)
{
    return link->user ? link->user->name : NULL;
}

void users_free(struct user_table *t)
{
    struct user *u, *tmp;
    HASH_ITER(hh, t->by_name, u, tmp)
    {
        HASH_DEL(t->by_name, u);
        free(u);
    }
    t->count = 0;
}
