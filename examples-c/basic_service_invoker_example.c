/* C port of the calling half of dxlclient's basic service sample: sends the request "ping" to
 * /isecg/sample/basicservice, waits for the answer and prints its payload unless it is an
 * error. basic_service_provider_example provides the service.
 *
 * Usage: basic_service_invoker_example <dxlclient.config>
 * Prints "Client received response payload: pong", or, for an ErrorResponse (0x80000001 when
 * no service is registered for the topic), "Error response: <code> <message>". */
#include <stdio.h>
#include <string.h>

#include "common.h"

#define SERVICE_TOPIC "/isecg/sample/basicservice"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;

    dxltie_dxl_message_t request = dxltie_dxl_message_init();
    request.topic = SERVICE_TOPIC;
    request.payload = (const uint8_t *)"ping";
    request.payload_len = strlen("ping");
    dxltie_dxl_message_t *response = NULL;
    /* 0: the default response timeout (30 s). */
    dxltie_result_t rc = dxltie_dxl_sync_request(client, &request, 0, &response);
    int status = 0;
    if (rc == DXLTIE_OK) {
        printf("Client received response payload: %.*s\n", (int)response->payload_len,
               response->payload ? (const char *)response->payload : "");
    } else if (rc == DXLTIE_E_SERVICE_ERROR) {
        printf("Error response: 0x%08x %s\n", response->error_code, response->error_message);
        status = 1;
    } else {
        status = example_error("request");
    }
    dxltie_dxl_message_free(response);
    dxltie_client_free(client);
    return status;
}
