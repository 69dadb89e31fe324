/* The C API abused (driven by tests/c_api_abuse.rs): NULL for every pointer argument, calls
 * after disconnect, double removal, freeing and disconnecting from inside callbacks, freeing a
 * client with requests in flight, and many threads calling at once.
 *
 * Usage:
 *   api_abuse_test nulls <dxlclient.config>
 *       NULL everywhere and the misuse sequences, on a broker with NO responder (requests stay
 *       pending until they time out or the client goes away).
 *   api_abuse_test threads <dxlclient.config> <threads> <rounds>
 *       Every thread, each round: synchronous requests (typed and JSON), an asynchronous one,
 *       adding and removing a callback, statistics, and a failing call whose message must be
 *       its own (the last error message is per thread); meanwhile events flow. Then all of
 *       them keep requesting while the main thread disconnects. Needs the canned responder.
 *   Both print `api_abuse_test: <n> failed` and exit 0 when nothing failed.
 * Compiled as C11, as C++ and with AddressSanitizer (Makefile); `threads` also runs under
 * helgrind. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "dxltie.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

/* A NULL argument is refused with DXLTIE_E_NULL_ARG and a message that names it. */
#define NULL_ARG(call, name)                                                                           \
    do {                                                                                               \
        dxltie_result_t rc_ = (call);                                                                  \
        const char *m_ = dxltie_last_error_message();                                                  \
        CHECK(rc_ == DXLTIE_E_NULL_ARG && m_ != NULL && strstr(m_, "argument " name " is NULL") != NULL, \
              "%d, %s", rc_, m_ ? m_ : "(no message)");                                                \
    } while (0)

static const dxltie_hash_t NOTEPAD[] = {{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}};
static const dxltie_hash_t NULL_TYPE[] = {{NULL, "f2c7bb8acc97f92e987a2d4087d021b1"}};
static const dxltie_hash_t NULL_VALUE[] = {{"md5", NULL}};
static const char *CERT_SHA1 = "6eae26db8c13182a7947982991b4321732cc3de2";

static int counter_add(int *counter, int n) {
    pthread_mutex_lock(&lock);
    *counter += n;
    int now = *counter;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    return now;
}

static int counter_get(int *counter) { return counter_add(counter, 0); }

/* Waits until *counter >= n, at most `seconds`. */
static int wait_for(int *counter, int n, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&lock);
    while (*counter < n)
        if (pthread_cond_timedwait(&changed, &lock, &deadline) != 0) break;
    int ok = *counter >= n;
    pthread_mutex_unlock(&lock);
    return ok;
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void on_detection_noop(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    (void)e;
}
static void on_first_instance_noop(void *user_data, const dxltie_first_instance_t *e) {
    (void)user_data;
    (void)e;
}
static void on_change_noop(void *user_data, const dxltie_reputation_change_t *e) {
    (void)user_data;
    (void)e;
}
static void on_json_noop(void *user_data, const dxltie_json_event_t *e) {
    (void)user_data;
    (void)e;
}

static void on_json_batch_noop(void *user_data, const char *events_json, size_t count, const uint8_t *payloads,
                               size_t payloads_len) {
    (void)user_data;
    (void)events_json;
    (void)count;
    (void)payloads;
    (void)payloads_len;
}
static void on_state_noop(void *user_data, dxltie_connection_state_t s) {
    (void)user_data;
    (void)s;
}

static int frees;
static void count_free(void *user_data) {
    (void)user_data;
    counter_add(&frees, 1);
}

/* ---- nulls ------------------------------------------------------------------------------ */

