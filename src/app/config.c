#include "app/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind { OPT_LONG, OPT_DOUBLE, OPT_STR, OPT_ONOFF, OPT_LEVEL, OPT_ORIGIN };

struct option_def {
    const char *name;
    enum opt_kind kind;
    size_t offset;
    size_t size; /* for strings */
    long min, max;
    const char *arg, *help;
    const char *unsupported; /* non-NULL: the flag is known but not available yet */
};

#define F(field) offsetof(struct pulse_config, field), sizeof(((struct pulse_config *)0)->field)

static const struct option_def options[] = {
    {"--host", OPT_STR, F(host), 0, 0, "ADDR", "address to listen on (default 127.0.0.1)", NULL},
    {"--port", OPT_LONG, F(port), 0, 65535, "N", "TCP port, 0 picks a free one (default 8080)",
     NULL},
    {"--interval-ms", OPT_LONG, F(interval_ms), 10, 60000, "N",
     "metrics sampling interval (default 1000)", NULL},
    {"--db", OPT_STR, F(db), 0, 0, "PATH", "SQLite history file, :memory: keeps nothing", NULL},
    {"--static", OPT_STR, F(static_dir), 0, 0, "DIR", "serve the dashboard from DIR", NULL},
    {"--auth-secret-file", OPT_STR, F(auth_secret_file), 0, 0, "FILE",
     "HS256 secret for tokens (enables auth)", NULL},
    {"--allowed-origin", OPT_ORIGIN, F(allowed_origins), 0, 0, "URL",
     "browser origin allowed besides same-origin (repeatable)", NULL},
    {"--max-connections", OPT_LONG, F(max_connections), 1, 1000000, "N",
     "WebSocket connections before upgrades get 503 (default 10000)", NULL},
    {"--max-http-connections", OPT_LONG, F(max_http_connections), 1, 1000000, "N",
     "connections not (yet) WebSockets before new ones get 503 (default 1024)", NULL},
    {"--max-message-bytes", OPT_LONG, F(max_message_bytes), 1, 64L << 20, "N",
     "largest client message (default 65536)", NULL},
    {"--max-queue-bytes", OPT_LONG, F(max_queue_bytes), 1024, 1L << 40, "N",
     "outbound queue per connection (default 4 MiB)", NULL},
    {"--max-total-queue-bytes", OPT_LONG, F(max_total_queue_bytes), 1024, 1L << 40, "N",
     "outbound queues in total (default 256 MiB)", NULL},
    {"--rate-limit", OPT_LONG, F(rate_limit), 1, 1000000, "N",
     "messages per second per connection (default 50)", NULL},
    {"--rate-burst", OPT_LONG, F(rate_burst), 1, 1000000, "N",
     "token bucket size per connection (default 100)", NULL},
    {"--heartbeat-ms", OPT_LONG, F(heartbeat_ms), 0, 3600000, "N",
     "WebSocket ping period, 0 for none (default 25000)", NULL},
    {"--compression", OPT_ONOFF, F(compression), 0, 0, "on|off", "permessage-deflate (default off)",
     NULL},
    {"--redis", OPT_STR, F(redis), 0, 0, "URL",
     "cluster mode: redis://[user:password@]host[:port][/db] or unix:///path", NULL},
    {"--node-name", OPT_STR, F(node_name), 0, 0, "NAME",
     "this node's name in a cluster (default: the host name)", NULL},
    {"--redis-prefix", OPT_STR, F(redis_prefix), 0, 0, "PREFIX",
     "prefix of every Redis key and channel (default pulse:)", NULL},
    {"--tls-cert", OPT_STR, F(tls_cert), 0, 0, "FILE", "TLS certificate chain (PEM)", NULL},
    {"--tls-key", OPT_STR, F(tls_key), 0, 0, "FILE", "TLS private key (PEM)", NULL},
    {"--log-level", OPT_LEVEL, F(log_level), 0, 0, "LEVEL", "debug|info|warn|error (default info)",
     NULL},
    {"--alert-cpu-percent", OPT_DOUBLE, F(alert_cpu_percent), 1, 100, "PCT",
     "cpu.usage alert threshold (default 90)", NULL},
    {"--alert-memory-percent", OPT_DOUBLE, F(alert_memory_percent), 1, 100, "PCT",
     "memory.usage alert threshold (default 90)", NULL},
    {"--alert-load-per-core", OPT_DOUBLE, F(alert_load_per_core), 0, 1000, "X",
     "load.1m alert above cores times X (default 1)", NULL},
    {"--alert-hold-s", OPT_LONG, F(alert_hold_s), 1, 86400, "N",
     "seconds a threshold must hold before it alerts (default 60)", NULL},
    {"--anomaly-z", OPT_DOUBLE, F(anomaly_z), 1, 100, "Z",
     "z-score that counts as an anomaly (default 3)", NULL},
};

