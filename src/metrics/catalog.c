#include "metrics/catalog.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    K_BASE,
    K_CORE,
    K_IF_RX,
    K_IF_TX,
    K_DISK_R,
    K_DISK_W,
    K_TEMP,
    K_FS_PCT,
    K_FS_USED
} kind;

typedef struct {
    kind k;
    int index;                 /* base metric id or core number */
    char key[PULSE_PATH_TEXT]; /* interface, disk, sensor or mount the value is looked up by */
} item;

struct pulse_catalog {
    int count;
    bool full;                  /* an item was refused for the bound (reported once) */
    bool report;                /* the refusal not yet reported */
    bool core[PULSE_MAX_CORES]; /* cpu.cores.N listed: the per-tick check without a scan */
    item items[PULSE_CATALOG_MAX];
    char *names[PULSE_CATALOG_MAX];
};

static void add(pulse_catalog *c, kind k, int index, const char *key, const char *name)
{
    if (c->count >= PULSE_CATALOG_MAX) {
        c->report = c->report || !c->full;
        c->full = true;
        return;
    }
    char *dup = strdup(name);
    if (!dup)
        return;
    item *it = &c->items[c->count];
    if (k == K_CORE)
        c->core[index] = true;
    it->k = k;
    it->index = index;
    snprintf(it->key, sizeof(it->key), "%s", key ? key : "");
    c->names[c->count++] = dup;
}

static bool has(const pulse_catalog *c, kind k, int index, const char *key)
{
    if (k == K_CORE)
        return c->core[index];
    for (int i = PULSE_METRIC_COUNT; i < c->count; i++) {
        const item *it = &c->items[i];
        if (it->k == k && it->index == index && strcmp(it->key, key ? key : "") == 0)
            return true;
    }
    return false;
}

/* Adds the item unless the catalog has it (an item appearing after start-up). */
static void add_new(pulse_catalog *c, kind k, int index, const char *key, const char *name)
{
    if (!has(c, k, index, key))
        add(c, k, index, key, name);
}

static void add_named(pulse_catalog *c, kind k, const char *key, const char *fmt)
{
    char name[PULSE_PATH_TEXT + 64];
    snprintf(name, sizeof(name), fmt, key);
    add_new(c, k, 0, key, name);
}

static void add_sample_items(pulse_catalog *c, const pulse_sample *s)
{
    char name[64];
    for (int i = 0; i < s->ncores; i++) {
        snprintf(name, sizeof(name), "cpu.cores.%d", i);
        add_new(c, K_CORE, i, NULL, name);
    }
    for (int i = 0; i < s->net.count; i++) {
        add_named(c, K_IF_RX, s->net.ifaces[i].name, "network.interfaces.%s.rx_bps");
        add_named(c, K_IF_TX, s->net.ifaces[i].name, "network.interfaces.%s.tx_bps");
    }
    for (int i = 0; i < s->disk.count; i++) {
        add_named(c, K_DISK_R, s->disk.disks[i].name, "disk.disks.%s.read_bps");
        add_named(c, K_DISK_W, s->disk.disks[i].name, "disk.disks.%s.write_bps");
    }
    for (int i = 0; i < s->ntemps; i++)
        add_named(c, K_TEMP, s->temps[i].name, "sensors.%s.celsius");
}

static void add_fs_items(pulse_catalog *c, const pulse_fs_list *fs)
{
    for (int i = 0; fs && i < fs->count; i++) {
        add_named(c, K_FS_PCT, fs->fs[i].mount, "fs.%s.usage");
        add_named(c, K_FS_USED, fs->fs[i].mount, "fs.%s.used");
    }
}

int pulse_catalog_update(pulse_catalog *c, const pulse_sample *s, const pulse_fs_list *fs,
                         bool *bound_hit)
{
    if (bound_hit)
        *bound_hit = false;
    if (!c)
        return -EINVAL;
    int before = c->count;
    if (s)
        add_sample_items(c, s);
    add_fs_items(c, fs);
    if (bound_hit)
        *bound_hit = c->report;
    c->report = false;
    return c->count - before;
}

/* The item a per-host name stands for: prefix + key + suffix; false when none matches. */
static bool parse_name(const char *name, kind *k, char *key, size_t keylen)
{
    static const struct {
        kind k;
        const char *pre, *suf;
    } forms[] = {{K_IF_RX, "network.interfaces.", ".rx_bps"},
                 {K_IF_TX, "network.interfaces.", ".tx_bps"},
                 {K_DISK_R, "disk.disks.", ".read_bps"},
                 {K_DISK_W, "disk.disks.", ".write_bps"},
                 {K_TEMP, "sensors.", ".celsius"},
                 {K_FS_PCT, "fs.", ".usage"},
                 {K_FS_USED, "fs.", ".used"}};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        size_t lp = strlen(forms[i].pre), ls = strlen(forms[i].suf);
        if (n <= lp + ls || n - lp - ls >= keylen || strncmp(name, forms[i].pre, lp) != 0 ||
            strcmp(name + n - ls, forms[i].suf) != 0)
            continue;
        *k = forms[i].k;
        memcpy(key, name + lp, n - lp - ls);
        key[n - lp - ls] = '\0';
        return true;
    }
    return false;
}

