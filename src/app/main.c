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
        log_warn(&srv->log, "open files limited to %llu: fewer than --max-connections %ld",
                 (unsigned long long)rl.rlim_cur, srv->cfg.max_connections);
}

static int run(struct pulse_server *srv)
{
    char why[256] = "";
    srv->loop = uv_default_loop();
    srv->log.level = srv->cfg.log_level;
    raise_fd_limit(srv);
    srv->started_wall_ms = pulse_wall_ms();
    conn_mgr_init(&srv->conns);
    bc_init(&srv->bc);
    handlers_init(srv);
    const char *root = srv->cfg.static_dir[0] ? srv->cfg.static_dir : PULSE_DEFAULT_STATIC;
    if (assets_load(&srv->assets, root, srv->cfg.static_dir[0] != 0, why, sizeof(why)) < 0) {
        fprintf(stderr, "pulse: %s\n", why);
        return 1;
    }
    if (provider_start(srv, why, sizeof(why)) < 0 || transport_start(srv, why, sizeof(why)) < 0) {
        fprintf(stderr, "pulse: %s\n", why);
        provider_free(srv);
        assets_free(&srv->assets);
        return 1;
    }
    const char *host = srv->cfg.host;
    int v6 = strchr(host, ':') != NULL;
    printf("pulse listening on http://%s%s%s:%d\n", v6 ? "[" : "", host, v6 ? "]" : "", srv->port);
    fflush(stdout);
    uv_run(srv->loop, UV_RUN_DEFAULT);
    bc_free(&srv->bc);
    provider_free(srv);
    assets_free(&srv->assets);
    uv_loop_close(srv->loop);
    log_info(&srv->log, "stopped");
    return 0;
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
    } else if (r == CONFIG_EXIT_OK && what == 'v') {
        printf("pulse " PULSE_VERSION "\n");
    } else if (r == CONFIG_EXIT_OK) {
        config_usage(stdout);
    } else {
        /* A write to a connection the peer has reset must fail with EPIPE, not kill the
         * daemon: libuv writes with writev, which raises SIGPIPE. */
        signal(SIGPIPE, SIG_IGN);
        rc = run(srv);
    }
    free(srv);
    return rc;
}
