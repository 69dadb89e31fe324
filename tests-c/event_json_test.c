/* dxltie_config_set_event_json: with false, the struct callbacks get their typed fields and
 * NULL JSON fields; by default they get both. Against a real broker and the canned TIE responder
 * of tests/support/tie_responder.rs (a set_file_reputation of "emit-events.exe" makes it publish
 * one event of each kind). Usage: event_json_test <dxlclient.config>
 * Run by tests/c_programs.rs as C11, C++ and with AddressSanitizer, and under valgrind. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "counters.h"
#include "dxltie.h"

static const dxltie_hash_t NOTEPAD[] = {{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}};

/* Per client (0: default, 1: without JSON): events seen, and how many had JSON text. */
static int detections[2], detections_with_json[2], changes[2], changes_with_json[2];

static void on_detection(void *user_data, const dxltie_detection_t *e) {
    int which = *(const int *)user_data;
    pthread_mutex_lock(&lock);
    detections[which]++;
    if (e->json) detections_with_json[which]++;
    CHECK(e->hash_count == 3 && e->name != NULL, "typed fields of a detection");
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static void on_change(void *user_data, const dxltie_reputation_change_t *e) {
    int which = *(const int *)user_data;
    pthread_mutex_lock(&lock);
    changes[which]++;
    if (e->json && e->provider_keyed_json) changes_with_json[which]++;
    CHECK((e->json == NULL) == (e->provider_keyed_json == NULL), "both JSON fields or neither");
    CHECK(e->hash_count == 3 && e->new_reputation_count == 2, "typed fields of a change");
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static int wait_all(void) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 15;
    pthread_mutex_lock(&lock);
    while ((detections[0] < 1 || detections[1] < 1 || changes[0] < 1 || changes[1] < 1) &&
           pthread_cond_timedwait(&changed, &lock, &deadline) == 0) {
    }
    int done = detections[0] >= 1 && detections[1] >= 1 && changes[0] >= 1 && changes[1] >= 1;
    pthread_mutex_unlock(&lock);
    return done;
}

static const int WHICH[2] = {0, 1};

static dxltie_client_t *client_with(const char *path, int which) {
    dxltie_config_t *config = NULL;
    dxltie_client_t *client = NULL;
    OK(dxltie_config_from_file(path, &config));
    if (which == 1) OK(dxltie_config_set_event_json(config, false));
    OK(dxltie_client_new(config, &client));
    dxltie_config_free(config);
    OK(dxltie_client_connect(client, 10000));
    uint64_t id;
    OK(dxltie_add_file_detection_callback(client, on_detection, (void *)&WHICH[which], NULL, &id));
    OK(dxltie_add_file_reputation_change_callback(client, on_change, (void *)&WHICH[which], NULL, &id));
    return client;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: event_json_test <dxlclient.config>\n");
        return 2;
    }
    CHECK(dxltie_config_set_event_json(NULL, false) == DXLTIE_E_NULL_ARG, "NULL config");
    dxltie_client_t *with = client_with(argv[1], 0), *without = client_with(argv[1], 1);
    OK(dxltie_set_file_reputation(with, DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, NOTEPAD, 1, "emit-events.exe", NULL, 10000));
    CHECK(wait_all(), "events: %d %d %d %d", detections[0], detections[1], changes[0], changes[1]);
    pthread_mutex_lock(&lock);
    CHECK(detections_with_json[0] == detections[0] && changes_with_json[0] == changes[0], "default: JSON");
    CHECK(detections_with_json[1] == 0 && changes_with_json[1] == 0, "without: no JSON");
    pthread_mutex_unlock(&lock);
    dxltie_client_free(with);
    dxltie_client_free(without);
    printf("event_json_test: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
