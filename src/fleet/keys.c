#include "fleet/keys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int fleet_key(char *buf, size_t cap, const char *prefix, enum fleet_key_kind kind, const char *arg)
{
    static const char *const parts[] = {
        "bus", "node:", "nodes", "conn:", "user:", "hist:", "hist:"};
    if ((unsigned)kind >= sizeof(parts) / sizeof(parts[0]))
        return -EINVAL;
    int n = snprintf(buf, cap, "%s%s%s%s", prefix, parts[kind], arg ? arg : "",
                     kind == FK_HIST_MIN ? ":m" : "");
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int fleet_node_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > FLEET_NODE_MAX)
        return 0;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int fleet_prefix_ok(const char *prefix)
{
    size_t n = strlen(prefix);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)prefix[i] <= ' ' || (unsigned char)prefix[i] >= 0x7f)
            return 0;
    return 1;
}