int pulse_catalog_add_name(pulse_catalog *c, const char *name)
{
    if (!c || !name)
        return -EINVAL;
    if (pulse_catalog_id(c, name) >= 0)
        return 0;
    kind k;
    int index = 0;
    char key[PULSE_PATH_TEXT], end, canon[32];
    if (sscanf(name, "cpu.cores.%d%c", &index, &end) == 1 && index >= 0 &&
        index < PULSE_MAX_CORES &&
        (snprintf(canon, sizeof(canon), "cpu.cores.%d", index), strcmp(canon, name) == 0))
        k = K_CORE, key[0] = '\0';
    else if (!parse_name(name, &k, key, sizeof(key)))
        return -ENOENT;
    int before = c->count;
    add(c, k, index, key, name);
    return c->count > before ? 1 : -ENOSPC;
}

int pulse_catalog_new(const pulse_sample *s, const pulse_fs_list *fs, pulse_catalog **out)
{
    if (!out)
        return -EINVAL;
    pulse_catalog *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    for (int m = 0; m < PULSE_METRIC_COUNT; m++)
        add(c, K_BASE, m, NULL, pulse_metric_name(m));
    if (s)
        add_sample_items(c, s);
    add_fs_items(c, fs);
    if (c->count < PULSE_METRIC_COUNT) { /* strdup failed for a base name */
        pulse_catalog_free(c);
        return -ENOMEM;
    }
    *out = c;
    return 0;
}

void pulse_catalog_free(pulse_catalog *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->count; i++)
        free(c->names[i]);
    free(c);
}

int pulse_catalog_count(const pulse_catalog *c)
{
    return c ? c->count : 0;
}

const char *pulse_catalog_name(const pulse_catalog *c, int id)
{
    return c && id >= 0 && id < c->count ? c->names[id] : NULL;
}

const char *const *pulse_catalog_names(const pulse_catalog *c)
{
    return c ? (const char *const *)c->names : NULL;
}

int pulse_catalog_id(const pulse_catalog *c, const char *name)
{
    for (int i = 0; c && name && i < c->count; i++)
        if (strcmp(c->names[i], name) == 0)
            return i;
    return -ENOENT;
}

static double iface_value(const pulse_sample *s, const item *it)
{
    for (int i = 0; i < s->net.count; i++) {
        const pulse_iface_rate *r = &s->net.ifaces[i];
        if (strcmp(r->name, it->key) == 0 && r->valid)
            return it->k == K_IF_RX ? r->rx_bps : r->tx_bps;
    }
    return NAN;
}

static double disk_value(const pulse_sample *s, const item *it)
{
    for (int i = 0; i < s->disk.count; i++) {
        const pulse_disk_rate *r = &s->disk.disks[i];
        if (strcmp(r->name, it->key) == 0 && r->valid)
            return it->k == K_DISK_R ? r->read_bps : r->write_bps;
    }
    return NAN;
}

static double temp_value(const pulse_sample *s, const item *it)
{
    for (int i = 0; i < s->ntemps; i++)
        if (strcmp(s->temps[i].name, it->key) == 0)
            return s->temps[i].celsius;
    return NAN;
}

static double fs_value(const pulse_fs_list *fs, const item *it)
{
    const pulse_fs *f = pulse_fs_find(fs, it->key);
    if (!f || !f->ok)
        return NAN;
    return it->k == K_FS_PCT ? f->usage : (double)f->used;
}

static double item_value(const item *it, const pulse_sample *s, const pulse_fs_list *fs)
{
    switch (it->k) {
    case K_CORE:
        return it->index < s->ncores && s->cores[it->index].valid ? s->cores[it->index].usage : NAN;
    case K_IF_RX:
    case K_IF_TX:
        return iface_value(s, it);
    case K_DISK_R:
    case K_DISK_W:
        return disk_value(s, it);
    case K_TEMP:
        return temp_value(s, it);
    default:
        return fs_value(fs, it);
    }
}

void pulse_catalog_values(const pulse_catalog *c, const pulse_sample *s, const pulse_fs_list *fs,
                          double *out)
{
    if (!c || !s || !out)
        return;
    pulse_sample_metrics(s, out);
    for (int i = PULSE_METRIC_COUNT; i < c->count; i++)
        out[i] = item_value(&c->items[i], s, fs);
}
