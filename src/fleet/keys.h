/* Names of everything a fleet keeps in Redis, all under --redis-prefix, and node names. */
#ifndef PULSE_FLEET_KEYS_H
#define PULSE_FLEET_KEYS_H

#include <stddef.h>

#define FLEET_NODE_MAX 63  /* longest node name */
#define FLEET_KEY_MAX 1200 /* longest key: prefix, a kind and a user name or id */

enum fleet_key_kind {
    FK_BUS,      /* pub/sub: publish, insights and metrics of every node */
    FK_NODE,     /* pub/sub: directs for one node (arg: node) */
    FK_NODES,    /* hash: node -> last seen (ms) */
    FK_CONN,     /* string: connection id -> node, with expiry (arg: id) */
    FK_USER,     /* hash: node -> presence deadline (ms), with expiry (arg: user) */
    FK_HIST_RAW, /* stream: every sample of the last hour (arg: node) */
    FK_HIST_MIN, /* stream: one-minute averages of 7 days (arg: node) */
};

/* Writes the key of `kind` for `arg` (NULL where none) under `prefix`; returns its length, or
 * -ENOSPC when it does not fit in cap. */
int fleet_key(char *buf, size_t cap, const char *prefix, enum fleet_key_kind kind, const char *arg);

/* Whether `name` is a usable node name: [A-Za-z0-9_.-]{1,63}. */
int fleet_node_name_ok(const char *name);

/* Whether `prefix` is a usable key prefix: 1..64 printable characters without spaces. */
int fleet_prefix_ok(const char *prefix);

#endif
