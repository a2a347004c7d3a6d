#include "hub/direct.h"

#include <string.h>

#include "hub/auth.h"
#include "hub/hub.h"

/* The rule is the same on every node: a connection id first, else a user name. */
unsigned direct_deliver(struct conn_mgr *m, const struct user_table *users, const char *to,
                        struct pbuf *frame)
{
    struct conn *dst = conn_mgr_find(m, to);
    if (dst && conn_is_ws(dst)) {
        conn_send_frame(dst, frame);
        return 1;
    }
    struct user *u = users ? users_find(users, to) : NULL;
    unsigned n = 0;
    for (struct user_link *l = u ? u->head : NULL; l; l = l->next) {
        dst = conn_of_ident(auth_ident_of(l));
        if (conn_is_ws(dst)) {
            conn_send_frame(dst, frame);
            n++;
        }
    }
    return n;
}

int direct_present(struct conn_mgr *m, const struct user_table *users, const char *to,
                   const struct conn *except)
{
    struct conn *dst = conn_mgr_find(m, to);
    if (dst && conn_is_ws(dst) && dst != except)
        return 1;
    struct user *u = users ? users_find(users, to) : NULL;
    for (struct user_link *l = u ? u->head : NULL; l; l = l->next) {
        dst = conn_of_ident(auth_ident_of(l));
        if (conn_is_ws(dst) && dst != except)
            return 1;
    }
    return 0;
}
