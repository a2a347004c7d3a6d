#include "app/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum opt_kind {
    OPT_LONG,
    OPT_DOUBLE,
    OPT_STR,
    OPT_ONOFF,
    OPT_LEVEL,
    OPT_FORMAT,
    OPT_ORIGIN,
    OPT_CONFIG
};

/* Where a value came from, lowest precedence first. */
enum source { SRC_DEFAULT, SRC_FILE, SRC_ENV, SRC_FLAG };

struct option_def {
    const char *name; /* the flag without "--", and the config-file key */
    enum opt_kind kind;
    size_t offset, size;
    long min, max;
    const char *def; /* the default as it would be written, or NULL for none */
    const char *arg, *help;
    const char *env;         /* environment variable, or NULL */
    const char *unsupported; /* non-NULL: known but refused until its feature exists */
};

#define F(field) offsetof(struct pulse_config, field), sizeof(((struct pulse_config *)0)->field)
#define NOENV NULL
#define OK NULL

static const struct option_def options[] = {
    {"config", OPT_CONFIG, F(config_file), 0, 0, NULL, "FILE",
     "read key = value settings from FILE (flags and environment override it)", "PULSE_CONFIG", OK},
    {"host", OPT_STR, F(host), 0, 0, "127.0.0.1", "ADDR", "address to listen on", "PULSE_HOST", OK},
    {"port", OPT_LONG, F(port), 0, 65535, "8080", "N", "TCP port, 0 picks a free one", "PULSE_PORT",
     OK},
    {"interval-ms", OPT_LONG, F(interval_ms), 10, 60000, "1000", "N", "metrics sampling interval",
     NOENV, OK},
    {"db", OPT_STR, F(db), 0, 0, "pulse.db", "PATH", "SQLite history file, :memory: keeps nothing",
     "PULSE_DB", OK},
    {"static", OPT_STR, F(static_dir), 0, 0, NULL, "DIR",
     "serve the dashboard from DIR instead of the installed one", NOENV, OK},
    {"auth-secret-file", OPT_STR, F(auth_secret_file), 0, 0, NULL, "FILE",
     "HS256 secret for tokens (enables auth)", "PULSE_AUTH_SECRET_FILE", OK},
    {"allowed-origin", OPT_ORIGIN, F(allowed_origins), 0, 0, NULL, "URL",
     "browser origin allowed besides same-origin (repeatable)", NOENV, OK},
    {"max-connections", OPT_LONG, F(max_connections), 1, 1000000, "10000", "N",
     "WebSocket connections before upgrades get 503", NOENV, OK},
    {"max-http-connections", OPT_LONG, F(max_http_connections), 1, 1000000, "1024", "N",
     "connections not (yet) WebSockets before new ones get 503", NOENV, OK},
    {"max-message-bytes", OPT_LONG, F(max_message_bytes), 1, 64L << 20, "65536", "N",
     "largest client message", NOENV, OK},
    {"max-queue-bytes", OPT_LONG, F(max_queue_bytes), 1024, 1L << 40, "4194304", "N",
     "outbound queue per connection", NOENV, OK},
    {"max-total-queue-bytes", OPT_LONG, F(max_total_queue_bytes), 1024, 1L << 40, "268435456", "N",
     "outbound queues in total", NOENV, OK},
    {"rate-limit", OPT_LONG, F(rate_limit), 1, 1000000, "50", "N",
     "messages per second per connection", NOENV, OK},
    {"rate-burst", OPT_LONG, F(rate_burst), 1, 1000000, "100", "N",
     "token bucket size per connection", NOENV, OK},
    {"heartbeat-ms", OPT_LONG, F(heartbeat_ms), 0, 3600000, "25000", "N",
     "WebSocket ping period, 0 for none, else at least 1000", NOENV, OK},
    {"compression", OPT_ONOFF, F(compression), 0, 0, "off", "on|off", "permessage-deflate",
     "PULSE_COMPRESSION", OK},
    {"redis", OPT_STR, F(redis), 0, 0, NULL, "URL",
     "cluster mode: redis://[user:password@]host[:port][/db] or unix:///path", "PULSE_REDIS", OK},
    {"redis-prefix", OPT_STR, F(redis_prefix), 0, 0, NULL, "PREFIX",
     "prefix of this fleet's Redis keys and channels (default pulse:)", "PULSE_REDIS_PREFIX", OK},
    {"node-name", OPT_STR, F(node_name), 0, 0, NULL, "NAME",
     "this node's name in a cluster (default: the host name)", "PULSE_NODE_NAME", OK},
    {"tls-cert", OPT_STR, F(tls_cert), 0, 0, NULL, "FILE", "TLS certificate chain (PEM)",
     "PULSE_TLS_CERT", OK},
    {"tls-key", OPT_STR, F(tls_key), 0, 0, NULL, "FILE", "TLS private key (PEM)", "PULSE_TLS_KEY",
     OK},
    {"log-level", OPT_LEVEL, F(log_level), 0, 0, "info", "LEVEL", "debug|info|warn|error",
     "PULSE_LOG_LEVEL", OK},
    {"log-format", OPT_FORMAT, F(log_format), 0, 0, "text", "text|json",
     "log lines as key=value text or as JSON objects", "PULSE_LOG_FORMAT", OK},
    {"alert-cpu-percent", OPT_DOUBLE, F(alert_cpu_percent), 1, 100, "90", "PCT",
     "cpu.usage alert threshold", NOENV, OK},
    {"alert-memory-percent", OPT_DOUBLE, F(alert_memory_percent), 1, 100, "90", "PCT",
     "memory.usage alert threshold", NOENV, OK},
    {"alert-load-per-core", OPT_DOUBLE, F(alert_load_per_core), 0, 1000, "1", "X",
     "load.1m alert above cores times X", NOENV, OK},
    {"alert-hold-s", OPT_LONG, F(alert_hold_s), 1, 86400, "60", "N",
     "seconds a threshold must hold before it alerts", NOENV, OK},
    {"anomaly-z", OPT_DOUBLE, F(anomaly_z), 1, 100, "3", "Z", "z-score that counts as an anomaly",
     NOENV, OK},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

/* Flags that print something and exit 0. */
static const struct {
    const char *flag;
    char what;
    int after_parse; /* printed from the parsed configuration */
} print_flags[] = {
    {"--help", CONFIG_PRINT_HELP, 0},        {"-h", CONFIG_PRINT_HELP, 0},
    {"--version", CONFIG_PRINT_VERSION, 0},  {"--help-man", CONFIG_PRINT_MAN, 0},
    {"--help-table", CONFIG_PRINT_TABLE, 0}, {"--print-config", CONFIG_PRINT_CONF, 1},
};

static const char *const format_names[] = {"text", "json"};

/* Parsing state: where each option's value came from, and the label errors start with. */
struct parse {
    struct pulse_config *cfg;
    unsigned char src[N_OPTIONS];
    char *err;
    size_t errlen;
};

const char *config_level_name(int level)
{
    return log_level_name(level);
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

static int set_long(const struct option_def *o, long *field, const char *label, const char *val,
                    char *err, size_t errlen)
{
    long v;
    int heartbeat = strcmp(o->name, "heartbeat-ms") == 0;
    if (parse_long(val, &v) < 0) {
        snprintf(err, errlen, "%s: '%s' is not a number", label, val);
        return -EINVAL;
    }
    if (v < o->min || v > o->max || (heartbeat && v > 0 && v < 1000)) {
        snprintf(err, errlen, "%s: %ld is out of range %s%ld..%ld", label, v,
                 heartbeat ? "0 or " : "", heartbeat ? 1000 : o->min, o->max);
        return -ERANGE;
    }
    *field = v;
    return 0;
}

static int set_double(const struct option_def *o, double *field, const char *label, const char *val,
                      char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double d = strtod(val, &end);
    if (errno || end == val || *end != '\0' || d != d) {
        snprintf(err, errlen, "%s: '%s' is not a number", label, val);
        return -EINVAL;
    }
    if (d < (double)o->min || d > (double)o->max) {
        snprintf(err, errlen, "%s: %s is out of range %ld..%ld", label, val, o->min, o->max);
        return -ERANGE;
    }
    *field = d;
    return 0;
}

static int set_name(int *field, const char *const *names, int n, const char *label, const char *val,
                    char *err, size_t errlen)
{
    for (int i = 0; i < n; i++)
        if (strcmp(val, names[i]) == 0) {
            *field = i;
            return 0;
        }
    size_t n_err = (size_t)snprintf(err, errlen, "%s: unknown value '%s' (", label, val);
    for (int i = 0; i < n && n_err < errlen; i++)
        n_err += (size_t)snprintf(err + n_err, errlen - n_err, "%s%s", i ? "|" : "", names[i]);
    if (n_err < errlen)
        snprintf(err + n_err, errlen - n_err, ")");
    return -EINVAL;
}

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char *const onoff_names[] = {"off", "on"};

static int set_option(struct pulse_config *cfg, const struct option_def *o, const char *label,
                      const char *val, char *err, size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    switch (o->kind) {
    case OPT_LONG:
        return set_long(o, (long *)field, label, val, err, errlen);
    case OPT_DOUBLE:
        return set_double(o, (double *)field, label, val, err, errlen);
    case OPT_CONFIG:
    case OPT_STR:
        if (strlen(val) >= o->size || val[0] == '\0') {
            snprintf(err, errlen, "%s: value is empty or too long", label);
            return -EINVAL;
        }
        strcpy(field, val);
        return 0;
    case OPT_ONOFF:
        return set_name((int *)field, onoff_names, 2, label, val, err, errlen);
    case OPT_LEVEL:
        return set_name((int *)field, level_names, 4, label, val, err, errlen);
    case OPT_FORMAT:
        return set_name((int *)field, format_names, 2, label, val, err, errlen);
    case OPT_ORIGIN:
        if (cfg->n_allowed_origins >= CFG_MAX_ORIGINS || strlen(val) >= 256 || !*val) {
            snprintf(err, errlen, "%s: too many origins, or one empty or too long", label);
            return -EINVAL;
        }
        strcpy(cfg->allowed_origins[cfg->n_allowed_origins++], val);
        return 0;
    }
    return -EINVAL;
}

/* Sets one option from `source`; a repeatable option's list restarts at a higher source, so
 * flags replace the file's list rather than add to it. */
static int apply(struct parse *p, const struct option_def *o, enum source source, const char *label,
                 const char *val)
{
    size_t i = (size_t)(o - options);
    if (o->kind == OPT_ORIGIN && p->src[i] < source)
        p->cfg->n_allowed_origins = 0;
    p->src[i] = (unsigned char)source;
    return set_option(p->cfg, o, label, val, p->err, p->errlen);
}

void config_defaults(struct pulse_config *cfg)
{
    char err[128];
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].def)
            set_option(cfg, &options[i], options[i].name, options[i].def, err, sizeof(err));
}

