/* Host identity: name, OS, kernel, architecture, cores, boot time and addresses, read once at
 * start (and on request) from uname(2), os-release, /proc/stat and getifaddrs(3). */
#ifndef PULSE_HOST_H
#define PULSE_HOST_H

#include <stdint.h>

#define PULSE_HOST_ADDRS 32
#define PULSE_HOST_TEXT 128

typedef struct {
    char iface[32];
    char family[8]; /* "ipv4" or "ipv6" */
    char address[64];
} pulse_host_addr;

typedef struct {
    char hostname[PULSE_HOST_TEXT];
    char os[PULSE_HOST_TEXT];     /* PRETTY_NAME, or "Linux" without os-release */
    char kernel[PULSE_HOST_TEXT]; /* uname release, e.g. 6.1.0-18-amd64 */
    char arch[32];                /* uname machine, e.g. x86_64 */
    int cores;                    /* online CPUs (sysconf), at least 1 */
    int64_t boot_ms;              /* ms since the epoch, 0 when unknown */
    int naddrs;
    pulse_host_addr addrs[PULSE_HOST_ADDRS]; /* loopback left out */
} pulse_host_info;

/* Fills out; os-release and /proc/stat are read under root (NULL = "/"). Never fails: what
 * cannot be read stays empty / 0. */
void pulse_host_read(const char *root, pulse_host_info *out);

#endif
