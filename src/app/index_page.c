#include "app/index_page.h"

#include <stdlib.h>
#include <string.h>

static const char SLOT[] = INDEX_PAGE_SLOT;
static const char LT_ESCAPE[] = "\\u003c";

/* The offset where the data goes (after the slot's start tag), or 0 when there is no slot. */
static size_t slot_offset(const char *html, size_t len)
{
    const size_t slot_len = sizeof(SLOT) - 1, open_len = slot_len - strlen("</script>");
    for (size_t i = 0; i + slot_len <= len; i++)
        if (html[i] == '<' && memcmp(html + i, SLOT, slot_len) == 0)
            return i + open_len;
    return 0;
}

char *index_page_inline(const char *html, size_t html_len, const char *json, size_t json_len,
                        size_t *out_len)
{
    size_t at = slot_offset(html, html_len);
    if (!at)
        return NULL;
    size_t lts = 0;
    for (size_t i = 0; i < json_len; i++)
        lts += json[i] == '<';
    /* '<' only occurs inside JSON strings, where \u003c means the same character. */
    size_t len = html_len + json_len + lts * (sizeof(LT_ESCAPE) - 2);
    char *page = malloc(len + 1);
    if (!page)
        return NULL;
    char *p = page;
    memcpy(p, html, at);
    p += at;
    for (size_t i = 0; i < json_len; i++) {
        if (json[i] == '<') {
            memcpy(p, LT_ESCAPE, sizeof(LT_ESCAPE) - 1);
            p += sizeof(LT_ESCAPE) - 1;
        } else {
            *p++ = json[i];
        }
    }
    memcpy(p, html + at, html_len - at);
    p += html_len - at;
    *p = '\0';
    *out_len = len;
    return page;
}