static const struct option_def *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

/* A flag as written on the command line: "--name" or "--name=value". */
static const struct option_def *find_flag(const char *arg)
{
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    const char *eq = strchr(arg, '=');
    return find_option(arg + 2, eq ? (size_t)(eq - arg - 2) : strlen(arg + 2));
}

/* ---- the config file ------------------------------------------------------------------------ */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* One `key = value` line; blank lines and lines starting with '#' are skipped. A value may be
 * wrapped in double quotes to keep leading or trailing spaces. */
static int file_line(struct parse *p, const char *path, int lineno, char *line)
{
    char label[1200];
    char *s = trim(line), *eq = strchr(s, '=');
    if (*s == '\0' || *s == '#')
        return 0;
    if (!eq) {
        snprintf(p->err, p->errlen, "%s:%d: expected key = value", path, lineno);
        return -EINVAL;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    size_t vlen = strlen(val);
    if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
        val[vlen - 1] = '\0';
        val++;
    }
    const struct option_def *o = find_option(key, strlen(key));
    if (!o || o->kind == OPT_CONFIG) {
        snprintf(p->err, p->errlen, "%s:%d: unknown key '%s'", path, lineno, key);
        return -EINVAL;
    }
    snprintf(label, sizeof(label), "%s:%d: %s", path, lineno, key);
    return apply(p, o, SRC_FILE, label, val);
}

