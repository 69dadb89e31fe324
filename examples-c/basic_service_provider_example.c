/* C port of the service half of dxlclient's basic service sample: provides the service
 * "myService" on /isecg/sample/basicservice, registers it with the fabric's registry (waiting
 * up to 10 s for it, as register_service_sync does), and answers every request with "pong",
 * printing the request's payload. basic_service_invoker_example is the other half.
 *
 * Usage: basic_service_provider_example <dxlclient.config> [max_requests]
 * Prints "Service registered" once the registry has acknowledged it, then serves until
 * SIGINT/SIGTERM, or until max_requests requests have been answered. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

#define SERVICE_TOPIC "/isecg/sample/basicservice"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t answered_one = PTHREAD_COND_INITIALIZER;
static long answered = 0;
static volatile sig_atomic_t stop = 0;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

/* Runs on the library's dispatcher thread; the request is borrowed for the call. */
static void on_request(void *user_data, const dxltie_dxl_message_t *request) {
    dxltie_client_t *client = (dxltie_client_t *)user_data;
    printf("Service received request payload: %.*s\n", (int)request->payload_len,
           request->payload ? (const char *)request->payload : "");
    fflush(stdout);
    if (dxltie_dxl_respond(client, request, (const uint8_t *)"pong", 4) != DXLTIE_OK) {
        fprintf(stderr, "Error: respond: %s\n", dxltie_last_error_message());
    }
    pthread_mutex_lock(&lock);
    answered++;
    pthread_cond_signal(&answered_one);
    pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config> [max_requests]\n", argv[0]);
        return 2;
    }
    long max_requests = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    dxltie_client_t *client = example_connect(argv[1]);
    if (!client) return 1;

    const char *topics[] = {SERVICE_TOPIC};
    dxltie_dxl_service_t service = dxltie_dxl_service_init();
    service.service_type = "myService";
    service.topics = topics;
    service.topic_count = 1;
    char *service_id = NULL;
    int status = 0;
    if (dxltie_dxl_register_service(client, &service, on_request, client, NULL, &service_id) != DXLTIE_OK ||
        dxltie_dxl_wait_service_registered(client, service_id, 10000) != DXLTIE_OK) {
        status = example_error("register service");
    } else {
        printf("Service registered\n");
        fflush(stdout);
        pthread_mutex_lock(&lock);
        while (!stop && (max_requests == 0 || answered < max_requests)) {
            /* Wake now and then to notice a signal. */
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += 1;
            pthread_cond_timedwait(&answered_one, &lock, &deadline);
        }
        pthread_mutex_unlock(&lock);
        dxltie_dxl_unregister_service(client, service_id, 10000);
    }
    dxltie_string_free(service_id);
    dxltie_client_free(client);
    return status;
}
