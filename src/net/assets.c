#include "net/assets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "net/http.h"

static const struct {
    const char *ext, *type;
    int compress;
} types[] = {
    {".html", "text/html; charset=utf-8", 1},
    {".js", "text/javascript; charset=utf-8", 1},
    {".mjs", "text/javascript; charset=utf-8", 1},
    {".css", "text/css; charset=utf-8", 1},
    {".json", "application/json", 1},
    {".map", "application/json", 1},
    {".webmanifest", "application/manifest+json", 1},
    {".svg", "image/svg+xml", 1},
    {".txt", "text/plain; charset=utf-8", 1},
    {".ico", "image/x-icon", 1},
    {".png", "image/png", 0},
    {".jpg", "image/jpeg", 0},
    {".webp", "image/webp", 0},
    {".woff2", "font/woff2", 0},
    {".woff", "font/woff", 0},
    {".wasm", "application/wasm", 1},
};

static const char placeholder[] =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Pulse</title></head><body>"
    "<h1>Pulse</h1><p>The dashboard has not been built. Run <code>make run</code> (or "
    "<code>make web</code>) to build it; the WebSocket endpoint is <code>/ws</code>.</p>"
    "</body></html>\n";

static int type_index(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || strchr(dot, '/'))
        return -1;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return (int)i;
    return -1;
}

const char *assets_content_type(const char *name)
{
    int i = type_index(name);
    return i >= 0 ? types[i].type : "application/octet-stream";
}

static struct pbuf *gzip_of(const struct pbuf *in)
{
    z_stream z = {0};
    size_t len = pbuf_len(in);
    struct pbuf *out = pbuf_new(deflateBound(&z, len) + 32, 0);
    if (!out)
        return NULL;
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        pbuf_unref(out);
        return NULL;
    }
    z.next_in = (Bytef *)in->data + in->start;
    z.avail_in = (uInt)len;
    z.next_out = out->data;
    z.avail_out = out->cap;
    int rc = deflate(&z, Z_FINISH);
    out->end = (uint32_t)z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || pbuf_len(out) >= len) {
        pbuf_unref(out);
        return NULL;
    }
    return out;
}

/* Vite names built assets NAME-HASH.EXT with a hash of 8 or more characters. */
static int hashed_name(const char *path)
{
    const char *base = strrchr(path, '/'), *dash, *dot;
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    dash = strrchr(base, '-');
    return dash && dot && dot > dash && dot - dash - 1 >= 8;
}

static int add_asset(struct assets *a, const char *rel, struct pbuf *body, long mtime)
{
    struct asset *as = calloc(1, sizeof(*as));
    if (!as || !(as->path = strdup(rel))) {
        free(as);
        return -ENOMEM;
    }
    int ti = type_index(rel);
    as->content_type = ti >= 0 ? types[ti].type : "application/octet-stream";
    as->body = body;
    as->gz = ti >= 0 && types[ti].compress ? gzip_of(body) : NULL;
    as->immutable = strncmp(rel, "/assets/", 8) == 0 && hashed_name(rel);
    snprintf(as->etag, sizeof(as->etag), "W/\"%zx-%lx\"", pbuf_len(body), (unsigned long)mtime);
    HASH_ADD_KEYPTR(hh, a->by_path, as->path, strlen(as->path), as);
    a->count++;
    a->bytes += pbuf_len(body);
    return 0;
}

static int load_file(struct assets *a, const char *full, const char *rel, const struct stat *st)
{
    if (a->count >= ASSETS_MAX_FILES || a->bytes + (size_t)st->st_size > ASSETS_MAX_BYTES)
        return -EFBIG;
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    struct pbuf *b = pbuf_new((size_t)st->st_size, 0);
    ssize_t n = b ? read(fd, b->data, (size_t)st->st_size) : -1;
    close(fd);
    if (n != st->st_size) {
        pbuf_unref(b);
        return -EIO;
    }
    b->end = (uint32_t)n;
    int rc = add_asset(a, rel, b, (long)st->st_mtime);
    if (rc < 0)
        pbuf_unref(b);
    return rc;
}

