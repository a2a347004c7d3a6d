/* Command-line configuration: one table describes every option, its bounds and default. */
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
    double alert_cpu_percent;
    long alert_hold_s;
    double alert_memory_percent;
    double alert_load_per_core;
    double anomaly_z;
};

enum config_result { CONFIG_RUN, CONFIG_EXIT_OK, CONFIG_EXIT_USAGE };

/* Fills `cfg` with the defaults of SPEC section 2. */
void config_defaults(struct pulse_config *cfg);

/* Parses argv (without the program name). On CONFIG_EXIT_USAGE `err` holds a one-line reason;
 * on CONFIG_EXIT_OK the caller prints help or version as `*what` says ('h' or 'v'). */
enum config_result config_parse(struct pulse_config *cfg, int argc, char **argv, char *err,
                                size_t errlen, char *what);

/* Writes the --help text, generated from the option table. */
void config_usage(FILE *out);

#endif
