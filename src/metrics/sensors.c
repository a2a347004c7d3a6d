/* hwmon temperatures (declared in collector.h): /sys/class/hwmon/hwmonN/{name,tempK_input,
 * tempK_label}. Only the files that exist are read, so a chip costs one directory listing. */
#include "metrics/collector.h"

#include "metrics/procfs_read.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void chip_name(const char *root, const char *chip, char *buf, size_t bufsize, char *name)
{
    char rel[160];
    snprintf(rel, sizeof(rel), "sys/class/hwmon/%s/name", chip);
    ssize_t n = pulse_read_file(root, rel, buf, bufsize);
    if (n > 0)
        pulse_sanitize_text(buf, strcspn(buf, "\n"), name, PULSE_NAME_LEN);
    else
        snprintf(name, PULSE_NAME_LEN, "%s", chip);
}

/* One tempK_input of chip into t; false when unreadable or out of range. */
static int read_input(const char *root, const char *chip, const char *chipname, int k, char *buf,
                      size_t bufsize, pulse_temp *t)
{
    char rel[160], label[PULSE_NAME_LEN];
    snprintf(rel, sizeof(rel), "sys/class/hwmon/%s/temp%d_input", chip, k);
    ssize_t n = pulse_read_file(root, rel, buf, bufsize);
    if (n <= 0 || pulse_parse_millidegrees(buf, (size_t)n, &t->celsius) < 0)
        return 0;
    snprintf(rel, sizeof(rel), "sys/class/hwmon/%s/temp%d_label", chip, k);
    n = pulse_read_file(root, rel, buf, bufsize);
    if (n > 0)
        pulse_sanitize_text(buf, strcspn(buf, "\n"), label, sizeof(label));
    else
        snprintf(label, sizeof(label), "temp%d", k);
    snprintf(t->name, sizeof(t->name), "%s/%s", chipname, label);
    return 1;
}

static int read_chip(const char *root, const char *chip, char *buf, size_t bufsize, pulse_temp *out,
                     int count)
{
    char path[4200], name[PULSE_NAME_LEN];
    snprintf(path, sizeof(path), "%s/sys/class/hwmon/%s", root, chip);
    DIR *d = opendir(path);
    if (!d)
        return count;
    chip_name(root, chip, buf, bufsize, name);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < PULSE_MAX_TEMPS) {
        int k;
        char tail[16];
        if (sscanf(e->d_name, "temp%d_%15s", &k, tail) == 2 && k > 0 && k < 1000 &&
            strcmp(tail, "input") == 0)
            count += read_input(root, chip, name, k, buf, bufsize, &out[count]);
    }
    closedir(d);
    return count;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const pulse_temp *)a)->name, ((const pulse_temp *)b)->name);
}

int pulse_read_temps(const char *root, char *buf, size_t bufsize, pulse_temp *out)
{
    char path[4200];
    if (!root || !buf || !out)
        return 0;
    snprintf(path, sizeof(path), "%s/sys/class/hwmon", root);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && count < PULSE_MAX_TEMPS)
        if (strncmp(e->d_name, "hwmon", 5) == 0 && strlen(e->d_name) < 32)
            count = read_chip(root, e->d_name, buf, bufsize, out, count);
    closedir(d);
    qsort(out, (size_t)count, sizeof(*out), by_name);
    return count;
}
