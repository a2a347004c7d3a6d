#include "hub/auth.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int auth_init(struct auth *a, const char *secret_file, const struct logger *log, char *why,
              size_t whylen)
{
    memset(a, 0, sizeof(*a));
    a->log = log;
    a->next_expiry_ms = INT64_MAX;
    users_init(&a->users);
    if (!secret_file || !*secret_file)
        return 0;
    if (strlen(secret_file) >= sizeof(a->path)) {
        snprintf(why, whylen, "auth secret file: path too long");
        return -ENAMETOOLONG;
    }
    strcpy(a->path, secret_file);
    a->secret = calloc(1, sizeof(*a->secret));
    a->pending = calloc(1, sizeof(*a->pending));
    int loose = 0;
    int rc =
        a->secret && a->pending ? secret_load(a->path, a->secret, &loose, why, whylen) : -ENOMEM;
    if (rc == -ENOMEM && (!a->secret || !a->pending))
        snprintf(why, whylen, "out of memory");
    if (rc < 0) {
        auth_free(a);
        return rc;
    }
    if (loose)
        log_warn(log, "auth secret file %s is readable by group or others (chmod 600 it)", a->path);
    a->enabled = 1;
    return 0;
}

static void reload_work(uv_work_t *w)
{
    struct auth *a = w->data;
    a->reload_rc =
        secret_load(a->path, a->pending, &a->reload_loose, a->reload_err, sizeof(a->reload_err));
}

static void on_sighup(uv_signal_t *h, int signum);

static void reload_done(uv_work_t *w, int status)
{
    struct auth *a = w->data;
    a->reloading = 0;
    if (status == 0 && a->reload_rc == 0) {
        struct secret *old = a->secret;
        a->secret = a->pending;
        a->pending = old;
        log_info(a->log, "auth secret reloaded from %s", a->path);
        if (a->reload_loose)
            log_warn(a->log, "auth secret file %s is readable by group or others", a->path);
    } else if (status == 0) {
        log_error(a->log, "%s; keeping the previous secret", a->reload_err);
    }
    secret_wipe(a->pending);
    if (a->reload_again && a->started) {
        a->reload_again = 0;
        on_sighup(&a->sighup, SIGHUP);
    }
}

static void on_sighup(uv_signal_t *h, int signum)
{
    (void)signum;
    struct auth *a = h->data;
    if (a->reloading) { /* read the file once more after the read under way */
        a->reload_again = 1;
        return;
    }
    a->reload.data = a;
    if (uv_queue_work(h->loop, &a->reload, reload_work, reload_done) == 0)
        a->reloading = 1;
}

static void on_expiry_timer(uv_timer_t *t)
{
    struct auth *a = t->data;
    auth_expire_due(a, wall_ms());
}

int auth_start(struct auth *a, uv_loop_t *loop, void (*on_expire)(struct auth_ident *, void *),
               void *arg)
{
    if (!a->enabled)
        return 0;
    a->on_expire = on_expire;
    a->arg = arg;
    int rc = uv_timer_init(loop, &a->expiry);
    if (rc == 0)
        rc = uv_signal_init(loop, &a->sighup);
    if (rc < 0)
        return rc;
    a->expiry.data = a->sighup.data = a;
    a->started = 1;
    uv_timer_start(&a->expiry, on_expiry_timer, AUTH_EXPIRY_CHECK_MS, AUTH_EXPIRY_CHECK_MS);
    return uv_signal_start(&a->sighup, on_sighup, SIGHUP);
}

void auth_stop(struct auth *a)
{
    if (!a->started)
        return;
    a->started = 0;
    uv_close((uv_handle_t *)&a->expiry, NULL);
    uv_close((uv_handle_t *)&a->sighup, NULL);
}

void auth_free(struct auth *a)
{
    users_free(&a->users);
    if (a->secret)
        secret_wipe(a->secret);
    if (a->pending)
        secret_wipe(a->pending);
    free(a->secret);
    free(a->pending);
    a->secret = a->pending = NULL;
    a->enabled = 0;
}

int auth_verify(struct auth *a, const char *tok, size_t len, int64_t now_ms, struct jwt_claims *out)
{
    int rc = a->secret ? jwt_verify(a->secret->bytes, a->secret->len, tok, len, now_ms, out)
                       : -JWT_E_SIG;
    if (rc < 0)
        a->failures++;
    return rc;
}

int auth_login(struct auth *a, struct auth_ident *id, const struct jwt_claims *claims)
{
    int rc = users_attach(&a->users, &id->link, claims->sub);
    if (rc < 0)
        return rc;
    id->roles = 0;
    for (unsigned i = 0; i < claims->nroles; i++) {
        if (strcmp(claims->roles[i], "publisher") == 0)
            id->roles |= AUTH_ROLE_PUBLISHER;
        else if (strcmp(claims->roles[i], "admin") == 0)
            id->roles |= AUTH_ROLE_ADMIN;
    }
    id->expires_ms = claims->exp_ms;
    if (id->expires_ms < a->next_expiry_ms)
        a->next_expiry_ms = id->expires_ms;
    return 0;
}

void auth_logout(struct auth *a, struct auth_ident *id)
{
    users_detach(&a->users, &id->link);
    id->roles = 0;
    id->expires_ms = 0;
}

const char *auth_user(const struct auth_ident *id)
{
    return users_name(&id->link);
}

enum pulse_err auth_permit(const struct auth *a, const struct auth_ident *id, const char *type,
                           const char **detail)
{
    if (!a->enabled || strcmp(type, "ping") == 0 || strcmp(type, "auth") == 0)
        return PERR_COUNT;
    if (!id->link.user) {
        *detail = "authenticate first: send {\"type\":\"auth\",\"token\":JWT}";
        return PERR_UNAUTHORIZED;
    }
    if (strcmp(type, "publish") == 0 && !(id->roles & (AUTH_ROLE_PUBLISHER | AUTH_ROLE_ADMIN))) {
        *detail = "publish needs role publisher or admin";
        return PERR_FORBIDDEN;
    }
    if (strcmp(type, "stats") == 0 && !(id->roles & AUTH_ROLE_ADMIN)) {
        *detail = "stats needs role admin";
        return PERR_FORBIDDEN;
    }
    return PERR_COUNT;
}

unsigned auth_expire_due(struct auth *a, int64_t now_ms)
{
    if (now_ms < a->next_expiry_ms)
        return 0;
    int64_t next = INT64_MAX;
    unsigned n = 0;
    struct user *u, *tmp;
    HASH_ITER(hh, a->users.by_name, u, tmp)
    {
        /* The user record is freed with its last link: never touch `u` after that. */
        for (struct user_link *l = u->head, *nl; l; l = nl) {
            nl = l->next;
            struct auth_ident *id = auth_ident_of(l);
            if (id->expires_ms > now_ms) {
                next = id->expires_ms < next ? id->expires_ms : next;
                continue;
            }
            if (a->on_expire)
                a->on_expire(id, a->arg);
            auth_logout(a, id);
            n++;
        }
    }
    a->next_expiry_ms = next;
    return n;
}

int auth_request_token(const char *authorization, const char *query_token, const char **tok,
                       size_t *len)
{
    if (authorization && strncasecmp(authorization, "Bearer", 6) == 0 &&
        (authorization[6] == ' ' || authorization[6] == '\t' || authorization[6] == '\0')) {
        const char *p = authorization + 6;
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        *tok = p;
        *len = n;
        return 1;
    }
    if (query_token) {
        *tok = query_token;
        *len = strlen(query_token);
        return 1;
    }
    return 0;
}