static int read_file(struct parse *p, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0, rc = 0;
    if (!f) {
        snprintf(p->err, p->errlen, "%s: %s", path, strerror(errno));
        return -errno;
    }
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        if (strlen(line) == sizeof(line) - 1 && line[sizeof(line) - 2] != '\n' && !feof(f)) {
            snprintf(p->err, p->errlen, "%s:%d: line too long", path, lineno);
            rc = -EINVAL;
        } else {
            rc = file_line(p, path, lineno, line);
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(p->err, p->errlen, "%s: read error", path);
        rc = -EIO;
    }
    fclose(f);
    return rc;
}

/* ---- environment and flags ----------------------------------------------------------------- */

static int read_env(struct parse *p)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const char *v = options[i].env ? getenv(options[i].env) : NULL;
        /* An empty variable counts as unset (compose files pass "${X:-}" that way). */
        if (v && *v && options[i].kind != OPT_CONFIG &&
            apply(p, &options[i], SRC_ENV, options[i].env, v) < 0)
            return -EINVAL;
    }
    return 0;
}

/* First pass over argv: every flag must exist and have its value; finds --config and the
 * print-and-exit flags. Returns 1 to print before parsing, 2 to print after, 0, or -1. */
static int scan_flags(struct parse *p, int argc, char **argv, const char **config, char *what)
{
    int print_after = 0;
    for (int i = 0; i < argc; i++) {
        for (size_t k = 0; k < sizeof(print_flags) / sizeof(print_flags[0]); k++)
            if (strcmp(argv[i], print_flags[k].flag) == 0) {
                *what = print_flags[k].what;
                if (!print_flags[k].after_parse)
                    return 1;
                print_after = 1;
            }
        if (print_after && strcmp(argv[i], "--print-config") == 0)
            continue;
        const struct option_def *o = find_flag(argv[i]);
        if (!o) {
            snprintf(p->err, p->errlen, "unknown option '%s' (see --help)", argv[i]);
            return -1;
        }
        const char *eq = strchr(argv[i], '=');
        if (!eq && i + 1 >= argc) {
            snprintf(p->err, p->errlen, "--%s needs a value (%s)", o->name, o->arg);
            return -1;
        }
        const char *val = eq ? eq + 1 : argv[++i];
        if (o->kind == OPT_CONFIG)
            *config = val;
    }
    return print_after ? 2 : 0;
}

