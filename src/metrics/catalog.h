/* The history metric set of this host: the base metrics (pulse_metric_name) followed by names
 * for what the host has: cpu.cores.N, network.interfaces.IF.rx_bps/tx_bps,
 * disk.disks.D.read_bps/write_bps, sensors.CHIP/LABEL.celsius, fs.MOUNT.usage/used
 * (docs/METRICS.md section 2). The set only grows: an item that appears later is appended (up
 * to PULSE_CATALOG_MAX names), one that disappears keeps its name. Names never move, so an id
 * and a name pointer stay valid for the catalog's life. */
#ifndef PULSE_CATALOG_H
#define PULSE_CATALOG_H

#include "metrics/collector.h"
#include "metrics/fs.h"

#include <stdbool.h>

#define PULSE_CATALOG_MAX 1024 /* names in all; items past it get no history */

typedef struct pulse_catalog pulse_catalog;

/* Builds the set from a sample (cores, interfaces, disks, temperatures) and a mount list
 * (NULL = none); -ENOMEM. */
int pulse_catalog_new(const pulse_sample *s, const pulse_fs_list *fs, pulse_catalog **out);
/* Appends the items of a sample and a mount list (NULL = none) the catalog lacks; the number
 * added. *bound_hit is true once, the first time an item is refused for PULSE_CATALOG_MAX. */
int pulse_catalog_update(pulse_catalog *c, const pulse_sample *s, const pulse_fs_list *fs,
                         bool *bound_hit);
/* Appends a per-host name (e.g. one restored from the database): 1 added, 0 known, -ENOENT not a
 * per-host name, -ENOSPC at the bound. */
int pulse_catalog_add_name(pulse_catalog *c, const char *name);
/* Frees a catalog; NULL is fine. */
void pulse_catalog_free(pulse_catalog *c);
/* Number of names (values per history point). */
int pulse_catalog_count(const pulse_catalog *c);
/* The name at index id, or NULL. */
const char *pulse_catalog_name(const pulse_catalog *c, int id);
/* The names as an array of pulse_catalog_count pointers (owned by the catalog). */
const char *const *pulse_catalog_names(const pulse_catalog *c);
/* Index of a name, or -ENOENT. */
int pulse_catalog_id(const pulse_catalog *c, const char *name);
/* All values of a sample (and the latest mount list, NULL = none): NaN where none. */
void pulse_catalog_values(const pulse_catalog *c, const pulse_sample *s, const pulse_fs_list *fs,
                          double *out);

#endif