static void nulls_config(const char *path) {
    dxltie_config_t *cfg = NULL, *sentinel = (dxltie_config_t *)&failures;
    dxltie_config_t *out = sentinel;
    NULL_ARG(dxltie_config_from_file(NULL, &out), "path");
    CHECK(out == sentinel, "out-param untouched on failure");
    NULL_ARG(dxltie_config_from_file(path, NULL), "out_config");
    NULL_ARG(dxltie_config_new(NULL), "out_config");
    CHECK(dxltie_config_from_file(path, &cfg) == DXLTIE_OK, "load");

    size_t n = 77;
    dxltie_broker_t b = dxltie_broker_init();
    CHECK(dxltie_config_client_id(NULL) == NULL, "client id of NULL");
    CHECK(!dxltie_config_use_websockets(NULL), "websockets of NULL");
    NULL_ARG(dxltie_config_broker_count(NULL, &n), "config");
    NULL_ARG(dxltie_config_broker_count(cfg, NULL), "out_count");
    CHECK(n == 77, "out-param untouched");
    NULL_ARG(dxltie_config_broker(NULL, 0, &b), "config");
    NULL_ARG(dxltie_config_broker(cfg, 0, NULL), "out_broker");
    CHECK(dxltie_config_broker(cfg, 99, &b) == DXLTIE_E_INVALID_ARG, "index out of range");
    NULL_ARG(dxltie_config_set_certificate_files(NULL, "a", "b", "c"), "config");
    NULL_ARG(dxltie_config_set_certificate_files(cfg, NULL, "b", "c"), "broker_ca_path");
    NULL_ARG(dxltie_config_set_certificate_files(cfg, "a", NULL, "c"), "cert_path");
    NULL_ARG(dxltie_config_set_certificate_files(cfg, "a", "b", NULL), "private_key_path");
    NULL_ARG(dxltie_config_set_certificate_pems(NULL, "a", "b", "c"), "config");
    NULL_ARG(dxltie_config_set_certificate_pems(cfg, NULL, "b", "c"), "broker_ca_pem");
    NULL_ARG(dxltie_config_set_certificate_pems(cfg, "a", NULL, "c"), "cert_pem");
    NULL_ARG(dxltie_config_set_certificate_pems(cfg, "a", "b", NULL), "private_key_pem");
    NULL_ARG(dxltie_config_add_broker(NULL, "ssl://127.0.0.1:1"), "config");
    NULL_ARG(dxltie_config_add_broker(cfg, NULL), "broker");
    NULL_ARG(dxltie_config_set_client_id(NULL, "id"), "config");
    NULL_ARG(dxltie_config_set_client_id(cfg, NULL), "client_id");
    NULL_ARG(dxltie_config_set_reconnect_back_off(NULL, 1, 2, 3, 0.1), "config");
    NULL_ARG(dxltie_config_set_connect_retries(NULL, 1), "config");
    NULL_ARG(dxltie_config_set_queue(NULL, 10, DXLTIE_OVERFLOW_BLOCK), "config");
    CHECK(dxltie_config_set_queue(cfg, 0, DXLTIE_OVERFLOW_BLOCK) == DXLTIE_E_INVALID_ARG, "capacity 0");
    NULL_ARG(dxltie_config_set_keep_alive(NULL, 30), "config");
    NULL_ARG(dxltie_config_set_busy_poll(NULL, 100), "config");
    CHECK(dxltie_config_set_busy_poll(cfg, 1001) == DXLTIE_E_INVALID_ARG, "busy poll above 1000 us");
    CHECK(dxltie_config_set_busy_poll(cfg, 1000) == DXLTIE_OK && dxltie_config_set_busy_poll(cfg, 0) == DXLTIE_OK,
          "busy poll 0 and 1000 us");
    NULL_ARG(dxltie_config_add_websocket_broker(NULL, "wss://127.0.0.1:1"), "config");
    NULL_ARG(dxltie_config_add_websocket_broker(cfg, NULL), "broker");
    NULL_ARG(dxltie_config_set_use_websockets(NULL, true), "config");
    NULL_ARG(dxltie_config_set_proxy(NULL, "127.0.0.1", 3128, NULL, NULL), "config");
    /* A NULL address removes the proxy; NULL user and password mean no credentials. */
    OK(dxltie_config_set_proxy(cfg, NULL, 0, NULL, NULL));
    OK(dxltie_config_set_proxy(cfg, "127.0.0.1", 3128, NULL, NULL));
    dxltie_config_free(NULL);
    dxltie_config_free(cfg);
}

