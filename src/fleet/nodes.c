#include "fleet/nodes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void nodes_init(struct fleet_nodes *r)
{
    memset(r, 0, sizeof(*r));
}

void nodes_free(struct fleet_nodes *r, void (*free_data)(void *))
{
    struct fleet_node *n, *tmp;
    HASH_ITER(hh, r->by_name, n, tmp)
    {
        HASH_DEL(r->by_name, n);
        if (free_data && n->data)
            free_data(n->data);
        free(n);
    }
    r->count = 0;
}

struct fleet_node *nodes_find(struct fleet_nodes *r, const char *name)
{
    struct fleet_node *n = NULL;
    HASH_FIND_STR(r->by_name, name, n);
    return n;
}

struct fleet_node *nodes_seen(struct fleet_nodes *r, const char *name, int64_t ms)
{
    if (!fleet_node_name_ok(name))
        return NULL;
    struct fleet_node *n = nodes_find(r, name);
    if (!n) {
        if (r->count >= FLEET_MAX_NODES || !(n = calloc(1, sizeof(*n))))
            return NULL;
        strcpy(n->name, name);
        n->last_seen = ms;
        HASH_ADD_STR(r->by_name, name, n);
        r->count++;
    }
    if (ms > n->last_seen)
        n->last_seen = ms;
    return n;
}

static int by_name(const struct fleet_node *a, const struct fleet_node *b)
{
    return strcmp(a->name, b->name);
}

json_t *nodes_json(struct fleet_nodes *r)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    HASH_SORT(r->by_name, by_name);
    for (struct fleet_node *n = r->by_name; n; n = n->hh.next)
        json_array_append_new(
            arr, json_pack("{s:s, s:I}", "name", n->name, "last_seen", (json_int_t)n->last_seen));
    return arr;
}

int nodes_parse_ms(const char *s, size_t len, int64_t *out)
{
    int64_t v = 0;
    if (len == 0 || len > 18)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

size_t presence_live_nodes(const char *const *fields, const char *const *values, size_t n,
                           const char *self, int64_t now, const char **out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        int64_t deadline;
        if (!fields[i] || !values[i] || strcmp(fields[i], self) == 0 ||
            !fleet_node_name_ok(fields[i]) ||
            nodes_parse_ms(values[i], strlen(values[i]), &deadline) < 0 || deadline <= now)
            continue;
        out[k++] = fields[i];
    }
    return k;
}
