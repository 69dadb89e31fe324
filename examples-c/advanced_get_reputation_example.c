/* C port of dxltieclient's sample/advanced/advanced_get_reputation_example.py: decodes single
 * attributes of file and certificate reputations.
 * Usage: advanced_get_reputation_example <dxlclient.config> */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const dxltie_reputation_t *provider(const dxltie_reputations_t *list, int64_t id) {
    for (size_t i = 0; i < list->count; i++)
        if (list->items[i].provider_id == id) return &list->items[i];
    return NULL;
}

static const char *attribute(const dxltie_reputation_t *rep, const char *id) {
    for (size_t i = 0; rep && i < rep->attribute_count; i++)
        if (strcmp(rep->attributes[i].id, id) == 0) return rep->attributes[i].value;
    return NULL;
}

/* Prints the GTI trust level, then the Enterprise prevalence and first contact, when present. */
static void print_details(const dxltie_reputations_t *reps, int64_t gti, int64_t enterprise,
                          const char *prevalence_id, const char *first_contact_id) {
    const dxltie_reputation_t *g = provider(reps, gti), *e = provider(reps, enterprise);
    if (g) printf("Global Threat Intelligence (GTI) trust level: %lld\n", (long long)g->trust_level);
    const char *prevalence = attribute(e, prevalence_id);
    if (prevalence) printf("Enterprise prevalence: %s\n", prevalence);
    const char *first_contact = attribute(e, first_contact_id);
    char *when = NULL;
    if (first_contact && dxltie_to_localtime_string(strtoll(first_contact, NULL, 10), NULL, &when) == DXLTIE_OK)
        printf("First contact: %s\n", when);
    dxltie_string_free(when);
    printf("\nFull reputation response:\n");
    example_print_json(reps->json);
    printf("\n");
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
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = 0;
    dxltie_reputations_t *reps = NULL;
    if (dxltie_get_file_reputation(client, notepad, 3, 0, &reps) == DXLTIE_OK) {
        printf("File reputation:\n");
        print_details(reps, DXLTIE_FILE_PROVIDER_GTI, DXLTIE_FILE_PROVIDER_ENTERPRISE,
                      DXLTIE_FILE_ENTERPRISE_ATTRIB_PREVALENCE, DXLTIE_FILE_ENTERPRISE_ATTRIB_FIRST_CONTACT);
        dxltie_reputations_free(reps);
    } else {
        failed = example_error("file reputation");
    }
    /* Upper-case hex, as in the Python sample: accepted like lower case. */
    if (dxltie_get_certificate_reputation(client, "6EAE26DB8C13182A7947982991B4321732CC3DE2",
                                          "3B87A2D6F39770160364B79A152FCC73BAE27ADF", 0, &reps) == DXLTIE_OK) {
        printf("Certificate reputation:\n");
        print_details(reps, DXLTIE_CERT_PROVIDER_GTI, DXLTIE_CERT_PROVIDER_ENTERPRISE,
                      DXLTIE_CERT_ENTERPRISE_ATTRIB_PREVALENCE, DXLTIE_CERT_ENTERPRISE_ATTRIB_FIRST_CONTACT);
        dxltie_reputations_free(reps);
    } else {
        failed = example_error("certificate reputation");
    }
    dxltie_client_free(client);
    return failed;
}