static void nulls_helpers(void) {
    dxltie_server_version_t v;
    dxltie_aggregate_t a;
    char *text = (char *)"untouched";
    NULL_ARG(dxltie_to_version(NULL, &v), "packed");
    NULL_ARG(dxltie_to_version("7205759403792793600", NULL), "out_version");
    NULL_ARG(dxltie_to_aggregate(NULL, &a), "base64");
    NULL_ARG(dxltie_to_aggregate("AQACAAMABAAFAA==", NULL), "out_aggregate");
    NULL_ARG(dxltie_to_localtime_string(0, "%Y", NULL), "out_text");
    NULL_ARG(dxltie_json_pretty(NULL, &text), "json");
    NULL_ARG(dxltie_json_pretty("{}", NULL), "out_text");
    CHECK(strcmp(text, "untouched") == 0, "out-param untouched");
    CHECK(dxltie_to_localtime_string(0, NULL, &text) == DXLTIE_OK, "NULL format means the default");
    dxltie_string_free(text);
    CHECK(!dxltie_has_definitive_reputation(NULL), "NULL reputations");
    CHECK(dxltie_set_log_callback(NULL, NULL, DXLTIE_LOG_ERROR) == DXLTIE_OK, "NULL log callback stops logging");
    dxltie_reputations_free(NULL);
    dxltie_first_references_free(NULL);
    dxltie_string_free(NULL);
    CHECK(dxltie_result_str(12345) != NULL && dxltie_version() != NULL, "static strings");
}

static void on_response_count(void *user_data, const dxltie_response_t *r) {
    (void)r;
    counter_add((int *)user_data, 1);
}

