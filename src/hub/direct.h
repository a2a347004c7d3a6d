/* Direct delivery: a framed "direct" message to the connection with a given id, or else to
 * every connection of the user with that name. */
#ifndef PULSE_DIRECT_H
#define PULSE_DIRECT_H

#include "base/pbuf.h"
#include "hub/conn.h"
#include "hub/users.h"

/* Queues `frame` to the open WebSocket connection whose id is `to`, or else to every open
 * connection of user `to`; returns how many got it. */
unsigned direct_deliver(struct conn_mgr *m, const struct user_table *users, const char *to,
                        struct pbuf *frame);

/* Whether some open WebSocket connection has id or user `to`, other than `except` (may be NULL). */
int direct_present(struct conn_mgr *m, const struct user_table *users, const char *to,
                   const struct conn *except);

#endif
