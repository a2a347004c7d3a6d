/* Start-up and shutdown: wires the layers together (the net's hook table, the hub, the metrics
 * service), handles SIGTERM and SIGINT, and runs the event loop. */
#include "app/startup.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "app/http_api.h"
#include "hub/handlers.h"
#include "metrics/procs.h"

/* ---- the net's hooks: how the transport reaches the layers above it ------------------------ */

static void on_open(struct net_conn *nc)
{
    struct pulse_server *srv = nc->net->user;
    hub_conn_open(&srv->hub, conn_of(nc));
}

static void on_http_request(struct net_conn *nc, const struct http_req *req)
{
    http_api_request(nc->net->user, nc, req);
}

static void on_ws_open(struct net_conn *nc)
{
    hub_ws_open(conn_of(nc));
}

static void on_ws_message(struct net_conn *nc, int opcode, const char *data, size_t len)
{
    handlers_message(conn_of(nc), opcode, data, len);
}

static void on_close(struct net_conn *nc)
{
    hub_conn_close(conn_of(nc));
}

static const char *conn_user(const struct net_conn *nc)
{
    return users_name(&((const struct conn *)nc)->ident.link);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Every connection is gone: release the rest, after which uv_run returns. */
static void on_stop(struct net *net)
{
    struct pulse_server *srv = net->user;
    close_handle((uv_handle_t *)&srv->sig_term);
    close_handle((uv_handle_t *)&srv->sig_int);
    auth_stop(&srv->hub.auth);
    fleet_stop(srv->fleet);
    metrics_service_stop(srv->metrics);
}

static const struct net_hooks net_hooks = {
    .conn_size = sizeof(struct conn),
    .on_open = on_open,
    .on_http_request = on_http_request,
    .on_ws_open = on_ws_open,
    .on_ws_message = on_ws_message,
    .on_close = on_close,
    .on_stop = on_stop,
    .conn_user = conn_user,
};

const struct net_hooks *startup_net_hooks(void)
{
    return &net_hooks;
}

/* ---- start and stop ------------------------------------------------------------------------ */

static void on_signal(uv_signal_t *s, int signum)
{
    struct pulse_server *srv = s->data;
    log_event(&srv->log, LOG_INFO, "shutdown", "signal %d", signum);
    net_stop(&srv->net);
}

static void signals_start(struct pulse_server *srv)
{
    uv_signal_init(srv->loop, &srv->sig_term);
    srv->sig_term.data = srv;
    uv_signal_start(&srv->sig_term, on_signal, SIGTERM);
    uv_signal_init(srv->loop, &srv->sig_int);
    srv->sig_int.data = srv;
    uv_signal_start(&srv->sig_int, on_signal, SIGINT);
}

/* Each connection is a descriptor: lift the soft limit (often 1024) towards what
 * --max-connections needs, and the process table's kept descriptors, within the hard limit. */
static void raise_fd_limit(struct pulse_server *srv)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)srv->cfg.max_connections + (rlim_t)srv->cfg.max_http_connections + 128 +
                  PULSE_PROCS_KEEP_FDS; /* the process table's kept /proc/[pid]/stat */
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        log_event(&srv->log, LOG_WARN, "fd_limit",
                  "open files limited to %llu: fewer than "
                  "--max-connections %ld",
                  (unsigned long long)rl.rlim_cur, srv->cfg.max_connections);
}

static int start_layers(struct pulse_server *srv, char *why, size_t whylen)
{
    const struct pulse_config *cfg = &srv->cfg;
    const struct metrics_options mo = {cfg->interval_ms,
                                       cfg->db,
                                       cfg->alert_cpu_percent,
                                       cfg->alert_memory_percent,
                                       cfg->alert_load_per_core,
                                       cfg->alert_hold_s,
                                       cfg->anomaly_z};
    const struct net_limits nl = {cfg->host,
                                  cfg->port,
                                  (size_t)cfg->max_message_bytes,
                                  (size_t)cfg->max_queue_bytes,
                                  (size_t)cfg->max_total_queue_bytes,
                                  (uint64_t)cfg->heartbeat_ms,
                                  (size_t)cfg->max_http_connections,
                                  cfg->compression,
                                  cfg->tls_cert,
                                  cfg->tls_key};
    const struct fleet_options fo = {cfg->redis, cfg->node_name, cfg->redis_prefix,
                                     cfg->interval_ms};
    int rc = cfg->redis[0]
                 ? fleet_start(&srv->fleet, srv->loop, &srv->log, &srv->hub, &fo, why, whylen)
                 : 0;
    if (rc == 0)
        rc =
            metrics_service_start(&srv->metrics, srv->loop, &srv->log, &srv->hub, &mo, why, whylen);
    if (rc == 0)
        rc = net_start(&srv->net, srv->loop, &srv->log, &nl, &net_hooks, srv, why, whylen);
    if (rc == 0)
        signals_start(srv);
    return rc;
}