static void nulls_client(dxltie_client_t *c) {
    dxltie_client_t *out = NULL;
    dxltie_stats_t s = dxltie_stats_init();
    uint64_t id = 0;
    NULL_ARG(dxltie_client_new(NULL, &out), "config");
    NULL_ARG(dxltie_client_connect(NULL, 100), "client");
    NULL_ARG(dxltie_client_disconnect(NULL), "client");
    CHECK(!dxltie_client_is_connected(NULL), "is_connected(NULL)");
    CHECK(dxltie_client_free(NULL) == DXLTIE_OK, "free(NULL)");
    NULL_ARG(dxltie_client_stats(NULL, &s), "client");
    NULL_ARG(dxltie_client_stats(c, NULL), "out_stats");
    NULL_ARG(dxltie_client_set_state_callback(NULL, on_state_noop, NULL, NULL), "client");
    NULL_ARG(dxltie_client_set_state_callback(c, NULL, NULL, NULL), "callback");

    NULL_ARG(dxltie_add_file_detection_callback(NULL, on_detection_noop, NULL, NULL, &id), "client");
    NULL_ARG(dxltie_add_file_detection_callback(c, NULL, NULL, NULL, &id), "callback");
    NULL_ARG(dxltie_add_file_detection_callback(c, on_detection_noop, NULL, NULL, NULL), "out_id");
    NULL_ARG(dxltie_add_file_first_instance_callback(NULL, on_first_instance_noop, NULL, NULL, &id), "client");
    NULL_ARG(dxltie_add_file_first_instance_callback(c, NULL, NULL, NULL, &id), "callback");
    NULL_ARG(dxltie_add_file_first_instance_callback(c, on_first_instance_noop, NULL, NULL, NULL), "out_id");
    NULL_ARG(dxltie_add_file_reputation_change_callback(NULL, on_change_noop, NULL, NULL, &id), "client");
    NULL_ARG(dxltie_add_file_reputation_change_callback(c, NULL, NULL, NULL, &id), "callback");
    NULL_ARG(dxltie_add_file_reputation_change_callback(c, on_change_noop, NULL, NULL, NULL), "out_id");
    NULL_ARG(dxltie_add_certificate_reputation_change_callback(NULL, on_change_noop, NULL, NULL, &id), "client");
    NULL_ARG(dxltie_add_certificate_reputation_change_callback(c, NULL, NULL, NULL, &id), "callback");
    NULL_ARG(dxltie_add_certificate_reputation_change_callback(c, on_change_noop, NULL, NULL, NULL), "out_id");
    NULL_ARG(dxltie_add_json_callback(NULL, 0, on_json_noop, NULL, NULL, &id), "client");
    NULL_ARG(dxltie_add_json_callback(c, 0, NULL, NULL, NULL, &id), "callback");
    NULL_ARG(dxltie_add_json_callback(c, 0, on_json_noop, NULL, NULL, NULL), "out_id");
    NULL_ARG(dxltie_add_json_batch_callback(NULL, 0, on_json_batch_noop, NULL, NULL, &id), "client");
    NULL_ARG(dxltie_add_json_batch_callback(c, 0, NULL, NULL, NULL, &id), "callback");
    NULL_ARG(dxltie_add_json_batch_callback(c, 0, on_json_batch_noop, NULL, NULL, NULL), "out_id");
    CHECK(dxltie_add_json_batch_callback(c, 9, on_json_batch_noop, NULL, NULL, &id) == DXLTIE_E_INVALID_ARG,
          "unknown event kind refused");
    NULL_ARG(dxltie_remove_callback(NULL, 1), "client");
    CHECK(counter_get(&frees) == 0, "a refused registration never frees the caller's user data");

    /* Requests: NULL client, hashes, hash fields, certificate, out-parameters, callbacks. */
    dxltie_reputations_t *reps = NULL;
    dxltie_first_references_t *refs = NULL;
    char *json = NULL;
    int calls = 0;
    NULL_ARG(dxltie_get_file_reputation(NULL, NOTEPAD, 1, 100, &reps), "client");
    NULL_ARG(dxltie_get_file_reputation(c, NULL, 1, 100, &reps), "hashes");
    NULL_ARG(dxltie_get_file_reputation(c, NULL_TYPE, 1, 100, &reps), "hashes[0].hash_type");
    NULL_ARG(dxltie_get_file_reputation(c, NULL_VALUE, 1, 100, &reps), "hashes[0].value");
    NULL_ARG(dxltie_get_file_reputation(c, NOTEPAD, 1, 100, NULL), "out_reputations");
    NULL_ARG(dxltie_get_file_reputation_json(NULL, NOTEPAD, 1, 100, &json), "client");
    NULL_ARG(dxltie_get_file_reputation_json(c, NOTEPAD, 1, 100, NULL), "out_json");
    NULL_ARG(dxltie_set_file_reputation(NULL, 99, NOTEPAD, 1, NULL, NULL, 100), "client");
    NULL_ARG(dxltie_set_file_reputation(c, 99, NULL, 1, NULL, NULL, 100), "hashes");
    NULL_ARG(dxltie_set_external_file_reputation(NULL, 99, NOTEPAD, 1, 0, NULL, NULL), "client");
    NULL_ARG(dxltie_set_external_file_reputation(c, 99, NULL, 1, 0, NULL, NULL), "hashes");
    NULL_ARG(dxltie_get_file_first_references(NULL, NOTEPAD, 1, 10, 100, &refs), "client");
    NULL_ARG(dxltie_get_file_first_references(c, NOTEPAD, 1, 10, 100, NULL), "out_references");
    NULL_ARG(dxltie_get_file_first_references_json(c, NULL, 1, 10, 100, &json), "hashes");
    NULL_ARG(dxltie_get_file_first_references_json(c, NOTEPAD, 1, 10, 100, NULL), "out_json");
    NULL_ARG(dxltie_get_certificate_reputation(NULL, CERT_SHA1, NULL, 100, &reps), "client");
    NULL_ARG(dxltie_get_certificate_reputation(c, NULL, NULL, 100, &reps), "sha1");
    NULL_ARG(dxltie_get_certificate_reputation(c, CERT_SHA1, NULL, 100, NULL), "out_reputations");
    NULL_ARG(dxltie_get_certificate_reputation_json(c, NULL, NULL, 100, &json), "sha1");
    NULL_ARG(dxltie_get_certificate_reputation_json(c, CERT_SHA1, NULL, 100, NULL), "out_json");
    NULL_ARG(dxltie_set_certificate_reputation(NULL, 99, CERT_SHA1, NULL, NULL, 100), "client");
    NULL_ARG(dxltie_set_certificate_reputation(c, 99, NULL, NULL, NULL, 100), "sha1");
    NULL_ARG(dxltie_get_certificate_first_references(c, NULL, NULL, 10, 100, &refs), "sha1");
    NULL_ARG(dxltie_get_certificate_first_references(c, CERT_SHA1, NULL, 10, 100, NULL), "out_references");
    NULL_ARG(dxltie_get_certificate_first_references_json(c, NULL, NULL, 10, 100, &json), "sha1");
    NULL_ARG(dxltie_get_certificate_first_references_json(c, CERT_SHA1, NULL, 10, 100, NULL), "out_json");
    CHECK(reps == NULL && refs == NULL && json == NULL, "out-params untouched");

    NULL_ARG(dxltie_get_file_reputation_async(NULL, NOTEPAD, 1, 100, on_response_count, &calls, count_free),
             "client");
    NULL_ARG(dxltie_get_file_reputation_async(c, NULL, 1, 100, on_response_count, &calls, count_free), "hashes");
    NULL_ARG(dxltie_get_file_reputation_async(c, NOTEPAD, 1, 100, NULL, &calls, count_free), "callback");
    NULL_ARG(dxltie_set_file_reputation_async(c, 99, NOTEPAD, 1, NULL, NULL, 100, NULL, &calls, count_free),
             "callback");
    NULL_ARG(dxltie_get_file_first_references_async(c, NULL, 1, 10, 100, on_response_count, &calls, count_free),
             "hashes");
    NULL_ARG(dxltie_get_certificate_reputation_async(c, NULL, NULL, 100, on_response_count, &calls, count_free),
             "sha1");
    NULL_ARG(dxltie_set_certificate_reputation_async(NULL, 99, CERT_SHA1, NULL, NULL, 100, on_response_count, &calls,
                                                     count_free),
             "client");
    NULL_ARG(dxltie_get_certificate_first_references_async(c, CERT_SHA1, NULL, 10, 100, NULL, &calls, count_free),
             "callback");
    sleep_ms(200);
    CHECK(counter_get(&calls) == 0 && counter_get(&frees) == 0,
          "a refused asynchronous request calls nothing and frees nothing (%d calls, %d frees)", calls, frees);
}

