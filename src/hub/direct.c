#include "hub/direct.h"

#include <string.h>

/* Connections carry no user yet (open mode): `to` names a connection id. Once they do, the
 * user's connections are matched here too, and by the same rule on every node. */
unsigned direct_deliver(struct conn_mgr *m, const char *to, struct pbuf *frame)
{
    struct conn *dst = conn_mgr_find(m, to);
    if (!dst || !conn_is_ws(dst))
        return 0;
    conn_send_frame(dst, frame);
    return 1;
}

int direct_present(struct conn_mgr *m, const char *to, const struct conn *except)
{
    struct conn *dst = conn_mgr_find(m, to);
    return dst && conn_is_ws(dst) && dst != except;
}
