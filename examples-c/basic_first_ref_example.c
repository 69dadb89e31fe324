/* C port of dxltieclient's sample/basic/basic_first_ref_example.py: the systems that first
 * referenced a file. Usage: basic_first_ref_example <dxlclient.config> [md5 sha1 sha256]
 * (notepad.exe's hashes by default). */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config> [md5 sha1 sha256]\n", argv[0]);
        return 2;
    }
    dxltie_hash_t hashes[] = {
        {DXLTIE_HASH_TYPE_MD5, "f2c7bb8acc97f92e987a2d4087d021b1"},
        {DXLTIE_HASH_TYPE_SHA1, "7eb0139d2175739b3ccb0d1110067820be6abd29"},
        {DXLTIE_HASH_TYPE_SHA256, "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"},
    };
    for (int i = 0; i < 3 && argc >= 5; i++) hashes[i].value = argv[2 + i];
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = 0;
    dxltie_first_references_t *refs = NULL;
    if (dxltie_get_file_first_references(client, hashes, 3, 500, 0, &refs) != DXLTIE_OK) {
        failed = example_error("first references");
    } else {
        printf("Systems that have referenced the file:\n");
        for (size_t i = 0; i < refs->count; i++) {
            char *when = NULL;
            if (dxltie_to_localtime_string(refs->items[i].date, NULL, &when) != DXLTIE_OK) when = NULL;
            printf("\t%s: %s\n", refs->items[i].agent_guid ? refs->items[i].agent_guid : "?", when ? when : "?");
            dxltie_string_free(when);
        }
    }
    dxltie_first_references_free(refs);
    dxltie_client_free(client);
    return failed;
}