/* Misuse from inside callbacks. */
static dxltie_client_t *the_client;
static int inside_free_state, inside_free_response, inside_disconnect, inside_remove_other, inside_calls;
static uint64_t other_id;

static void on_state_misuse(void *user_data, dxltie_connection_state_t state) {
    (void)user_data;
    if (state != DXLTIE_STATE_CONNECTED) return;
    /* Freeing the client from its own dispatcher would wait for itself. */
    if (dxltie_client_free(the_client) == DXLTIE_E_WOULD_DEADLOCK) counter_add(&inside_free_state, 1);
}

static void on_response_misuse(void *user_data, const dxltie_response_t *r) {
    (void)user_data;
    (void)r;
    /* What dxltie_client_may_free_here tells a binding: not here. */
    if (!dxltie_client_may_free_here(the_client) && dxltie_client_free(the_client) == DXLTIE_E_WOULD_DEADLOCK)
        counter_add(&inside_free_response, 1);
    /* Removing another callback from inside a callback is allowed. */
    if (dxltie_remove_callback(the_client, other_id) == DXLTIE_OK) counter_add(&inside_remove_other, 1);
    /* So is disconnecting; it returns once the connection is closed. */
    if (dxltie_client_disconnect(the_client) == DXLTIE_OK) counter_add(&inside_disconnect, 1);
    counter_add(&inside_calls, 1);
}

