/* The dashboard's index.html with the latest values inlined, so that the page's first-paint
 * script can draw them without waiting for its WebSocket (docs/DASHBOARD.md "First paint"). */
#ifndef PULSE_INDEX_PAGE_H
#define PULSE_INDEX_PAGE_H

#include <stddef.h>

/* The id of the inlined <script type="application/json"> element. */
#define INDEX_PAGE_SNAPSHOT_ID "pulse-snapshot"

/* The empty element a page offers for the snapshot; pages without it are served as they are. */
#define INDEX_PAGE_SLOT                                                                            \
    "<script type=\"application/json\" id=\"" INDEX_PAGE_SNAPSHOT_ID "\"></script>"

/* A malloc'd copy of `html` with `json` written into its INDEX_PAGE_SLOT element ('<' written as
 * \u003c, so the data cannot end the element): the page, *out_len set; NULL when the page has no
 * such element or memory ran out. */
char *index_page_inline(const char *html, size_t html_len, const char *json, size_t json_len,
                        size_t *out_len);

#endif
