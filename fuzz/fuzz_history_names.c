/* libFuzzer target: history names read back from the database or asked for by a client, parsed
 * into catalog items (pulse_catalog_add_name) and into words and units (pulse_name_label,
 * pulse_name_unit). The input is one name (NUL bytes end it early, as in SQLite text). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/catalog.h"
#include "metrics/humanize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pulse_catalog *cat;
    if (!cat && pulse_catalog_new(NULL, NULL, &cat) < 0)
        abort();
    char *name = malloc(size + 1);
    if (!name)
        return 0;
    memcpy(name, data, size);
    name[size] = '\0';
    char label[128];
    pulse_name_label(name, label, sizeof(label));
    (void)pulse_name_unit(name);
    if (pulse_catalog_add_name(cat, name) == 1 && pulse_catalog_id(cat, name) < 0)
        abort();                                         /* an added name must be found again */
    if (pulse_catalog_count(cat) >= PULSE_CATALOG_MAX) { /* start again before the bound */
        pulse_catalog_free(cat);
        cat = NULL;
    }
    free(name);
    return 0;
}
