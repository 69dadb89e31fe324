/* C port of dxltieclient's sample/basic/basic_get_reputation_example.py: the reputations of
 * notepad.exe and of the EICAR test file, as JSON keyed by provider id.
 * Usage: basic_get_reputation_example <dxlclient.config> */
#include "common.h"

static int show(dxltie_client_t *client, const char *title, const dxltie_hash_t *hashes, size_t count) {
    char *json = NULL;
    if (dxltie_get_file_reputation_json(client, hashes, count, 0, &json) != DXLTIE_OK) return example_error(title);
    printf("%s reputations:\n", title);
    example_print_json(json);
    printf("\n");
    dxltie_string_free(json);
    return 0;
}

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
    const dxltie_hash_t eicar[] = {
        {DXLTIE_HASH_TYPE_MD5, "44d88612fea8a8f36de82e1278abb02f"},
        {DXLTIE_HASH_TYPE_SHA1, "3395856ce81f2b7382dee72602f798b642f14140"},
        {DXLTIE_HASH_TYPE_SHA256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
    };
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = show(client, "Notepad.exe", notepad, 3) | show(client, "EICAR", eicar, 3);
    dxltie_client_free(client);
    return failed;
}
