/* Configuration: one option table gives every option's flag, config-file key, environment
 * variable, default, bounds and help; --help, the man page, the sample config file and the
 * README table are all generated from it. Precedence: flag > environment > file > default. */
#ifndef PULSE_CONFIG_H
#define PULSE_CONFIG_H

#include <stdio.h>

#include "base/log.h"

#define CFG_MAX_ORIGINS 16

struct pulse_config {
    char host[256];
    long port;
    long interval_ms;
    char db[1024];
    char static_dir[1024];
    char auth_secret_file[1024];
    char allowed_origins[CFG_MAX_ORIGINS][256];
    int n_allowed_origins;
    long max_connections;
    long max_http_connections; /* HTTP (not upgraded) connections at once */
    long max_message_bytes;
    long max_queue_bytes;
    long max_total_queue_bytes;
    long rate_limit;
    long rate_burst;
    long heartbeat_ms;
    int compression;
    char redis[1024];
    char node_name[64];
    char redis_prefix[80];
    char tls_cert[1024];
    char tls_key[1024];
    int log_level;
    int log_format;
    double alert_cpu_percent;
    long alert_hold_s;
    double alert_memory_percent;
    double alert_load_per_core;
    double anomaly_z;
    char config_file[1024]; /* the file read, or empty */
};

enum config_result { CONFIG_RUN, CONFIG_EXIT_OK, CONFIG_EXIT_USAGE };

/* What CONFIG_EXIT_OK asks the caller to print. */
enum config_print {
    CONFIG_PRINT_HELP = 'h',
    CONFIG_PRINT_VERSION = 'v',
    CONFIG_PRINT_MAN = 'm',
    CONFIG_PRINT_CONF = 'c',
    CONFIG_PRINT_TABLE = 't',
};

/* Fills `cfg` with every option's default from the table. */
void config_defaults(struct pulse_config *cfg);

/* Applies, over the defaults already in cfg, the file named by --config (or PULSE_CONFIG), the
 * environment, then argv (without the program name). On CONFIG_EXIT_USAGE `err` holds a
 * one-line reason (naming file and line for a config file); on CONFIG_EXIT_OK `*what` is an
 * enum config_print. */
enum config_result config_parse(struct pulse_config *cfg, int argc, char **argv, char *err,
                                size_t errlen, char *what);

/* Writes the --help text. */
void config_usage(FILE *out);

/* Writes the pulse(1) man page (roff). */
void config_man(FILE *out);

/* Writes cfg as a config file: keys at their default commented out, the others set. */
void config_sample(FILE *out, const struct pulse_config *cfg);

/* Writes the Markdown table of options: flag, config key, environment variable, default. */
void config_table(FILE *out);

/* Name of a log level, e.g. "info". */
const char *config_level_name(int level);

/* The dashboard directory used without --static: PREFIX/share/pulse/web beside an installed
 * binary when it exists, else the build's own web folder. */
void config_default_static(char *out, size_t outlen);

#endif
