/* C port of the JavaScript client's basic-get-cert-reputation-example: a certificate's
 * reputations, as JSON keyed by provider id. Usage: basic_get_cert_reputation_example <config> */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = 0;
    char *json = NULL;
    if (dxltie_get_certificate_reputation_json(client, "6eae26db8c13182a7947982991b4321732cc3de2",
                                               "3b87a2d6f39770160364b79a152fcc73bae27adf", 0, &json) == DXLTIE_OK)
    {
        printf("Certificate reputation:\n");
        example_print_json(json);
    }
    else
        failed = example_error("certificate reputation");
    dxltie_string_free(json);
    dxltie_client_free(client);
    return failed;
}
