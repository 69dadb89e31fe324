/* C port of the JavaScript client's basic-set-cert-reputation-example: sets a certificate's
 * Enterprise reputation to Known Trusted. Usage: basic_set_cert_reputation_example <config> */
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;
    int failed = 0;
    if (dxltie_set_certificate_reputation(client, DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED,
                                          "6eae26db8c13182a7947982991b4321732cc3de2",
                                          "3b87a2d6f39770160364b79a152fcc73bae27adf", "Reputation set via OpenDXL",
                                          0) == DXLTIE_OK)
        printf("Succeeded.\n");
    else
        failed = example_error("set certificate reputation");
    dxltie_client_free(client);
    return failed;
}
