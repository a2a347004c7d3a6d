/* The node registry of a fleet (every node seen, with when it was last seen, for stats.nodes
 * and the dashboard) and the reading of presence records (which nodes hold a user). */
#ifndef PULSE_FLEET_NODES_H
#define PULSE_FLEET_NODES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

#include "fleet/keys.h"

#define FLEET_MAX_NODES 256 /* nodes tracked at most; more are ignored (logged by the caller) */

struct fleet_node {
    char name[FLEET_NODE_MAX + 1];
    int64_t last_seen; /* ms since the epoch */
    void *data;        /* owned by the caller (its mirror of that node's metrics) */
    UT_hash_handle hh;
};

struct fleet_nodes {
    struct fleet_node *by_name;
    unsigned count;
};

/* An empty registry. */
void nodes_init(struct fleet_nodes *r);

/* Frees every entry; `free_data` (may be NULL) is called on each entry's data first. */
void nodes_free(struct fleet_nodes *r, void (*free_data)(void *));

/* Records that `name` was seen at `ms` (last_seen only moves forward): the entry, or NULL for a
 * bad name or a full registry. */
struct fleet_node *nodes_seen(struct fleet_nodes *r, const char *name, int64_t ms);

/* The entry of `name`, or NULL. */
struct fleet_node *nodes_find(struct fleet_nodes *r, const char *name);

/* [{"name","last_seen"}...] sorted by name (new reference, or NULL). */
json_t *nodes_json(struct fleet_nodes *r);

/* Parses a decimal millisecond count from s[0..len): 0 or -EINVAL. */
int nodes_parse_ms(const char *s, size_t len, int64_t *out);

/* From a user's presence hash (fields[i] = node, values[i] = deadline in ms, n pairs), writes the
 * live nodes other than `self` (deadline after now) to out (cap names); returns how many. */
size_t presence_live_nodes(const char *const *fields, const char *const *values, size_t n,
                           const char *self, int64_t now, const char **out, size_t cap);

#endif