/* Walks the tree without following symbolic links, so nothing outside `root` is loaded. */
static int walk(struct assets *a, const char *dir, const char *rel, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        char full[4096], sub[2048];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(full, sizeof(full), "%s/%s", dir, e->d_name) >= (int)sizeof(full) ||
            snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >= (int)sizeof(sub) ||
            lstat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 16)
            rc = walk(a, full, sub, depth + 1);
        else if (S_ISREG(st.st_mode))
            rc = load_file(a, full, sub, &st);
    }
    closedir(d);
    return rc;
}

int assets_load(struct assets *a, const char *root, int required, char *why, size_t whylen)
{
    memset(a, 0, sizeof(*a));
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (required) {
            snprintf(why, whylen, "--static %s: not a readable directory", root);
            return -ENOENT;
        }
        struct pbuf *b = pbuf_new(sizeof(placeholder), 0);
        if (!b || pbuf_append(&b, placeholder, sizeof(placeholder) - 1) < 0)
            return -ENOMEM;
        a->builtin = 1;
        return add_asset(a, "/index.html", b, 0);
    }
    int rc = walk(a, root, "", 0);
    if (rc < 0) {
        snprintf(why, whylen, "--static %s: %s", root,
                 rc == -EFBIG ? "too many or too large files" : strerror(-rc));
        assets_free(a);
    }
    return rc;
}

void assets_free(struct assets *a)
{
    struct asset *as, *tmp;
    HASH_ITER(hh, a->by_path, as, tmp)
    {
        HASH_DEL(a->by_path, as);
        pbuf_unref(as->body);
        pbuf_unref(as->gz);
        free(as->path);
        free(as);
    }
    a->count = a->bytes = 0;
}

int assets_normalize(const char *raw, char *out, size_t outlen)
{
    if (raw[0] != '/')
        return -EINVAL;
    int n = http_pct_decode(raw, strlen(raw), 0, out, outlen);
    if (n < 0 || memchr(out, '\0', (size_t)n) || memchr(out, '\\', (size_t)n))
        return -EINVAL;
    /* Refuse "." and ".." segments and empty ones ("//"), whatever their encoding was. */
    for (const char *seg = out; seg; seg = strchr(seg + 1, '/')) {
        const char *s = seg + 1, *end = strchr(s, '/');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.') ||
            (len == 0 && end))
            return -EINVAL;
    }
    return 0;
}

static const struct asset *find(const struct assets *a, const char *path)
{
    struct asset *as = NULL;
    HASH_FIND_STR(a->by_path, path, as);
    return as;
}

static int etag_matches(const char *if_none_match, const char *etag)
{
    if (!if_none_match[0])
        return 0;
    return strcmp(if_none_match, "*") == 0 || strstr(if_none_match, etag) != NULL;
}

void assets_lookup(const struct assets *a, const char *raw_path, int accept_gzip,
                   const char *if_none_match, struct asset_reply *out)
{
    char path[2048]; /* as long as a request's URL may be */
    memset(out, 0, sizeof(*out));
    if (assets_normalize(raw_path, path, sizeof(path) - 16) < 0) {
        out->status = 404;
        return;
    }
    size_t len = strlen(path);
    int dir = path[len - 1] == '/';
    if (dir)
        strcat(path, "index.html");
    const struct asset *as = find(a, path);
    if (!as) {
        /* A path that names a file is a 404; any other path — a directory without an index of
         * its own ("/deep/a/b/c/") included — is a route of the single-page app. */
        const char *last = strrchr(path, '/');
        if ((!dir && strchr(last, '.')) || !(as = find(a, "/index.html"))) {
            out->status = 404;
            return;
        }
    }
    out->asset = as;
    out->cache_control = as->immutable ? "public, max-age=31536000, immutable" : "no-cache";
    out->gzip = accept_gzip && as->gz;
    out->body = out->gzip ? as->gz : as->body;
    out->status = etag_matches(if_none_match, as->etag) ? 304 : 200;
}
