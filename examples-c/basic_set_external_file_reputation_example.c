/* C port of dxltieclient's sample/basic/basic_set_external_file_reputation.py: reports an
 * External reputation for a file, unless another provider already gives a definitive one.
 * Usage: basic_set_external_file_reputation_example <dxlclient.config> [md5 sha1 sha256]
 * Without hashes, random ones are made from the current time, as the Python sample does. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

static void random_hex(char *out, size_t digits) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < digits; i++) out[i] = hex[rand() % 16];
    out[digits] = '\0';
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config> [md5 sha1 sha256]\n", argv[0]);
        return 2;
    }
    char md5[33], sha1[41], sha256[65];
    if (argc >= 5) {
        snprintf(md5, sizeof md5, "%s", argv[2]);
        snprintf(sha1, sizeof sha1, "%s", argv[3]);
        snprintf(sha256, sizeof sha256, "%s", argv[4]);
    } else {
        srand((unsigned)time(NULL));
        random_hex(md5, 32);
        random_hex(sha1, 40);
        random_hex(sha256, 64);
    }
    const dxltie_hash_t hashes[] = {
        {DXLTIE_HASH_TYPE_MD5, md5}, {DXLTIE_HASH_TYPE_SHA1, sha1}, {DXLTIE_HASH_TYPE_SHA256, sha256}};
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = 0;
    dxltie_reputations_t *reputations = NULL;
    if (dxltie_get_file_reputation(client, hashes, 3, 0, &reputations) != DXLTIE_OK) {
        failed = example_error("get reputation");
    } else if (dxltie_has_definitive_reputation(reputations)) {
        printf("Abort: There is a reputation from another provider for the file, "
               "External Reputation is not necessary.\n");
    } else if (dxltie_set_external_file_reputation(client, DXLTIE_TRUST_LEVEL_MIGHT_BE_TRUSTED, hashes, 3,
                                                   DXLTIE_FILE_TYPE_PEEXE, "random.exe",
                                                   "External Reputation set via OpenDXL") == DXLTIE_OK) {
        printf("Event Sent\n");
    } else {
        printf("Error: %s\n", dxltie_last_error_message());
        failed = 1;
    }
    dxltie_reputations_free(reputations);
    dxltie_client_free(client);
    return failed;
}
