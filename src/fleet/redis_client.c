#include "fleet/redis_client.h"
#include "fleet/redis_uv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

enum rc_phase {
    RC_IDLE,       /* not started, or stopped */
    RC_RESOLVING,  /* uv_getaddrinfo in flight */
    RC_CONNECTING, /* contexts open, handshake in flight */
    RC_UP,         /* both ready */
    RC_WAITING,    /* backing off before the next attempt */
};

struct redis_client {
    struct redis_client_cfg cfg;
    enum rc_phase phase;
    redisAsyncContext *cmd, *sub;
    redisAsyncContext *dying[4]; /* torn down, freed by the reaper outside hiredis callbacks */
    int cmd_ready, sub_ready, stopped, ever_up, outage_logged;
    unsigned backoff_ms;
    uint64_t ping_sent; /* loop time of the unanswered PING, 0 when none */
    char addr[REDIS_URL_HOST_MAX];
    char channels[RC_MAX_CHANNELS][256];
    int nchannels;
    uv_getaddrinfo_t gai;
    int gai_busy;
    uv_timer_t retry, deadline, ping, reaper;
    struct redis_client_stats stats;
};

static void connect_now(struct redis_client *rc);
static void start_attempt(struct redis_client *rc);
static void on_ping_timer(uv_timer_t *t);

/* ---- tearing down ------------------------------------------------------------------------- */

static void on_reaper(uv_timer_t *t)
{
    struct redis_client *rc = t->data;
    for (size_t i = 0; i < sizeof(rc->dying) / sizeof(rc->dying[0]); i++) {
        redisAsyncContext *ac = rc->dying[i];
        rc->dying[i] = NULL; /* its disconnect callback must not find it any more */
        if (ac)
            redisAsyncFree(ac);
    }
}

static void bury(struct redis_client *rc, redisAsyncContext **slot)
{
    if (!*slot)
        return;
    for (size_t i = 0; i < sizeof(rc->dying) / sizeof(rc->dying[0]); i++)
        if (!rc->dying[i]) {
            rc->dying[i] = *slot;
            break;
        }
    *slot = NULL;
    if (!rc->stopped)
        uv_timer_start(&rc->reaper, on_reaper, 0, 0);
}

/* Forgets a context hiredis is about to free: 1 when it was a live one, 0 when it was being
 * torn down already or is unknown. */
static int forget(struct redis_client *rc, const redisAsyncContext *ac)
{
    for (size_t i = 0; i < sizeof(rc->dying) / sizeof(rc->dying[0]); i++)
        if (rc->dying[i] == ac) {
            rc->dying[i] = NULL;
            return 0;
        }
    if (rc->cmd == ac) {
        rc->cmd = NULL;
        return 1;
    }
    if (rc->sub == ac) {
        rc->sub = NULL;
        return 1;
    }
    return 0;
}

static void on_retry(uv_timer_t *t)
{
    start_attempt(t->data);
}

/* An attempt failed or a live connection was lost: tear down, log once, back off. */
static void fail(struct redis_client *rc, const char *why)
{
    if (rc->stopped || rc->phase == RC_WAITING || rc->phase == RC_IDLE)
        return;
    int was_up = rc->phase == RC_UP;
    rc->phase = RC_WAITING;
    rc->cmd_ready = rc->sub_ready = 0;
    rc->ping_sent = 0;
    bury(rc, &rc->cmd);
    bury(rc, &rc->sub);
    uv_timer_stop(&rc->deadline);
    uv_timer_stop(&rc->ping);
    if (was_up) {
        rc->stats.losses++;
        log_warn(rc->cfg.log, "redis: connection lost (%s); serving local clients, reconnecting",
                 why);
        rc->outage_logged = 1;
        rc->cfg.on_state(rc->cfg.ud, 0);
    } else if (!rc->outage_logged) {
        log_warn(rc->cfg.log, "redis: cannot connect (%s); serving local clients, retrying", why);
        rc->outage_logged = 1;
    } else {
        log_debug(rc->cfg.log, "redis: reconnect failed (%s)", why);
    }
    uv_timer_start(&rc->retry, on_retry, rc->backoff_ms, 0);
    rc->backoff_ms =
        rc->backoff_ms * 2 > RC_BACKOFF_MAX_MS ? RC_BACKOFF_MAX_MS : rc->backoff_ms * 2;
}

