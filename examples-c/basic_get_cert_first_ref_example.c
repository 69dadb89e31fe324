/* C port of the JavaScript client's basic-get-cert-first-ref-example: the systems that first
 * referenced files signed by a certificate. Usage: basic_get_cert_first_ref_example <config> */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = 0;
    dxltie_first_references_t *refs = NULL;
    if (dxltie_get_certificate_first_references(client, "6eae26db8c13182a7947982991b4321732cc3de2",
                                                "3b87a2d6f39770160364b79a152fcc73bae27adf", 500, 0,
                                                &refs) == DXLTIE_OK) {
        printf("Systems that have referenced the certificate:\n");
        for (size_t i = 0; i < refs->count; i++)
            printf("\t%s: %lld\n", refs->items[i].agent_guid ? refs->items[i].agent_guid : "?",
                   (long long)refs->items[i].date);
    } else {
        failed = example_error("certificate first references");
    }
    dxltie_first_references_free(refs);
    dxltie_client_free(client);
    return failed;
}