/* SIGHUP (systemd's ExecReload): read the configuration again and apply what can change live. */
static void on_hup(uv_signal_t *h, int signum)
{
    struct pulse_server *srv = h->data;
    struct pulse_config *cfg = calloc(1, sizeof(*cfg));
    char err[512] = "", what = 0;
    (void)signum;
    if (!cfg)
        return;
    config_defaults(cfg);
    if (config_parse(cfg, srv->argc, srv->argv, err, sizeof(err), &what) != CONFIG_RUN) {
        log_event(&srv->log, LOG_ERROR, "reload_failed", "%s", err);
    } else {
        srv->cfg.log_level = srv->log.level = cfg->log_level;
        srv->cfg.log_format = srv->log.format = cfg->log_format;
        log_event(&srv->log, LOG_INFO, "reload", "log-level %s, log-format %s",
                  log_level_name(cfg->log_level), cfg->log_format ? "json" : "text");
    }
    free(cfg);
}

static void log_started(const struct pulse_server *srv, const char *static_root)
{
    struct log_line l;
    if (log_begin(&l, &srv->log, LOG_INFO, "started") < 0)
        return;
    log_str(&l, "version", PULSE_VERSION);
    log_int(&l, "port", srv->net.port);
    log_str(&l, "db", srv->cfg.db);
    log_str(&l, "static", static_root);
    log_str(&l, "config", srv->cfg.config_file[0] ? srv->cfg.config_file : "-");
    log_end(&l);
}

/* The dashboard page split at its snapshot slot, for the pages built per request (http_api.c);
 * a page without the slot (a --static directory of one's own) is served as it is. */
static void prepare_index(struct pulse_server *srv)
{
    struct asset_reply r;
    assets_lookup(&srv->assets, "/", 0, "", &r);
    if (!r.asset || srv->assets.builtin)
        return;
    const struct pbuf *b = r.asset->body;
    if (index_page_prepare(&srv->index, (const char *)b->data + b->start, pbuf_len(b)) == -ENOMEM)
        log_event(&srv->log, LOG_WARN, "index_page",
                  "out of memory: the page goes out without values");
}

int server_run(struct pulse_server *srv)
{
    char why[256] = "", root[1100];
    const struct hub_limits hl = {srv->cfg.rate_limit, srv->cfg.rate_burst, srv->cfg.heartbeat_ms,
                                  srv->cfg.node_name};
    srv->loop = uv_default_loop();
    srv->log.level = srv->cfg.log_level;
    srv->log.format = srv->cfg.log_format;
    uv_signal_init(srv->loop, &srv->sig_hup);
    srv->sig_hup.data = srv;
    uv_signal_start(&srv->sig_hup, on_hup, SIGHUP);
    uv_unref((uv_handle_t *)&srv->sig_hup); /* closed after the loop ends */
    raise_fd_limit(srv);
    hub_init(&srv->hub, srv->loop, &srv->log, &srv->net, &hl);
    handlers_init(&srv->hub);
    if (hub_auth_start(&srv->hub, srv->cfg.auth_secret_file, why, sizeof(why)) < 0) {
        fprintf(stderr, "pulse: %s\n", why);
        hub_free(&srv->hub);
        return 1;
    }
    if (srv->cfg.static_dir[0])
        snprintf(root, sizeof(root), "%s", srv->cfg.static_dir);
    else
        config_default_static(root, sizeof(root));
    if (assets_load(&srv->assets, root, srv->cfg.static_dir[0] != 0, why, sizeof(why)) < 0) {
        log_event(&srv->log, LOG_ERROR, "start_failed", "%s", why);
        return 1;
    }
    prepare_index(srv);
    if (start_layers(srv, why, sizeof(why)) < 0) {
        log_event(&srv->log, LOG_ERROR, "start_failed", "%s", why);
        fleet_stop(srv->fleet);
        uv_run(srv->loop, UV_RUN_NOWAIT); /* the closed handles' callbacks */
        fleet_free(srv->fleet);
        net_free(&srv->net);
        metrics_service_free(srv->metrics);
        index_page_free(&srv->index);
        assets_free(&srv->assets);
        return 1;
    }
    const char *host = srv->cfg.host;
    int v6 = strchr(host, ':') != NULL;
    printf("pulse listening on %s://%s%s%s:%d\n", srv->net.tls ? "https" : "http", v6 ? "[" : "",
           host, v6 ? "]" : "", srv->net.port);
    fflush(stdout);
    log_started(srv, root);
    uv_run(srv->loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&srv->sig_hup, NULL);
    uv_run(srv->loop, UV_RUN_DEFAULT);
    net_free(&srv->net);
    fleet_free(srv->fleet);
    hub_free(&srv->hub);
    metrics_service_free(srv->metrics);
    index_page_free(&srv->index);
    assets_free(&srv->assets);
    uv_loop_close(srv->loop);
    log_event(&srv->log, LOG_INFO, "stopped", "exit 0");
    return 0;
}