static int apply_flags(struct parse *p, int argc, char **argv)
{
    char label[80];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--print-config") == 0)
            continue;
        const struct option_def *o = find_flag(argv[i]);
        const char *eq = strchr(argv[i], '=');
        const char *val = eq ? eq + 1 : argv[++i];
        snprintf(label, sizeof(label), "--%s", o->name);
        if (apply(p, o, SRC_FLAG, label, val) < 0)
            return -1;
    }
    return 0;
}

/* The one place that refuses options whose feature is not built yet (unless set to the
 * default, e.g. --compression off). */
static int check_supported(struct parse *p)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        if (!o->unsupported || p->src[i] == SRC_DEFAULT ||
            (o->kind == OPT_ONOFF && !*(int *)((char *)p->cfg + o->offset)))
            continue;
        snprintf(p->err, p->errlen, "--%s: %s", o->name, o->unsupported);
        return -1;
    }
    return 0;
}

enum config_result config_parse(struct pulse_config *cfg, int argc, char **argv, char *err,
                                size_t errlen, char *what)
{
    struct parse p = {.cfg = cfg, .err = err, .errlen = errlen};
    const char *config = NULL;
    int scan = scan_flags(&p, argc, argv, &config, what);
    if (scan < 0)
        return CONFIG_EXIT_USAGE;
    if (scan == 1)
        return CONFIG_EXIT_OK;
    if (!config)
        config = getenv("PULSE_CONFIG");
    if (config && *config) {
        if (apply(&p, &options[0], SRC_FLAG, "--config", config) < 0 ||
            read_file(&p, cfg->config_file) < 0)
            return CONFIG_EXIT_USAGE;
    }
    if (read_env(&p) < 0 || apply_flags(&p, argc, argv) < 0 || check_supported(&p) < 0)
        return CONFIG_EXIT_USAGE;
    return scan == 2 ? CONFIG_EXIT_OK : CONFIG_RUN;
}

