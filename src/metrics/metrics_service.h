/* Data provider: samples the host every interval, keeps history and analytics, persists to
 * SQLite off the loop thread, and fans the metrics and insights frames out to subscribers. */
#ifndef PULSE_PROVIDER_H
#define PULSE_PROVIDER_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* How metric values are printed wherever they appear (frames, snapshot, history, /api): they are
 * rounded by metrics_json, and 15 digits print them without binary noise. */
#define PROVIDER_JSON_FLAGS JSON_REAL_PRECISION(15)

struct pulse_server;
struct conn;
struct provider;

/* Opens the database, reloads history, takes the priming sample and starts the tick timer;
 * returns 0 or a negative errno with `why` filled (exit 1). */
int provider_start(struct pulse_server *srv, char *why, size_t whylen);

/* Stops the timer, writes what is pending and closes the database (idempotent). */
void provider_stop(struct pulse_server *srv);

/* Frees everything after the loop ended. */
void provider_free(struct pulse_server *srv);

/* Sends `c` one metrics frame with its current group union, when a sample exists. */
void provider_send_latest(struct pulse_server *srv, struct conn *c);

/* The snapshot reply {"type":"snapshot",...} (new reference), or NULL. */
json_t *provider_snapshot(struct pulse_server *srv);

/* The history reply: 0 with *out set, or -ENOENT (unknown metric) / -EINVAL (bad seconds). */
int provider_history(struct pulse_server *srv, const char *metric, long long seconds, json_t **out);

/* Writes the host gauges in the Prometheus text format. */
void provider_prometheus(struct pulse_server *srv, FILE *out);

#endif
