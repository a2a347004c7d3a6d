/* Attaches a hiredis async context to a libuv loop. Replaces hiredis 0.14's adapters/libuv.h,
 * which drops libuv's error status: a refused connect or a reset socket (POLLERR) then stops the
 * poll handle silently and hiredis never learns that the connection failed. */
#ifndef PULSE_REDIS_UV_H
#define PULSE_REDIS_UV_H

#include <hiredis/async.h>
#include <uv.h>

/* Hooks `ac` to `loop`: 0, or -ENOMEM / a negative uv error (the context is left unattached). */
int redis_uv_attach(redisAsyncContext *ac, uv_loop_t *loop);

#endif