/* ---- generated documents ------------------------------------------------------------------- */

/* The value of a scalar option in cfg as it would be written in the file. */
static void format_value(const struct pulse_config *cfg, const struct option_def *o, char *out,
                         size_t outlen)
{
    const char *field = (const char *)cfg + o->offset;
    switch (o->kind) {
    case OPT_LONG:
        snprintf(out, outlen, "%ld", *(const long *)field);
        break;
    case OPT_DOUBLE:
        snprintf(out, outlen, "%g", *(const double *)field);
        break;
    case OPT_ONOFF:
        snprintf(out, outlen, "%s", onoff_names[*(const int *)field != 0]);
        break;
    case OPT_LEVEL:
        snprintf(out, outlen, "%s", log_level_name(*(const int *)field));
        break;
    case OPT_FORMAT:
        snprintf(out, outlen, "%s", format_names[*(const int *)field != 0]);
        break;
    default:
        snprintf(out, outlen, "%s", field);
    }
}

void config_usage(FILE *out)
{
    fprintf(out, "usage: pulse [--config FILE] [options]\n"
                 "       pulse token --auth-secret-file FILE --user NAME [--role ROLE]... "
                 "[--ttl SECONDS]\n"
                 "       pulse --version | --help | --help-man | --help-table | "
                 "[options] --print-config\n\n"
                 "Every option is also a config-file key (its name without --); some have an\n"
                 "environment variable. Precedence: flag > environment > file > default.\n\n"
                 "options:\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        char left[64];
        snprintf(left, sizeof(left), "--%s %s", o->name, o->arg);
        fprintf(out, "  %-28s %s", left, o->help);
        if (o->def)
            fprintf(out, " (default %s)", o->def);
        if (o->env)
            fprintf(out, " [$%s]", o->env);
        fprintf(out, "%s\n", o->unsupported ? " [not available yet]" : "");
    }
}

void config_sample(FILE *out, const struct pulse_config *cfg)
{
    struct pulse_config defaults;
    char val[1100], def[1100];
    config_defaults(&defaults);
    fprintf(out, "# pulse.conf: one `key = value` per line; keys are the command-line flags\n"
                 "# without \"--\"; repeat a key to give a repeatable option several values.\n"
                 "# Lines starting with # are comments. Flags and environment variables\n"
                 "# override this file (see pulse(1)). Commented lines show the defaults.\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        if (o->kind == OPT_CONFIG)
            continue;
        fprintf(out, "\n# %s%s\n", o->help, o->unsupported ? " (not available yet)" : "");
        if (o->kind == OPT_ORIGIN) {
            for (int k = 0; k < cfg->n_allowed_origins; k++)
                fprintf(out, "%s = %s\n", o->name, cfg->allowed_origins[k]);
            if (cfg->n_allowed_origins == 0)
                fprintf(out, "#%s = https://dashboard.example.com\n", o->name);
            continue;
        }
        format_value(cfg, o, val, sizeof(val));
        format_value(&defaults, o, def, sizeof(def));
        if (strcmp(val, def) != 0)
            fprintf(out, "%s = %s\n", o->name, val);
        else
            fprintf(out, "#%s = %s\n", o->name, o->def ? o->def : "");
    }
}

