/* pulse: command line, start-up and the event loop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hub/handlers.h"
#include "metrics/provider.h"
#include "net/transport.h"

/* Each connection is a descriptor: lift the soft limit (often 1024) towards what
 * --max-connections needs, within the hard limit. */
static void raise_fd_limit(struct pulse_server *srv)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)srv->cfg.max_connections + 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        log_event(&srv->log, LOG_WARN, "fd_limit",
                  "open files limited to %llu: fewer than "
                  "--max-connections %ld",
                  (unsigned long long)rl.rlim_cur, srv->cfg.max_connections);
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
                  config_level_name(cfg->log_level), cfg->log_format ? "json" : "text");
    }
    free(cfg);
}

static void log_started(const struct pulse_server *srv, const char *static_root)
{
    struct log_line l;
    if (log_begin(&l, &srv->log, LOG_INFO, "started") < 0)
        return;
    log_str(&l, "version", PULSE_VERSION);
    log_int(&l, "port", srv->port);
    log_str(&l, "db", srv->cfg.db);
    log_str(&l, "static", static_root);
    log_str(&l, "config", srv->cfg.config_file[0] ? srv->cfg.config_file : "-");
    log_end(&l);
}

static int run(struct pulse_server *srv)
{
    char why[256] = "", root[1100];
    srv->loop = uv_default_loop();
    srv->log.level = srv->cfg.log_level;
    srv->log.format = srv->cfg.log_format;
    uv_signal_t hup;
    uv_signal_init(srv->loop, &hup);
    hup.data = srv;
    uv_signal_start(&hup, on_hup, SIGHUP);
    uv_unref((uv_handle_t *)&hup);
    raise_fd_limit(srv);
    srv->started_wall_ms = pulse_wall_ms();
    conn_mgr_init(&srv->conns);
    bc_init(&srv->bc);
    handlers_init(srv);
    if (srv->cfg.static_dir[0])
        snprintf(root, sizeof(root), "%s", srv->cfg.static_dir);
    else
        config_default_static(root, sizeof(root));
    if (assets_load(&srv->assets, root, srv->cfg.static_dir[0] != 0, why, sizeof(why)) < 0) {
        log_event(&srv->log, LOG_ERROR, "start_failed", "%s", why);
        return 1;
    }
    if (provider_start(srv, why, sizeof(why)) < 0 || transport_start(srv, why, sizeof(why)) < 0) {
        log_event(&srv->log, LOG_ERROR, "start_failed", "%s", why);
        provider_free(srv);
        assets_free(&srv->assets);
        return 1;
    }
    const char *host = srv->cfg.host;
    int v6 = strchr(host, ':') != NULL;
    printf("pulse listening on http://%s%s%s:%d\n", v6 ? "[" : "", host, v6 ? "]" : "", srv->port);
    fflush(stdout);
    log_started(srv, root);
    uv_run(srv->loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&hup, NULL);
    uv_run(srv->loop, UV_RUN_DEFAULT);
    bc_free(&srv->bc);
    provider_free(srv);
    assets_free(&srv->assets);
    uv_loop_close(srv->loop);
    log_event(&srv->log, LOG_INFO, "stopped", "exit 0");
    return 0;
}

static void print_and_exit(const struct pulse_config *cfg, char what)
{
    if (what == CONFIG_PRINT_VERSION)
        printf("pulse " PULSE_VERSION "\n");
    else if (what == CONFIG_PRINT_MAN)
        config_man(stdout);
    else if (what == CONFIG_PRINT_CONF)
        config_sample(stdout, cfg);
    else if (what == CONFIG_PRINT_TABLE)
        config_table(stdout);
    else
        config_usage(stdout);
}

int main(int argc, char **argv)
{
    /* The server struct is large (it holds the shared read buffer): keep it off the stack. */
    struct pulse_server *srv = calloc(1, sizeof(*srv));
    char err[512] = "", what = 0;
    if (!srv)
        return 1;
    config_defaults(&srv->cfg);
    if (argc > 1 && strcmp(argv[1], "token") == 0) {
        fprintf(stderr, "pulse: token: auth is not implemented yet\n");
        free(srv);
        return 2;
    }
    enum config_result r = config_parse(&srv->cfg, argc - 1, argv + 1, err, sizeof(err), &what);
    int rc = 0;
    if (r == CONFIG_EXIT_USAGE) {
        fprintf(stderr, "pulse: %s\n", err);
        rc = 2;
    } else if (r == CONFIG_EXIT_OK) {
        print_and_exit(&srv->cfg, what);
    } else {
        /* A write to a connection the peer has reset must fail with EPIPE, not kill the
         * daemon: libuv writes with writev, which raises SIGPIPE. A full disk (or a file size
         * limit) must fail the history write with EFBIG, not kill the daemon with SIGXFSZ. */
        signal(SIGPIPE, SIG_IGN);
        signal(SIGXFSZ, SIG_IGN);
        srv->argc = argc - 1;
        srv->argv = argv + 1;
        rc = run(srv);
    }
    free(srv);
    return rc;
}
