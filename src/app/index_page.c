#include "app/index_page.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char SLOT[] = INDEX_PAGE_SLOT;
static const char LT_ESCAPE[] = "\\u003c";
/* A gzip member header: deflate, no name or time, OS unknown (RFC 1952). */
static const unsigned char GZIP_HEAD[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};

/* The offset where the data goes (after the slot's start tag), or 0 when there is no slot. */
static size_t slot_offset(const char *html, size_t len)
{
    const size_t slot_len = sizeof(SLOT) - 1, open_len = slot_len - strlen("</script>");
    for (size_t i = 0; i + slot_len <= len; i++)
        if (html[i] == '<' && memcmp(html + i, SLOT, slot_len) == 0)
            return i + open_len;
    return 0;
}

/* `json` with every '<' as \u003c (only inside JSON strings, where it means the same), written
 * to `out` when not NULL; returns the escaped length. */
static size_t escape_json(const char *json, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (json[i] != '<') {
            if (out)
                out[n] = json[i];
            n++;
            continue;
        }
        if (out)
            memcpy(out + n, LT_ESCAPE, sizeof(LT_ESCAPE) - 1);
        n += sizeof(LT_ESCAPE) - 1;
    }
    return n;
}

char *index_page_inline(const struct index_page *ip, const char *json, size_t json_len,
                        size_t *out_len)
{
    size_t esc = escape_json(json, json_len, NULL), len = ip->len + esc;
    char *page = malloc(len + 1);
    if (!page)
        return NULL;
    memcpy(page, ip->html, ip->at);
    escape_json(json, json_len, page + ip->at);
    memcpy(page + ip->at + esc, ip->html + ip->at, ip->len - ip->at);
    page[len] = '\0';
    *out_len = len;
    return page;
}

/* Raw deflate of `len` bytes at level 6, ended by a sync flush (byte-aligned, not final, so more
 * blocks may follow) or, with `last`, by the final block. One reference, or NULL. */
static struct pbuf *deflate_part(const void *data, size_t len, int last)
{
    z_stream z = {0};
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    struct pbuf *out = pbuf_new(deflateBound(&z, len) + 16, 0);
    if (out) {
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)len;
        z.next_out = out->data;
        z.avail_out = out->cap;
        int rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
        out->end = (uint32_t)z.total_out;
        if (rc != (last ? Z_STREAM_END : Z_OK) || z.avail_in) {
            pbuf_unref(out);
            out = NULL;
        }
    }
    deflateEnd(&z);
    return out;
}

int index_page_prepare(struct index_page *ip, const char *html, size_t len)
{
    memset(ip, 0, sizeof(*ip));
    size_t at = slot_offset(html, len);
    if (!at)
        return -ENOENT;
    *ip = (struct index_page){.html = html, .len = len, .at = at};
    ip->head_z = deflate_part(html, at, 0);
    ip->tail_z = deflate_part(html + at, len - at, 1);
    if (!ip->head_z || !ip->tail_z) {
        index_page_free(ip);
        return -ENOMEM;
    }
    ip->head_crc = crc32(crc32(0, NULL, 0), (const Bytef *)html, (uInt)at);
    ip->tail_crc = crc32(crc32(0, NULL, 0), (const Bytef *)html + at, (uInt)(len - at));
    return 0;
}

void index_page_free(struct index_page *ip)
{
    if (ip->head_z)
        pbuf_unref(ip->head_z);
    if (ip->tail_z)
        pbuf_unref(ip->tail_z);
    memset(ip, 0, sizeof(*ip));
}

static int append_le32(struct pbuf **b, unsigned long v)
{
    unsigned char le[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff};
    return pbuf_append(b, le, 4);
}

struct pbuf *index_page_gzip(const struct index_page *ip, const char *json, size_t json_len)
{
    size_t esc_len = escape_json(json, json_len, NULL);
    char *esc = malloc(esc_len ? esc_len : 1);
    struct pbuf *mid = esc ? deflate_part(esc, escape_json(json, json_len, esc), 0) : NULL;
    struct pbuf *out = mid ? pbuf_new(sizeof(GZIP_HEAD) + pbuf_len(ip->head_z) + pbuf_len(mid) +
                                          pbuf_len(ip->tail_z) + 8,
                                      0)
                           : NULL;
    unsigned long crc = crc32(crc32(0, NULL, 0), (const Bytef *)esc, (uInt)esc_len);
    crc = crc32_combine(crc32_combine(ip->head_crc, crc, (z_off_t)esc_len), ip->tail_crc,
                        (z_off_t)(ip->len - ip->at));
    int bad = !out || pbuf_append(&out, GZIP_HEAD, sizeof(GZIP_HEAD)) < 0 ||
              pbuf_append(&out, ip->head_z->data + ip->head_z->start, pbuf_len(ip->head_z)) < 0 ||
              pbuf_append(&out, mid->data + mid->start, pbuf_len(mid)) < 0 ||
              pbuf_append(&out, ip->tail_z->data + ip->tail_z->start, pbuf_len(ip->tail_z)) < 0 ||
              append_le32(&out, crc) < 0 || append_le32(&out, ip->len + esc_len) < 0;
    free(esc);
    if (mid)
        pbuf_unref(mid);
    if (bad && out) {
        pbuf_unref(out);
        out = NULL;
    }
    return out;
}
