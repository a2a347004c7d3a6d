/* The dashboard's static files, loaded into memory at start-up (with a gzip variant of each
 * compressible file) so that requests never touch the file system or block the loop, and no
 * request path can reach a file outside the asset root. */
#ifndef PULSE_ASSETS_H
#define PULSE_ASSETS_H

#include <stddef.h>
#include <uthash.h>

#include "base/pbuf.h"

#define ASSETS_MAX_FILES 4096
#define ASSETS_MAX_BYTES (64u << 20)

struct asset {
    char *path; /* "/assets/index-abc123.js" */
    const char *content_type;
    struct pbuf *body; /* shared by every response */
    struct pbuf *gz;   /* gzip variant, or NULL when it would not be smaller */
    char etag[40];
    int immutable; /* content-hashed name: cache for a year */
    UT_hash_handle hh;
};

struct assets {
    struct asset *by_path;
    size_t count, bytes;
    int builtin; /* no dashboard build was found: a placeholder page is served */
};

struct asset_reply {
    int status;                /* 200, 304, 400 or 404 */
    const struct asset *asset; /* for 200 and 304 */
    struct pbuf *body;         /* the representation to send for 200 */
    int gzip;
    const char *cache_control;
};

/* Loads every regular file under `root`; returns 0, or a negative errno with `why` filled. A
 * missing default root is not an error: a placeholder page is served instead (`required` 0). */
int assets_load(struct assets *a, const char *root, int required, char *why, size_t whylen);

/* Frees every asset. */
void assets_free(struct assets *a);

/* Chooses the reply for a GET of the raw (still %-encoded) request path. */
void assets_lookup(const struct assets *a, const char *raw_path, int accept_gzip,
                   const char *if_none_match, struct asset_reply *out);

/* Decodes %XX escapes and checks the path: 0, or -EINVAL for NUL bytes, bad escapes, a path
 * that is not absolute, or "." / ".." segments. */
int assets_normalize(const char *raw, char *out, size_t outlen);

/* The Content-Type for a file name, by extension. */
const char *assets_content_type(const char *name);

#endif
