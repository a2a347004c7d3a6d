/* User interning table: each signed-in user's name is stored once, with the list of its
 * connections (the per-user index of the connection manager). A user lives while it has one. */
#ifndef PULSE_USERS_H
#define PULSE_USERS_H

#include <stddef.h>
#include <uthash.h>

struct user;

/* Embedded in each connection: which user it belongs to and its neighbours in that user's list.
 * All NULL while the connection is anonymous. */
struct user_link {
    struct user *user;
    struct user_link *prev, *next;
};

struct user {
    UT_hash_handle hh;
    struct user_link *head; /* the user's connections, newest first */
    unsigned refs;          /* how many links point here */
    char name[];            /* NUL-terminated, stored once */
};

struct user_table {
    struct user *by_name;
    unsigned count; /* distinct users */
};

/* An empty table. */
void users_init(struct user_table *t);

/* Attaches `link` to the user called `name` (created on first use); a link already attached is
 * moved. Returns 0, -EINVAL for an empty name, or -ENOMEM (then `link` is left detached). */
int users_attach(struct user_table *t, struct user_link *link, const char *name);

/* Detaches `link` from its user (idempotent); frees the user when this was its last link. */
void users_detach(struct user_table *t, struct user_link *link);

/* The user called `name`, or NULL when none of its connections is attached. */
struct user *users_find(const struct user_table *t, const char *name);

/* The name of the user `link` is attached to, or NULL. */
const char *users_name(const struct user_link *link);

/* Frees every user (links still pointing at them must not be used afterwards). */
void users_free(struct user_table *t);

#endif
