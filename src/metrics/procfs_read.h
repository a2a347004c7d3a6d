/* Bounded reads of small kernel text files under a root directory ("/" on the host, a fixture
 * tree in tests). Blocking file I/O: /proc and /sys are served from kernel memory; callers
 * that read anything that may sit on a disk or a network run it off the event loop. */
#ifndef PULSE_PROCFS_READ_H
#define PULSE_PROCFS_READ_H

#include <stddef.h>
#include <sys/types.h>

/* Joins root and rel into out (cap bytes); -ENAMETOOLONG when it does not fit. */
int pulse_join_path(char *out, size_t cap, const char *root, const char *rel);
/* Reads root/rel into buf (NUL-terminated, at most bufsize - 1 bytes); a larger file is cut at
 * its last complete line. Returns the length or a negative errno. */
ssize_t pulse_read_file(const char *root, const char *rel, char *buf, size_t bufsize);
/* Opens root/rel read-only (O_CLOEXEC) for pulse_pread_file. Returns the fd or a negative errno. */
int pulse_open_file(const char *root, const char *rel);
/* Reads fd's whole text from offset 0 with pread (a kept /proc or /sys descriptor gives the
 * kernel's current text each time), bounded and cut like pulse_read_file. Length or -errno. */
ssize_t pulse_pread_file(int fd, char *buf, size_t bufsize);
/* One openat(dirfd, rel) and one read(2) into buf (NUL-terminated): for /proc files the kernel
 * produces whole in one read (pid stat, status). Returns the length or a negative errno. */
ssize_t pulse_read_once_at(int dirfd, const char *rel, char *buf, size_t bufsize);

#endif
