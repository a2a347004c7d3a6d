/* The auth secret file: read at start and on SIGHUP, trailing white space stripped. */
#ifndef PULSE_SECRET_H
#define PULSE_SECRET_H

#include <stddef.h>

#define SECRET_MIN 32   /* bytes, after stripping */
#define SECRET_MAX 4096 /* a larger file is refused */

struct secret {
    size_t len;
    unsigned char bytes[SECRET_MAX];
};

/* Reads `path` into `s` (blocking: call it at start or off the event loop). Returns 0, or a
 * negative errno with a one-line reason in `err` (missing, unreadable, not a regular file,
 * too short, too large). `*loose` is set when group or others may read the file. On failure
 * `s` is left untouched. */
int secret_load(const char *path, struct secret *s, int *loose, char *err, size_t errlen);

/* Overwrites the secret with zeros. */
void secret_wipe(struct secret *s);

#endif