/* ---- hiredis callbacks -------------------------------------------------------------------- */

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct redis_client *rc = ac->data;
    if (status != REDIS_OK && forget(rc, ac))
        fail(rc, ac->errstr[0] ? ac->errstr : "connect failed");
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct redis_client *rc = ac->data;
    if (forget(rc, ac))
        fail(rc, status == REDIS_OK ? "closed" : ac->errstr[0] ? ac->errstr : "error");
}

static void became_ready(struct redis_client *rc)
{
    if (!rc->cmd_ready || !rc->sub_ready || rc->phase != RC_CONNECTING)
        return;
    rc->phase = RC_UP;
    rc->backoff_ms = RC_BACKOFF_MIN_MS;
    rc->stats.connects++;
    uv_timer_stop(&rc->deadline);
    uv_timer_start(&rc->ping, on_ping_timer, RC_PING_MS, RC_PING_MS);
    char desc[600];
    log_info(rc->cfg.log, "redis: %s %s", rc->ever_up ? "reconnected to" : "connected to",
             redis_url_describe(&rc->cfg.url, desc, sizeof(desc)));
    rc->ever_up = 1;
    rc->outage_logged = 0;
    rc->cfg.on_state(rc->cfg.ud, 1);
}

static void send_subscribe(struct redis_client *rc);

/* Replies to AUTH, SELECT and the handshake PING: any error ends the attempt. */
static void on_handshake(redisAsyncContext *ac, void *r, void *priv)
{
    struct redis_client *rc = ac->data;
    redisReply *reply = r;
    if (!reply || rc->stopped || (ac != rc->cmd && ac != rc->sub))
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        char why[200];
        snprintf(why, sizeof(why), "%s: %.150s", (const char *)priv, reply->str);
        fail(rc, why);
        return;
    }
    if (strcmp(priv, "PING") == 0) {
        rc->cmd_ready = 1;
        became_ready(rc);
    } else if (strcmp(priv, "AUTHSUB") == 0) {
        send_subscribe(rc); /* only now: hiredis routes replies differently once subscribed */
    }
}

static void on_sub_reply(redisAsyncContext *ac, void *r, void *priv)
{
    (void)priv;
    struct redis_client *rc = ac->data;
    redisReply *reply = r;
    if (!reply || rc->stopped || ac != rc->sub)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        fail(rc, reply->str);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING)
        return;
    const char *kind = reply->element[0]->str;
    if (strcmp(kind, "subscribe") == 0) {
        rc->sub_ready = 1;
        became_ready(rc);
    } else if (strcmp(kind, "message") == 0 && reply->element[1]->type == REDIS_REPLY_STRING &&
               reply->element[2]->type == REDIS_REPLY_STRING) {
        rc->stats.received++;
        rc->cfg.on_message(rc->cfg.ud, reply->element[1]->str, reply->element[2]->str,
                           reply->element[2]->len);
    }
}

static void on_pong(redisAsyncContext *ac, void *r, void *priv)
{
    (void)priv;
    struct redis_client *rc = ac->data;
    if (r && ac == rc->cmd)
        rc->ping_sent = 0;
}

/* ---- connecting --------------------------------------------------------------------------- */

/* AUTH [user] password, when the URL has a password. */
static int send_auth(struct redis_client *rc, redisAsyncContext *ac, char *tag)
{
    const struct redis_url *u = &rc->cfg.url;
    if (!u->has_password)
        return 0;
    const char *argv[3] = {"AUTH", u->user, u->password};
    if (u->user[0])
        redisAsyncCommandArgv(ac, on_handshake, tag, 3, argv, NULL);
    else
        redisAsyncCommandArgv(ac, on_handshake, tag, 2, (const char *[]){"AUTH", u->password},
                              NULL);
    return 1;
}

