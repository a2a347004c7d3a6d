/* The dashboard's index.html with the latest values inlined, so that the page's first-paint
 * script can draw them without waiting for its WebSocket (docs/DASHBOARD.md "First paint"). */
#ifndef PULSE_INDEX_PAGE_H
#define PULSE_INDEX_PAGE_H

#include <stddef.h>

#include "base/pbuf.h"

/* The id of the inlined <script type="application/json"> element. */
#define INDEX_PAGE_SNAPSHOT_ID "pulse-snapshot"

/* The empty element a page offers for the snapshot; pages without it are served as they are. */
#define INDEX_PAGE_SLOT                                                                            \
    "<script type=\"application/json\" id=\"" INDEX_PAGE_SNAPSHOT_ID "\"></script>"

/* A page split at its slot, each side deflated once, so that a gzipped page with a new snapshot
 * costs compressing the snapshot only (the sides are spliced around it). */
struct index_page {
    const char *html;                 /* the page (not owned) */
    size_t len, at;                   /* its length, and the offset where the data goes */
    struct pbuf *head_z, *tail_z;     /* raw deflate of html[0, at) (sync-flushed) and the rest */
    unsigned long head_crc, tail_crc; /* CRC-32 of each side */
};

/* A malloc'd copy of the prepared page with `json` written into its INDEX_PAGE_SLOT element ('<'
 * written as \u003c, so the data cannot end the element), *out_len set; NULL when out of memory. */
char *index_page_inline(const struct index_page *ip, const char *json, size_t json_len,
                        size_t *out_len);

/* Splits and deflates `html` (kept, not copied): 0, -ENOENT without a slot, or -ENOMEM. */
int index_page_prepare(struct index_page *ip, const char *html, size_t len);

/* Frees what index_page_prepare made (a zeroed struct is fine). */
void index_page_free(struct index_page *ip);

/* The gzip of the page index_page_inline would give, one reference; NULL when out of memory. */
struct pbuf *index_page_gzip(const struct index_page *ip, const char *json, size_t json_len);

#endif
