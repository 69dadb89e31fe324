/* The install test's agent (scripts/install-test.sh), built outside the repository against an
 * installed dxltie: connects with a fabric's dxlclient.config, asks for notepad.exe's file
 * reputation and prints one line the test checks: the language it was compiled as, the library's
 * version at compile time (header) and at run time, and the GTI trust level.
 * Written to compile as C99, C11 and C++ (agent.cpp includes it). */
#include <dxltie.h>
#include <stdio.h>
#include <string.h>

#if defined(__cplusplus)
#define AGENT_LANG "c++"
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ == 201112L
#define AGENT_LANG "c11"
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ == 199901L
#define AGENT_LANG "c99"
#else
#define AGENT_LANG "other"
#endif

static int fail(const char *what, dxltie_result_t code) {
    fprintf(stderr, "%s: %s: %s\n", what, dxltie_result_str(code), dxltie_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    dxltie_config_t *config = NULL;
    dxltie_client_t *client = NULL;
    dxltie_reputations_t *reps = NULL;
    dxltie_result_t rc;
    long long gti = -1;
    size_t i;
    const dxltie_hash_t notepad[] = {
        {DXLTIE_HASH_TYPE_MD5, "f2c7bb8acc97f92e987a2d4087d021b1"},
        {DXLTIE_HASH_TYPE_SHA1, "7eb0139d2175739b3ccb0d1110067820be6abd29"},
        {DXLTIE_HASH_TYPE_SHA256, "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"},
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    if ((rc = dxltie_config_from_file(argv[1], &config)) != DXLTIE_OK) return fail("config", rc);
    rc = dxltie_client_new(config, &client);
    dxltie_config_free(config);
    if (rc != DXLTIE_OK) return fail("client", rc);
    if ((rc = dxltie_client_connect(client, 30000)) != DXLTIE_OK) return fail("connect", rc);
    if ((rc = dxltie_get_file_reputation(client, notepad, 3, 30000, &reps)) != DXLTIE_OK) {
        return fail("file reputation", rc);
    }
    for (i = 0; i < reps->count; i++) {
        if (reps->items[i].provider_id == DXLTIE_FILE_PROVIDER_GTI) gti = (long long)reps->items[i].trust_level;
    }
    printf("lang=%s header=%d.%d.%d library=%u.%u.%u gti_trust_level=%lld\n", AGENT_LANG,
           DXLTIE_VERSION_MAJOR, DXLTIE_VERSION_MINOR, DXLTIE_VERSION_PATCH, (unsigned)dxltie_version_major(),
           (unsigned)dxltie_version_minor(), (unsigned)dxltie_version_patch(), gti);
    dxltie_reputations_free(reps);
    if ((rc = dxltie_client_free(client)) != DXLTIE_OK) return fail("free", rc);
    return gti == DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED ? 0 : 1;
}