void config_defaults(struct pulse_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 8080;
    cfg->interval_ms = 1000;
    strcpy(cfg->db, "pulse.db");
    cfg->max_connections = 10000;
    cfg->max_http_connections = 1024;
    cfg->max_message_bytes = 65536;
    cfg->max_queue_bytes = 4L << 20;
    cfg->max_total_queue_bytes = 256L << 20;
    cfg->rate_limit = 50;
    cfg->rate_burst = 100;
    cfg->heartbeat_ms = 25000;
    cfg->log_level = LOG_INFO;
    cfg->alert_cpu_percent = 90;
    cfg->alert_memory_percent = 90;
    cfg->alert_load_per_core = 1;
    cfg->alert_hold_s = 60;
    cfg->anomaly_z = 3;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    if (*s == '\0' || *s == ' ' || *s == '+')
        return -EINVAL;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0')
        return -EINVAL;
    *out = v;
    return 0;
}

static int set_option(struct pulse_config *cfg, const struct option_def *o, const char *val,
                      char *err, size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    long v;
    switch (o->kind) {
    case OPT_LONG:
        if (parse_long(val, &v) < 0) {
            snprintf(err, errlen, "%s: '%s' is not a number", o->name, val);
            return -EINVAL;
        }
        if (v < o->min || v > o->max ||
            (field == (char *)&cfg->heartbeat_ms && v > 0 && v < 1000)) {
            snprintf(err, errlen, "%s: %ld is out of range %s%ld..%ld", o->name, v,
                     field == (char *)&cfg->heartbeat_ms ? "0 or " : "",
                     field == (char *)&cfg->heartbeat_ms ? 1000 : o->min, o->max);
            return -ERANGE;
        }
        *(long *)field = v;
        return 0;
    case OPT_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(val, &end);
        if (errno || end == val || *end != '\0' || d != d) {
            snprintf(err, errlen, "%s: '%s' is not a number", o->name, val);
            return -EINVAL;
        }
        if (d < (double)o->min || d > (double)o->max) {
            snprintf(err, errlen, "%s: %s is out of range %ld..%ld", o->name, val, o->min, o->max);
            return -ERANGE;
        }
        *(double *)field = d;
        return 0;
    }
    case OPT_STR:
        if (strlen(val) >= o->size || val[0] == '\0') {
            snprintf(err, errlen, "%s: value is empty or too long", o->name);
            return -EINVAL;
        }
        strcpy(field, val);
        return 0;
    case OPT_ONOFF:
        if (strcmp(val, "on") && strcmp(val, "off")) {
            snprintf(err, errlen, "%s: '%s' must be on or off", o->name, val);
            return -EINVAL;
        }
        *(int *)field = strcmp(val, "on") == 0;
        return 0;
    case OPT_LEVEL:
        for (int i = 0; i <= LOG_ERROR; i++)
            if (strcmp(val, log_level_name(i)) == 0) {
                *(int *)field = i;
                return 0;
            }
        snprintf(err, errlen, "%s: unknown level '%s' (debug|info|warn|error)", o->name, val);
        return -EINVAL;
    case OPT_ORIGIN:
        if (cfg->n_allowed_origins >= CFG_MAX_ORIGINS || strlen(val) >= 256) {
            snprintf(err, errlen, "%s: too many origins or origin too long", o->name);
            return -EINVAL;
        }
        strcpy(cfg->allowed_origins[cfg->n_allowed_origins++], val);
        return 0;
    }
    return -EINVAL;
}

static const struct option_def *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

/* A flag that parses but whose feature is missing is refused, unless it asks for the default. */
static int check_supported(const struct pulse_config *cfg, const struct option_def *o, char *err,
                           size_t errlen)
{
    if (!o->unsupported || (o->kind == OPT_ONOFF && !cfg->compression))
        return 0;
    snprintf(err, errlen, "%s: %s", o->name, o->unsupported);
    return -ENOTSUP;
}

enum config_result config_parse(struct pulse_config *cfg, int argc, char **argv, char *err,
                                size_t errlen, char *what)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *what = 'h';
            return CONFIG_EXIT_OK;
        }
        if (strcmp(arg, "--version") == 0) {
            *what = 'v';
            return CONFIG_EXIT_OK;
        }
        const struct option_def *o = find_option(arg, eq ? (size_t)(eq - arg) : strlen(arg));
        if (!o) {
            snprintf(err, errlen, "unknown option '%s' (see --help)", arg);
            return CONFIG_EXIT_USAGE;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val) {
            snprintf(err, errlen, "%s needs a value (%s)", o->name, o->arg);
            return CONFIG_EXIT_USAGE;
        }
        if (set_option(cfg, o, val, err, errlen) < 0 || check_supported(cfg, o, err, errlen) < 0)
            return CONFIG_EXIT_USAGE;
    }
    return CONFIG_RUN;
}

void config_usage(FILE *out)
{
    fprintf(out, "usage: pulse [options]\n"
                 "       pulse token --auth-secret-file FILE --user NAME [--role ROLE]... "
                 "[--ttl SECONDS]\n"
                 "       pulse --version | --help\n\noptions:\n");
    for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        char left[64];
        snprintf(left, sizeof(left), "%s %s", options[i].name, options[i].arg);
        fprintf(out, "  %-28s %s%s\n", left, options[i].help,
                options[i].unsupported ? " [not available yet]" : "");
    }
}
