/* pulse: the command line; app/startup.c starts and runs the daemon. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/startup.h"
#include "app/token_cmd.h"
#include "fleet/fleet.h"

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
        free(srv);
        return token_cmd_run(argc - 2, argv + 2, (int64_t)time(NULL), stdout, stderr);
    }
    enum config_result r = config_parse(&srv->cfg, argc - 1, argv + 1, err, sizeof(err), &what);
    int rc = 0;
    if (r == CONFIG_EXIT_USAGE) {
        fprintf(stderr, "pulse: %s\n", err);
        rc = 2;
    } else if (r == CONFIG_EXIT_OK) {
        print_and_exit(&srv->cfg, what);
    } else if (srv->cfg.redis[0] &&
               fleet_check_options(srv->cfg.redis, srv->cfg.node_name, sizeof(srv->cfg.node_name),
                                   srv->cfg.redis_prefix, sizeof(srv->cfg.redis_prefix), err,
                                   sizeof(err)) < 0) {
        fprintf(stderr, "pulse: %s\n", err);
        rc = 2;
    } else {
        /* A write to a connection the peer has reset must fail with EPIPE, not kill the
         * daemon: libuv writes with writev, which raises SIGPIPE. A full disk (or a file size
         * limit) must fail the history write with EFBIG, not kill the daemon with SIGXFSZ. */
        signal(SIGPIPE, SIG_IGN);
        signal(SIGXFSZ, SIG_IGN);
        srv->argc = argc - 1;
        srv->argv = argv + 1;
        rc = server_run(srv);
    }
    free(srv);
    return rc;
}
