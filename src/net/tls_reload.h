/* SIGHUP reloads the TLS certificate and key: the files are read and checked on libuv's thread
 * pool (never on the loop), then the new pair is swapped in for new handshakes; open
 * connections keep theirs. A pair that does not load is logged and the old one stays. */
#ifndef PULSE_TLS_RELOAD_H
#define PULSE_TLS_RELOAD_H

#include <uv.h>

#include "base/log.h"
#include "net/tls.h"

struct tls_reload {
    uv_signal_t sig;
    uv_work_t work;
    struct tls_server *srv;
    const char *cert, *key; /* owned by the caller, outliving the reloader */
    const struct logger *log;
    struct tls_keys *fresh; /* loaded on the pool, swapped in on the loop */
    char why[256];
    int rc;
    unsigned busy : 1, again : 1;
};

/* Starts watching SIGHUP; returns 0 or a negative uv error. */
int tls_reload_start(struct tls_reload *r, uv_loop_t *loop, struct tls_server *srv,
                     const char *cert, const char *key, const struct logger *log);

/* Stops watching (closes the signal handle); a load in flight still completes. */
void tls_reload_stop(struct tls_reload *r);

#endif
