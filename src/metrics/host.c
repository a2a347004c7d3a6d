#include "metrics/host.h"

#include "metrics/procfs_parse.h"
#include "metrics/procfs_read.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define READ_BUF (64 * 1024)

static void read_os(const char *root, char *buf, pulse_host_info *out)
{
    static const char *const files[] = {"etc/os-release", "usr/lib/os-release"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        ssize_t n = pulse_read_file(root, files[i], buf, READ_BUF);
        if (n > 0 && pulse_parse_os_release(buf, (size_t)n, out->os, sizeof(out->os)) == 0)
            return;
    }
    snprintf(out->os, sizeof(out->os), "Linux");
}

static void read_boot(const char *root, char *buf, pulse_host_info *out)
{
    pulse_stat_raw *st = malloc(sizeof(*st));
    ssize_t n = st ? pulse_read_file(root, "proc/stat", buf, READ_BUF) : -1;
    if (n > 0 && pulse_parse_stat(buf, (size_t)n, st) == 0 && st->btime)
        out->boot_ms = (int64_t)st->btime * 1000;
    free(st);
}

static void add_addr(pulse_host_info *out, const struct ifaddrs *a)
{
    pulse_host_addr *h = &out->addrs[out->naddrs];
    const void *src;
    if (a->ifa_addr->sa_family == AF_INET) {
        src = &((const struct sockaddr_in *)(const void *)a->ifa_addr)->sin_addr;
        snprintf(h->family, sizeof(h->family), "ipv4");
    } else {
        src = &((const struct sockaddr_in6 *)(const void *)a->ifa_addr)->sin6_addr;
        snprintf(h->family, sizeof(h->family), "ipv6");
    }
    if (!inet_ntop(a->ifa_addr->sa_family, src, h->address, sizeof(h->address)))
        return;
    pulse_sanitize_text(a->ifa_name, strlen(a->ifa_name), h->iface, sizeof(h->iface));
    out->naddrs++;
}

static void read_addrs(pulse_host_info *out)
{
    struct ifaddrs *list = NULL;
    if (getifaddrs(&list) != 0)
        return;
    for (struct ifaddrs *a = list; a && out->naddrs < PULSE_HOST_ADDRS; a = a->ifa_next) {
        if (!a->ifa_addr || (a->ifa_flags & IFF_LOOPBACK))
            continue;
        if (a->ifa_addr->sa_family == AF_INET || a->ifa_addr->sa_family == AF_INET6)
            add_addr(out, a);
    }
    freeifaddrs(list);
}

void pulse_host_read(const char *root, pulse_host_info *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (!root)
        root = "/";
    struct utsname u;
    if (uname(&u) == 0) {
        pulse_sanitize_text(u.nodename, strlen(u.nodename), out->hostname, sizeof(out->hostname));
        pulse_sanitize_text(u.release, strlen(u.release), out->kernel, sizeof(out->kernel));
        pulse_sanitize_text(u.machine, strlen(u.machine), out->arch, sizeof(out->arch));
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    out->cores = cores > 0 ? (int)cores : 1;
    char *buf = malloc(READ_BUF);
    if (buf) {
        read_os(root, buf, out);
        read_boot(root, buf, out);
        free(buf);
    }
    read_addrs(out);
}
