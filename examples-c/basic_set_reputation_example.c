/* C port of dxltieclient's sample/basic/basic_set_reputation_example.py: sets notepad.exe's
 * Enterprise reputation to Known Trusted.
 * Usage: basic_set_reputation_example <dxlclient.config> */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    const dxltie_hash_t notepad[] = {
        {DXLTIE_HASH_TYPE_MD5, "f2c7bb8acc97f92e987a2d4087d021b1"},
        {DXLTIE_HASH_TYPE_SHA1, "7eb0139d2175739b3ccb0d1110067820be6abd29"},
        {DXLTIE_HASH_TYPE_SHA256, "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"},
    };
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = 0;
    if (dxltie_set_file_reputation(client, DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, notepad, 3, "notepad.exe",
                                   "Reputation set via OpenDXL", 0) == DXLTIE_OK)
        printf("Succeeded.\n");
    else
        failed = example_error("set reputation");
    dxltie_client_free(client);
    return failed;
}