void config_table(FILE *out)
{
    fprintf(out, "| flag | config key | environment | default | meaning |\n"
                 "|---|---|---|---|---|\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        fprintf(out, "| `--%s %s` | %s%s%s | %s%s%s | %s | %s%s |\n", o->name, o->arg,
                o->kind == OPT_CONFIG ? "" : "`", o->kind == OPT_CONFIG ? "" : o->name,
                o->kind == OPT_CONFIG ? "" : "`", o->env ? "`" : "", o->env ? o->env : "",
                o->env ? "`" : "", o->def ? o->def : "", o->help,
                o->unsupported ? " (not available yet)" : "");
    }
}

/* Text for roff: dashes and backslashes escaped. */
static void roff(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '-' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
}

static void man_options(FILE *out)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *o = &options[i];
        fprintf(out, ".TP\n.BI \"\\-\\-");
        roff(out, o->name);
        fprintf(out, " \" %s\n", o->arg);
        roff(out, o->help);
        fprintf(out, ".");
        if (o->def) {
            fprintf(out, " Default: ");
            roff(out, o->def);
            fprintf(out, ".");
        }
        if (o->kind != OPT_CONFIG) {
            fprintf(out, " Config key: \\fB");
            roff(out, o->name);
            fprintf(out, "\\fR.");
        }
        if (o->env)
            fprintf(out, " Environment: \\fB%s\\fR.", o->env);
        fprintf(out, "%s\n", o->unsupported ? " Not available yet: refused at start." : "");
    }
}

void config_man(FILE *out)
{
    fprintf(out, ".TH PULSE 1 \"\" \"pulse " PULSE_VERSION "\" \"User Commands\"\n"
                 ".SH NAME\npulse \\- real\\-time system dashboard daemon\n"
                 ".SH SYNOPSIS\n.B pulse\n[\\fB\\-\\-config\\fR \\fIFILE\\fR] [\\fIoptions\\fR]\n"
                 ".br\n.B pulse \\-\\-version\n|\n.B \\-\\-help\n"
                 ".SH DESCRIPTION\n.B pulse\ncollects this host's metrics, keeps their history "
                 "in SQLite, analyses them and streams them over WebSocket (\\fB/ws\\fR) to the "
                 "dashboard it serves on the same port. The same endpoint is a publish/subscribe "
                 "hub.\n.SH OPTIONS\n");
    man_options(out);
    fprintf(out, ".SH CONFIGURATION FILE\nOne \\fIkey\\fR = \\fIvalue\\fR per line, the key "
                 "being the flag without its dashes. Blank lines and lines starting with # are "
                 "ignored; a repeatable option takes its key several times. An unknown key or a "
                 "bad value stops pulse with exit status 2, naming the file and line. "
                 "\\fBpulse \\-\\-print\\-config\\fR prints the effective configuration in this "
                 "format.\n"
                 ".SH ENVIRONMENT\nThe variables listed with the options above. Precedence: "
                 "command\\-line flag, then environment, then configuration file, then default. "
                 "A repeatable option given at a higher level replaces the lower levels' list.\n"
                 ".SH SIGNALS\n.TP\n.B SIGTERM, SIGINT\nclose every WebSocket with 1001, flush "
                 "the database and exit 0.\n.TP\n.B SIGHUP\nread the configuration again and "
                 "apply log\\-level and log\\-format; other changes need a restart.\n"
                 ".SH EXIT STATUS\n0 on a clean stop; 1 when the port, database or a file is "
                 "unusable (one line on stderr); 2 for a bad flag, variable or config line.\n"
                 ".SH FILES\n.TP\n.I /etc/pulse/pulse.conf\nconfiguration read by the systemd "
                 "unit.\n.TP\n.I /var/lib/pulse/pulse.db\nhistory database of the packaged "
                 "service.\n.SH SEE ALSO\n.BR systemd.service (5)\n");
}

void config_default_static(char *out, size_t outlen)
{
    char exe[1024], probe[1100];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    snprintf(out, outlen, "%s", PULSE_DEFAULT_STATIC);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    snprintf(probe, sizeof(probe), "%s/../share/pulse/web/index.html", exe);
    if (access(probe, R_OK) == 0)
        snprintf(out, outlen, "%s/../share/pulse/web", exe);
}