static int nulls_and_misuse(const char *path) {
    nulls_config(path);
    nulls_helpers();

    dxltie_config_t *cfg = NULL;
    CHECK(dxltie_config_from_file(path, &cfg) == DXLTIE_OK, "load");
    if (cfg == NULL) return 1;
    dxltie_client_t *c = NULL;
    CHECK(dxltie_client_new(cfg, &c) == DXLTIE_OK, "new");
    dxltie_config_free(cfg);
    if (c == NULL) return 1;
    the_client = c;

    /* Before connecting: requests refused, registrations accepted (subscribed on connect). */
    dxltie_reputations_t *reps = NULL;
    uint64_t ids[3];
    CHECK(dxltie_get_file_reputation(c, NOTEPAD, 1, 100, &reps) == DXLTIE_E_NOT_CONNECTED, "not yet connected");
    CHECK(dxltie_add_file_detection_callback(c, on_detection_noop, NULL, count_free, &ids[0]) == DXLTIE_OK, "add");
    nulls_client(c);

    CHECK(dxltie_client_connect(c, 10000) == DXLTIE_OK, "connect");
    CHECK(dxltie_client_connect(c, 10000) == DXLTIE_OK, "connect again: already connected");
    CHECK(dxltie_client_set_state_callback(c, on_state_misuse, NULL, count_free) == DXLTIE_OK, "state callback");

    /* Double removal, concurrent or not: exactly one succeeds. */
    CHECK(dxltie_remove_callback(c, ids[0]) == DXLTIE_OK, "remove");
    CHECK(dxltie_remove_callback(c, ids[0]) == DXLTIE_E_NOT_FOUND, "double remove");
    CHECK(wait_for(&frees, 1, 10), "free_user_data after removal");

    /* Disconnect, use after disconnect, connect again. */
    CHECK(dxltie_client_disconnect(c) == DXLTIE_OK, "disconnect");
    CHECK(dxltie_client_disconnect(c) == DXLTIE_OK, "disconnect twice");
    CHECK(dxltie_get_file_reputation(c, NOTEPAD, 1, 100, &reps) == DXLTIE_E_NOT_CONNECTED, "after disconnect");
    int calls = 0;
    CHECK(dxltie_get_file_reputation_async(c, NOTEPAD, 1, 100, on_response_count, &calls, count_free) ==
              DXLTIE_E_NOT_CONNECTED,
          "async after disconnect");
    CHECK(dxltie_add_json_callback(c, DXLTIE_EVENT_KIND_FILE_DETECTION, on_json_noop, NULL, count_free, &ids[1]) ==
              DXLTIE_OK,
          "register while disconnected");
    CHECK(dxltie_client_connect(c, 10000) == DXLTIE_OK, "connect after disconnect");
    CHECK(wait_for(&inside_free_state, 1, 10), "free refused inside the state callback");

    /* Inside an async response (a timeout: nobody answers here): free refused, removal of
     * another callback and disconnect allowed. */
    CHECK(dxltie_add_file_first_instance_callback(c, on_first_instance_noop, NULL, count_free, &other_id) ==
              DXLTIE_OK,
          "add other");
    CHECK(dxltie_get_file_reputation_async(c, NOTEPAD, 1, 300, on_response_misuse, NULL, count_free) == DXLTIE_OK,
          "async");
    CHECK(wait_for(&inside_calls, 1, 20), "response callback ran");
    CHECK(counter_get(&inside_free_response) == 1 && counter_get(&inside_remove_other) == 1 &&
              counter_get(&inside_disconnect) == 1,
          "inside a callback: free %d, remove %d, disconnect %d", inside_free_response, inside_remove_other,
          inside_disconnect);
    CHECK(!dxltie_client_is_connected(c), "disconnected from inside the callback");

    /* Free with a request in flight: its callback runs once (shut down), then its free. */
    CHECK(dxltie_client_may_free_here(c), "a client may be freed outside its callbacks");
    CHECK(!dxltie_client_may_free_here(NULL), "NULL may not be freed here");
    CHECK(dxltie_client_connect(c, 10000) == DXLTIE_OK, "connect once more");
    CHECK(dxltie_get_file_reputation_async(c, NOTEPAD, 1, 600000, on_response_count, &calls, count_free) ==
              DXLTIE_OK,
          "async in flight");
    sleep_ms(200);
    CHECK(dxltie_client_free(c) == DXLTIE_OK, "free with a request in flight");
    CHECK(calls == 1, "the in-flight request's callback ran once at free (%d)", calls);
    /* ids[0], the async misuse, other_id, ids[1], the in-flight request, the state callback. */
    CHECK(counter_get(&frees) == 6, "every free_user_data ran exactly once (%d)", frees);

    printf("api_abuse_test: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}

/* ---- threads ---------------------------------------------------------------------------- */

static dxltie_client_t *shared;
static dxltie_config_t *shared_config;
static int rounds, async_done, async_ok, events, stop_requests;
static int outcomes_ok, outcomes_not_connected, outcomes_other, other_code;
static char other_message[256];

static void on_async_threads(void *user_data, const dxltie_response_t *r) {
    (void)user_data;
    if (r->status == DXLTIE_OK) counter_add(&async_ok, 1);
    counter_add(&async_done, 1);
}

static void on_detection_count(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    (void)e;
    counter_add(&events, 1);
}

static void *worker(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int r = 0; r < rounds; r++) {
        dxltie_reputations_t *reps = NULL;
        CHECK(dxltie_get_file_reputation(shared, NOTEPAD, 1, 20000, &reps) == DXLTIE_OK, "thread %d: %s", t,
              dxltie_last_error_message());
        CHECK(reps == NULL || reps->count == 2, "thread %d: reputations", t);
        dxltie_reputations_free(reps);
        char *json = NULL;
        CHECK(dxltie_get_certificate_reputation_json(shared, CERT_SHA1, NULL, 20000, &json) == DXLTIE_OK,
              "thread %d: %s", t, dxltie_last_error_message());
        dxltie_string_free(json);
        CHECK(dxltie_get_file_reputation_async(shared, NOTEPAD, 1, 20000, on_async_threads, NULL, count_free) ==
                  DXLTIE_OK,
              "thread %d: async", t);

        uint64_t id = 0;
        CHECK(dxltie_add_json_callback(shared, DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE, on_json_noop, NULL,
                                       count_free, &id) == DXLTIE_OK,
              "thread %d: add", t);
        dxltie_stats_t s = dxltie_stats_init();
        CHECK(dxltie_client_stats(shared, &s) == DXLTIE_OK && dxltie_client_is_connected(shared), "thread %d", t);
        CHECK(dxltie_remove_callback(shared, id) == DXLTIE_OK, "thread %d: remove", t);
        CHECK(dxltie_remove_callback(shared, id) == DXLTIE_E_NOT_FOUND, "thread %d: double remove", t);

        /* The last error message belongs to the thread that failed. */
        size_t index = 1000 + (size_t)t * 1000 + (size_t)r;
        dxltie_broker_t b = dxltie_broker_init();
        char want[64];
        snprintf(want, sizeof want, "broker index %zu out of range", index);
        CHECK(dxltie_config_broker(shared_config, index, &b) == DXLTIE_E_INVALID_ARG, "thread %d", t);
        sched_yield();
        const char *m = dxltie_last_error_message();
        CHECK(m != NULL && strstr(m, want) != NULL, "thread %d got another thread's message: %s", t, m ? m : "");

        if (t == 0) {
            CHECK(dxltie_set_file_reputation(shared, 85, NOTEPAD, 1, "emit-events.exe", NULL, 20000) == DXLTIE_OK,
                  "emit events: %s", dxltie_last_error_message());
        }
    }
    /* Then request until told to stop, while the main thread disconnects. */
    while (!counter_get(&stop_requests)) {
        dxltie_reputations_t *reps = NULL;
        dxltie_result_t rc = dxltie_get_file_reputation(shared, NOTEPAD, 1, 20000, &reps);
        dxltie_reputations_free(reps);
        counter_add(rc == DXLTIE_OK                ? &outcomes_ok
                    : rc == DXLTIE_E_NOT_CONNECTED ? &outcomes_not_connected
                                                   : &outcomes_other,
                    1);
        if (rc != DXLTIE_OK && rc != DXLTIE_E_NOT_CONNECTED) {
            pthread_mutex_lock(&lock);
            other_code = rc;
            snprintf(other_message, sizeof other_message, "%s", dxltie_last_error_message());
            pthread_mutex_unlock(&lock);
        }
        if (rc == DXLTIE_E_NOT_CONNECTED) break;
    }
    return NULL;
}

static int threads_test(const char *path, int thread_count) {
    CHECK(dxltie_config_from_file(path, &shared_config) == DXLTIE_OK, "load");
    CHECK(dxltie_client_new(shared_config, &shared) == DXLTIE_OK, "new");
    if (shared == NULL) return 1;
    CHECK(dxltie_client_connect(shared, 15000) == DXLTIE_OK, "connect: %s", dxltie_last_error_message());
    uint64_t detection_id = 0;
    CHECK(dxltie_add_file_detection_callback(shared, on_detection_count, NULL, count_free, &detection_id) ==
              DXLTIE_OK,
          "add");

    pthread_t threads[64];
    if (thread_count > 64) thread_count = 64;
    for (int t = 0; t < thread_count; t++)
        CHECK(pthread_create(&threads[t], NULL, worker, (void *)(intptr_t)t) == 0, "pthread_create");

    int expected = thread_count * rounds;
    CHECK(wait_for(&async_done, expected, 120), "async responses %d of %d", counter_get(&async_done), expected);
    CHECK(counter_get(&async_ok) == expected, "async OK %d of %d", counter_get(&async_ok), expected);
    CHECK(wait_for(&events, rounds, 60), "events %d of %d", counter_get(&events), rounds);

    sleep_ms(100); /* the workers are in their request loop */
    CHECK(dxltie_client_disconnect(shared) == DXLTIE_OK, "disconnect under load");
    counter_add(&stop_requests, 1);
    for (int t = 0; t < thread_count; t++) pthread_join(threads[t], NULL);
    CHECK(counter_get(&outcomes_other) == 0,
          "requests racing a disconnect: %d ok, %d not connected, %d other (the last: %d, %s)", outcomes_ok,
          outcomes_not_connected, outcomes_other, other_code, other_message);

    CHECK(dxltie_client_free(shared) == DXLTIE_OK, "free");
    dxltie_config_free(shared_config);
    /* Every async request's and every registration's free_user_data, exactly once. */
    CHECK(counter_get(&frees) == 2 * expected + 1, "frees %d, want %d", frees, 2 * expected + 1);
    printf("api_abuse_test: %d failed (%d threads x %d rounds, %d events, %d/%d/%d requests racing the "
           "disconnect)\n",
           failures, thread_count, rounds, events, outcomes_ok, outcomes_not_connected, outcomes_other);
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "nulls") == 0) return nulls_and_misuse(argv[2]);
    if (argc == 5 && strcmp(argv[1], "threads") == 0) {
        rounds = atoi(argv[4]);
        return threads_test(argv[2], atoi(argv[3]));
    }
    fprintf(stderr, "usage: %s nulls <dxlclient.config>\n       %s threads <dxlclient.config> <threads> <rounds>\n",
            argv[0], argv[0]);
    return 2;
}
