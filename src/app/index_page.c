#include "app/index_page.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char OPEN_TAG[] =
    "<script type=\"application/json\" id=\"" INDEX_PAGE_SNAPSHOT_ID "\">";
static const char CLOSE_TAG[] = "</script>";
static const char LT_ESCAPE[] = "\\u003c";

/* The offset just past the <head> start tag (attributes allowed, any case), or 0 when none. */
static size_t after_head(const char *html, size_t len)
{
    for (size_t i = 0; i + 5 < len; i++) {
        if (html[i] != '<' || strncasecmp(html + i + 1, "head", 4) != 0)
            continue;
        char c = html[i + 5];
        if (c != '>' && c != ' ' && c != '\t' && c != '\n' && c != '\r')
            continue; /* <header> */
        const char *gt = memchr(html + i + 5, '>', len - i - 5);
        return gt ? (size_t)(gt - html) + 1 : 0;
    }
    return 0;
}

char *index_page_inline(const char *html, size_t html_len, const char *json, size_t json_len,
                        size_t *out_len)
{
    size_t at = after_head(html, html_len);
    if (!at)
        return NULL;
    size_t lts = 0;
    for (size_t i = 0; i < json_len; i++)
        lts += json[i] == '<';
    /* '<' only occurs inside JSON strings, where \u003c means the same character. */
    size_t len = html_len + sizeof(OPEN_TAG) - 1 + json_len + lts * (sizeof(LT_ESCAPE) - 2) +
                 sizeof(CLOSE_TAG) - 1;
    char *page = malloc(len + 1);
    if (!page)
        return NULL;
    char *p = page;
    memcpy(p, html, at);
    p += at;
    memcpy(p, OPEN_TAG, sizeof(OPEN_TAG) - 1);
    p += sizeof(OPEN_TAG) - 1;
    for (size_t i = 0; i < json_len; i++) {
        if (json[i] == '<') {
            memcpy(p, LT_ESCAPE, sizeof(LT_ESCAPE) - 1);
            p += sizeof(LT_ESCAPE) - 1;
        } else {
            *p++ = json[i];
        }
    }
    memcpy(p, CLOSE_TAG, sizeof(CLOSE_TAG) - 1);
    p += sizeof(CLOSE_TAG) - 1;
    memcpy(p, html + at, html_len - at);
    p += html_len - at;
    *p = '\0';
    *out_len = len;
    return page;
}