static void send_subscribe(struct redis_client *rc)
{
    const char *argv[RC_MAX_CHANNELS + 1] = {"SUBSCRIBE"};
    for (int i = 0; i < rc->nchannels; i++)
        argv[i + 1] = rc->channels[i];
    if (rc->nchannels > 0)
        redisAsyncCommandArgv(rc->sub, on_sub_reply, NULL, rc->nchannels + 1, argv, NULL);
    else
        rc->sub_ready = 1;
}

static redisAsyncContext *open_context(struct redis_client *rc)
{
    const struct redis_url *u = &rc->cfg.url;
    redisAsyncContext *ac =
        u->is_unix ? redisAsyncConnectUnix(u->path) : redisAsyncConnect(rc->addr, u->port);
    if (!ac)
        return NULL;
    ac->data = rc;
    if (ac->err || redis_uv_attach(ac, rc->cfg.loop) < 0) {
        fail(rc, ac->errstr[0] ? ac->errstr : "cannot attach to the loop");
        redisAsyncFree(ac); /* not connected: no disconnect callback, nothing pending */
        return NULL;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    return ac;
}

static void on_deadline(uv_timer_t *t)
{
    fail(t->data, "connect timed out");
}

static void connect_now(struct redis_client *rc)
{
    rc->phase = RC_CONNECTING;
    rc->cmd_ready = rc->sub_ready = 0;
    uv_timer_start(&rc->deadline, on_deadline, RC_CONNECT_TIMEOUT_MS, 0);
    if (!(rc->cmd = open_context(rc)) || !(rc->sub = open_context(rc))) {
        fail(rc, "cannot create a connection");
        return;
    }
    /* Commands are queued by hiredis until the socket connects: one round trip for all. */
    send_auth(rc, rc->cmd, "AUTH");
    if (rc->cfg.url.db) {
        char db[16];
        snprintf(db, sizeof(db), "%ld", rc->cfg.url.db);
        redisAsyncCommandArgv(rc->cmd, on_handshake, "SELECT", 2, (const char *[]){"SELECT", db},
                              NULL);
    }
    redisAsyncCommandArgv(rc->cmd, on_handshake, "PING", 1, (const char *[]){"PING"}, NULL);
    /* pub/sub ignores SELECT: channels are server-wide. */
    if (!send_auth(rc, rc->sub, "AUTHSUB"))
        send_subscribe(rc);
    became_ready(rc);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct redis_client *rc = req->data;
    rc->gai_busy = 0;
    if (rc->stopped || rc->phase != RC_RESOLVING) {
        uv_freeaddrinfo(res);
        return;
    }
    if (status < 0 || !res) {
        char why[300];
        snprintf(why, sizeof(why), "cannot resolve %s: %s", rc->cfg.url.host, uv_strerror(status));
        rc->phase = RC_CONNECTING; /* so that fail() backs off */
        uv_freeaddrinfo(res);
        fail(rc, why);
        return;
    }
    const void *a = res->ai_family == AF_INET6
                        ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                        : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
    inet_ntop(res->ai_family, a, rc->addr, sizeof(rc->addr));
    uv_freeaddrinfo(res);
    connect_now(rc);
}

/* Resolves the host off the loop (hiredis would call getaddrinfo on it), then connects. */
static void start_attempt(struct redis_client *rc)
{
    const struct redis_url *u = &rc->cfg.url;
    unsigned char tmp[16];
    if (rc->stopped)
        return;
    if (u->is_unix || inet_pton(AF_INET, u->host, tmp) == 1 ||
        inet_pton(AF_INET6, u->host, tmp) == 1) {
        snprintf(rc->addr, sizeof(rc->addr), "%s", u->is_unix ? "" : u->host);
        connect_now(rc);
        return;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    rc->phase = RC_RESOLVING;
    rc->gai.data = rc;
    int err = uv_getaddrinfo(rc->cfg.loop, &rc->gai, on_resolved, u->host, NULL, &hints);
    if (err < 0) {
        rc->phase = RC_CONNECTING;
        fail(rc, uv_strerror(err));
        return;
    }
    rc->gai_busy = 1;
}

/* Every RC_PING_MS: a PING whose answer is overdue by a whole period means a hung Redis. */
static void on_ping_timer(uv_timer_t *t)
{
    struct redis_client *rc = t->data;
    if (rc->phase != RC_UP)
        return;
    if (rc->ping_sent) {
        fail(rc, "no answer to PING");
        return;
    }
    rc->ping_sent = uv_now(rc->cfg.loop);
    if (redisAsyncCommand(rc->cmd, on_pong, NULL, "PING") != REDIS_OK)
        fail(rc, "cannot send PING");
}

/* ---- the public side ---------------------------------------------------------------------- */

int redis_client_new(const struct redis_client_cfg *cfg, struct redis_client **out)
{
    struct redis_client *rc = calloc(1, sizeof(*rc));
    if (!rc)
        return -ENOMEM;
    rc->cfg = *cfg;
    rc->backoff_ms = RC_BACKOFF_MIN_MS;
    uv_timer_t *timers[] = {&rc->retry, &rc->deadline, &rc->ping, &rc->reaper};
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++) {
        uv_timer_init(cfg->loop, timers[i]);
        timers[i]->data = rc;
    }
    rc->stopped = 1; /* until started: fail() and callbacks do nothing */
    *out = rc;
    return 0;
}

int redis_client_subscribe(struct redis_client *rc, const char *channel)
{
    if (rc->nchannels >= RC_MAX_CHANNELS)
        return -E2BIG;
    if (strlen(channel) >= sizeof(rc->channels[0]))
        return -ENAMETOOLONG;
    strcpy(rc->channels[rc->nchannels++], channel);
    if (rc->phase == RC_UP)
        redisAsyncCommandArgv(rc->sub, on_sub_reply, NULL, 2,
                              (const char *[]){"SUBSCRIBE", channel}, NULL);
    return 0;
}

void redis_client_start(struct redis_client *rc)
{
    rc->stopped = 0;
    start_attempt(rc);
}

void redis_client_stop(struct redis_client *rc)
{
    if (!rc || rc->stopped == 2)
        return;
    int was_up = rc->phase == RC_UP;
    rc->stopped = 2;
    rc->phase = RC_IDLE;
    if (rc->gai_busy)
        uv_cancel((uv_req_t *)&rc->gai);
    bury(rc, &rc->cmd);
    bury(rc, &rc->sub);
    on_reaper(&rc->reaper); /* not inside a hiredis callback: stop runs from the loop */
    uv_timer_t *timers[] = {&rc->retry, &rc->deadline, &rc->ping, &rc->reaper};
    for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
        uv_close((uv_handle_t *)timers[i], NULL);
    if (was_up)
        rc->cfg.on_state(rc->cfg.ud, 0);
}

void redis_client_free(struct redis_client *rc)
{
    free(rc);
}

int redis_client_up(const struct redis_client *rc)
{
    return rc && rc->phase == RC_UP;
}

const struct redis_client_stats *redis_client_stats(const struct redis_client *rc)
{
    return &rc->stats;
}

int redis_client_command(struct redis_client *rc, redisCallbackFn *cb, void *priv, int argc,
                         const char **argv, const size_t *argvlen)
{
    if (rc->phase != RC_UP) {
        rc->stats.dropped++;
        return -ENOTCONN;
    }
    if (rc->cmd->c.obuf && sdslen(rc->cmd->c.obuf) > RC_OBUF_MAX) {
        rc->stats.dropped++;
        return -ENOBUFS;
    }
    if (redisAsyncCommandArgv(rc->cmd, cb, priv, argc, argv, argvlen) != REDIS_OK) {
        rc->stats.dropped++;
        return -ENOTCONN;
    }
    return 0;
}
