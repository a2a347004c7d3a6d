#include "net/tls_reload.h"

static void queue_load(struct tls_reload *r);

static void load_work(uv_work_t *w)
{
    struct tls_reload *r = w->data;
    r->rc = tls_keys_load(r->cert, r->key, &r->fresh, r->why, sizeof(r->why));
}

static void after_load(uv_work_t *w, int status)
{
    struct tls_reload *r = w->data;
    r->busy = 0;
    if (status < 0 || r->rc < 0) {
        tls_keys_free(r->fresh);
        log_error(r->log, "TLS reload failed, keeping the current certificate: %s",
                  status < 0 ? uv_strerror(status) : r->why);
    } else {
        if (r->rc == 1)
            log_warn(r->log, "%s", r->why);
        tls_server_swap(r->srv, r->fresh);
        log_info(r->log, "TLS certificate and key reloaded");
    }
    r->fresh = NULL;
    if (r->again && status == 0) {
        r->again = 0;
        queue_load(r);
    }
}

static void queue_load(struct tls_reload *r)
{
    r->busy = 1;
    r->work.data = r;
    if (uv_queue_work(r->sig.loop, &r->work, load_work, after_load) < 0)
        r->busy = 0;
}

static void on_sighup(uv_signal_t *s, int signum)
{
    struct tls_reload *r = s->data;
    (void)signum;
    if (r->busy)
        r->again = 1; /* the files may have changed again: load once more afterwards */
    else
        queue_load(r);
}

int tls_reload_start(struct tls_reload *r, uv_loop_t *loop, struct tls_server *srv,
                     const char *cert, const char *key, const struct logger *log)
{
    r->srv = srv;
    r->cert = cert;
    r->key = key;
    r->log = log;
    r->fresh = NULL;
    r->busy = r->again = 0;
    int rc = uv_signal_init(loop, &r->sig);
    if (rc < 0)
        return rc;
    r->sig.data = r;
    return uv_signal_start(&r->sig, on_sighup, SIGHUP);
}

void tls_reload_stop(struct tls_reload *r)
{
    if (!uv_is_closing((uv_handle_t *)&r->sig))
        uv_close((uv_handle_t *)&r->sig, NULL);
}
