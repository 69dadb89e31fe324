/* C port of dxltieclient's sample/basic/basic_detection_callback_example.py: prints every file
 * detection event TIE publishes.
 *
 * Usage: basic_detection_callback_example <dxlclient.config> [max_events]
 * Runs until SIGINT/SIGTERM, or until max_events events have arrived. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t arrived = PTHREAD_COND_INITIALIZER;
static long received = 0;
static volatile sig_atomic_t stop = 0;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

/* Runs on the library's dispatcher thread; the event is borrowed for the call. */
static void on_detection(void *user_data, const dxltie_detection_t *event) {
    (void)user_data;
    printf("Detection on topic: %s\n", event->message.topic);
    example_print_json(event->json);
    fflush(stdout);
    pthread_mutex_lock(&lock);
    received++;
    pthread_cond_signal(&arrived);
    pthread_mutex_unlock(&lock);
}

static int fail(const char *what) {
    fprintf(stderr, "Error: %s: %s\n", what, dxltie_last_error_message());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config> [max_events]\n", argv[0]);
        return 2;
    }
    long max_events = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    dxltie_config_t *config = NULL;
    if (dxltie_config_from_file(argv[1], &config) != DXLTIE_OK) return fail("config");
    dxltie_client_t *client = NULL;
    dxltie_result_t rc = dxltie_client_new(config, &client);
    dxltie_config_free(config);
    if (rc != DXLTIE_OK) return fail("client");
    if (dxltie_client_connect(client, 10000) != DXLTIE_OK) {
        fail("connect");
        dxltie_client_free(client);
        return 1;
    }
    uint64_t id;
    if (dxltie_add_file_detection_callback(client, on_detection, NULL, NULL, &id) != DXLTIE_OK) {
        fail("callback");
        dxltie_client_free(client);
        return 1;
    }
    printf("Waiting for detection events...\n");
    fflush(stdout);

    pthread_mutex_lock(&lock);
    while (!stop && (max_events <= 0 || received < max_events)) {
        struct timespec wake;
        clock_gettime(CLOCK_REALTIME, &wake);
        wake.tv_sec += 1; /* wake up now and then to notice a signal */
        pthread_cond_timedwait(&arrived, &lock, &wake);
    }
    pthread_mutex_unlock(&lock);

    dxltie_client_free(client);
    return 0;
}
