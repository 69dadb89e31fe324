/* Every exported function of the client API, against a real broker and the canned TIE
 * responder of tests/support/tie_responder.rs. Usage: client_test <dxlclient.config>
 * Compiled as C11 and as C++ with -Wall -Wextra -Werror; run by tests/c_programs.rs, also under
 * valgrind and AddressSanitizer. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "counters.h"
#include "dxltie.h"

static const dxltie_hash_t NOTEPAD[] = {
    {"md5", "f2c7bb8acc97f92e987a2d4087d021b1"},
    {"sha1", "7eb0139d2175739b3ccb0d1110067820be6abd29"},
    {"sha256", "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"},
};
static const dxltie_hash_t UNKNOWN_ZERO[] = {{"md5", "00000000000000000000000000000000"}};
static const dxltie_hash_t BAD_HEX[] = {{"md5", "xyz"}};
static const char *CERT_SHA1 = "6eae26db8c13182a7947982991b4321732cc3de2";
static const char *CERT_PK = "3b87a2d6f39770160364b79a152fcc73bae27adf";

/* Shared state between callbacks (dispatcher thread) and the main thread. */
static int detections, first_instances, file_changes, cert_changes, json_events, frees, async_done;
static int self_removed_calls, inside_sync_ok, inside_free_refused, state_connected;
static dxltie_client_t *the_client;
static uint64_t self_removing_id;

/* Every callback must run on the one dispatcher thread, never on the caller's. */
static pthread_t main_thread, callback_thread;
static int callback_thread_known, wrong_thread;

static void note_thread(void) {
    pthread_mutex_lock(&lock);
    pthread_t self = pthread_self();
    if (pthread_equal(self, main_thread)) wrong_thread++;
    if (!callback_thread_known) {
        callback_thread = self;
        callback_thread_known = 1;
    } else if (!pthread_equal(self, callback_thread)) {
        wrong_thread++;
    }
    pthread_mutex_unlock(&lock);
}

/* Counts every free_user_data call of the event callbacks. */
static void count_free(void *user_data) {
    (void)user_data;
    bump(&frees);
}

static int state_frees;
static void count_state_free(void *user_data) {
    CHECK(user_data == (void *)&state_frees, "state user data");
    bump(&state_frees);
}

static int find_hash(const dxltie_hash_t *hashes, size_t n, const char *type, const char *value) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(hashes[i].hash_type, type) == 0 && strcmp(hashes[i].value, value) == 0) return 1;
    return 0;
}

static void on_detection(void *user_data, const dxltie_detection_t *e) {
    note_thread();
    CHECK(user_data == (void *)&detections, "user data passed through");
    CHECK(strcmp(e->message.topic, DXLTIE_TIE_EVENT_FILE_DETECTION_TOPIC) == 0, "topic %s", e->message.topic);
    CHECK(e->agent_guid && strcmp(e->agent_guid, "{3a6f574a-3e6f-436d-acd4-bcde336b054d}") == 0, "agent");
    CHECK(e->detection_time == 1481301038 && e->local_reputation == 1 && e->remediation_action == 5, "numbers");
    CHECK(e->name && strcmp(e->name, "FOCUS_MALWARE2.EXE") == 0, "name");
    CHECK(e->hash_count == 3 && find_hash(e->hashes, e->hash_count, "md5", NOTEPAD[0].value), "hashes as hex");
    CHECK(strstr(e->json, "\"md5\": \"f2c7bb8acc97f92e987a2d4087d021b1\"") != NULL, "json %s", e->json);
    CHECK(e->message.payload_len > 0 && e->message.message_id[0] == '{', "message info");
    bump(&detections);
}

static void on_first_instance(void *user_data, const dxltie_first_instance_t *e) {
    note_thread();
    (void)user_data;
    CHECK(e->name && strcmp(e->name, "MORPH.EXE") == 0, "name");
    CHECK(e->hash_count == 3, "hashes");
    bump(&first_instances);
}

static void on_reputation_change(void *user_data, const dxltie_reputation_change_t *e) {
    note_thread();
    (void)user_data;
    if (e->kind == DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE) {
        CHECK(e->new_reputation_count == 2 && e->old_reputation_count == 1, "reputation counts");
        CHECK(e->new_reputations[0].provider_id == DXLTIE_FILE_PROVIDER_GTI && e->new_reputations[0].trust_level == 99,
              "GTI 99");
        CHECK(e->old_reputations[0].trust_level == 85, "old trust");
        CHECK(e->certificate_hash_count == 1 && strcmp(e->certificate_hashes[0].value, CERT_SHA1) == 0, "relationships");
        CHECK(e->certificate_public_key_sha1 && strcmp(e->certificate_public_key_sha1, CERT_PK) == 0, "relationship pk");
        CHECK(strstr(e->json, "\"newReputations\": {\"1\": {") != NULL, "providerId keys as strings: %s", e->json);
        CHECK(strstr(e->json, "props") == NULL, "props dropped");
        bump(&file_changes);
    } else {
        CHECK(e->kind == DXLTIE_EVENT_KIND_CERTIFICATE_REPUTATION_CHANGE, "kind %d", (int)e->kind);
        CHECK(e->public_key_sha1 && strcmp(e->public_key_sha1, CERT_PK) == 0, "public key as hex");
        CHECK(e->new_reputation_count == 2 && e->new_reputations[1].attribute_count == 3, "cert reputations");
        bump(&cert_changes);
    }
}

static void on_json(void *user_data, const dxltie_json_event_t *e) {
    note_thread();
    (void)user_data;
    CHECK(e->kind == DXLTIE_EVENT_KIND_FILE_DETECTION && strstr(e->json, "\"agentGuid\"") != NULL, "json event");
    bump(&json_events);
}

/* Removes itself on its first call; must never be called again. */
static void on_detection_remove_self(void *user_data, const dxltie_detection_t *e) {
    (void)user_data;
    (void)e;
    bump(&self_removed_calls);
    CHECK(dxltie_remove_callback(the_client, self_removing_id) == DXLTIE_OK, "remove self inside callback");
}

/* Makes a synchronous request and tries to free the client, inside a callback. */
static void on_first_instance_inside(void *user_data, const dxltie_first_instance_t *e) {
    (void)user_data;
    (void)e;
    dxltie_reputations_t *reps = NULL;
    if (dxltie_get_file_reputation(the_client, NOTEPAD, 3, 5000, &reps) == DXLTIE_OK && reps->count == 2)
        bump(&inside_sync_ok);
    dxltie_reputations_free(reps);
    if (dxltie_client_free(the_client) == DXLTIE_E_WOULD_DEADLOCK) bump(&inside_free_refused);
}

static void on_state(void *user_data, dxltie_connection_state_t state) {
    (void)user_data;
    if (state == DXLTIE_STATE_CONNECTED) bump(&state_connected);
}

struct async_expect {
    dxltie_result_t status;
    int calls;
};

static void on_async(void *user_data, const dxltie_response_t *r) {
    note_thread();
    struct async_expect *want = (struct async_expect *)user_data;
    CHECK(r->status == want->status, "async status %d, want %d (%s)", r->status, want->status,
          r->error_message ? r->error_message : "");
    if (r->status == DXLTIE_OK) CHECK(r->json != NULL, "async json");
    if (r->status == DXLTIE_E_SERVICE_ERROR)
        CHECK(r->service_error_code == 0 && strcmp(r->error_message, "Could not find reputation") == 0, "async error");
    want->calls++;
    bump(&async_done);
}

static void on_log(void *user_data, dxltie_log_level_t level, const char *target, const char *message) {
    (void)user_data;
    (void)level;
    (void)target;
    (void)message;
}

/* Reads a whole file into a NUL-terminated heap string (NULL on failure). */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = (char *)malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* Connects with certificates given as file paths, then as PEM text: the setters' way to build
 * what the dxlclient.config gives (its files sit next to it, as tests/support writes them). */
static void test_certificate_setters(const char *config_path, const char *broker_url) {
    char dir[512], ca[600], cert[600], key[600];
    snprintf(dir, sizeof dir, "%s", config_path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    snprintf(ca, sizeof ca, "%s/ca-bundle.crt", dir);
    snprintf(cert, sizeof cert, "%s/client.crt", dir);
    snprintf(key, sizeof key, "%s/client.key", dir);
    for (int as_pem = 0; as_pem < 2; as_pem++) {
        dxltie_config_t *cfg = NULL;
        dxltie_client_t *c = NULL;
        OK(dxltie_config_new(&cfg));
        OK(dxltie_config_add_broker(cfg, broker_url));
        if (as_pem) {
            char *ca_pem = read_file(ca), *cert_pem = read_file(cert), *key_pem = read_file(key);
            CHECK(ca_pem && cert_pem && key_pem, "read PEM files");
            OK(dxltie_config_set_certificate_pems(cfg, ca_pem, cert_pem, key_pem));
            free(ca_pem);
            free(cert_pem);
            free(key_pem);
        } else {
            OK(dxltie_config_set_certificate_files(cfg, ca, cert, key));
        }
        CHECK(dxltie_config_set_certificate_files(cfg, NULL, cert, key) == DXLTIE_E_NULL_ARG, "NULL path");
        OK(dxltie_client_new(cfg, &c));
        dxltie_config_free(cfg);
        CHECK(dxltie_client_connect(c, 10000) == DXLTIE_OK, "connect with certificates as %s", as_pem ? "PEM" : "files");
        OK(dxltie_client_free(c));
    }
}

static void test_helpers(void) {
    dxltie_server_version_t v;
    OK(dxltie_to_version("73183493944770750", &v));
    CHECK(v.major == 1 && v.minor == 4 && v.patch == 0 && v.build == 190, "version");
    CHECK(dxltie_to_version("abc", &v) == DXLTIE_E_INVALID_ARG, "bad version");
    dxltie_aggregate_t a;
    OK(dxltie_to_aggregate("AgBkADIAZABMHQ==", &a));
    CHECK(a.file_count == 2 && a.max_trust_level == 100 && a.min_trust_level == 50 && a.last_trust_level == 100 &&
              a.average_trust_level == 75.0,
          "aggregate");
    CHECK(dxltie_to_aggregate("AQA=", &a) == DXLTIE_E_INVALID_ARG, "short aggregate");
    char *text = NULL;
    OK(dxltie_to_localtime_string(1476902802, "%Y", &text));
    CHECK(text && strcmp(text, "2016") == 0, "localtime %s", text ? text : "(null)");
    dxltie_string_free(text);
    CHECK(dxltie_is_valid_trust_level(DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED) && !dxltie_is_valid_trust_level(42), "trust");
    CHECK(dxltie_is_valid_file_type(DXLTIE_FILE_TYPE_JAR) && !dxltie_is_valid_file_type(3), "file type");
    CHECK(!dxltie_has_definitive_reputation(NULL), "NULL list");
    CHECK(dxltie_to_version(NULL, &v) == DXLTIE_E_NULL_ARG, "NULL");
    OK(dxltie_json_pretty("{\"b\": [], \"a\": {\"1\": 2}}", &text));
    CHECK(text && strcmp(text, "{\n    \"a\": {\n        \"1\": 2\n    },\n    \"b\": []\n}") == 0, "pretty %s", text);
    dxltie_string_free(text);
    CHECK(dxltie_json_pretty("{not json", &text) == DXLTIE_E_INVALID_ARG, "pretty of non-JSON");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    main_thread = pthread_self();
    test_helpers();
    OK(dxltie_set_log_callback(on_log, NULL, DXLTIE_LOG_DEBUG));
    CHECK(dxltie_set_log_callback(on_log, NULL, 99) == DXLTIE_E_INVALID_ARG, "bad level");

    /* A configuration built with setters must agree with the file's brokers. */
    dxltie_config_t *file_cfg = NULL, *cfg = NULL;
    OK(dxltie_config_from_file(argv[1], &file_cfg));
    OK(dxltie_config_new(&cfg));
    dxltie_broker_t broker = dxltie_broker_init();
    OK(dxltie_config_broker(file_cfg, 0, &broker));
    char line[256];
    snprintf(line, sizeof line, "ssl://%s:%u", broker.host_name, (unsigned)broker.port);
    OK(dxltie_config_add_broker(cfg, line));
    CHECK(dxltie_config_add_broker(cfg, "ftp://x") == DXLTIE_E_INVALID_ARG, "bad scheme");
    OK(dxltie_config_set_client_id(cfg, "{aaaaaaaa-0000-4000-8000-000000000001}"));
    OK(dxltie_config_set_reconnect_back_off(cfg, 100, 2, 1000, 0.25));
    CHECK(dxltie_config_set_reconnect_back_off(cfg, 100, 0, 1000, 0.25) == DXLTIE_E_INVALID_ARG, "multiplier 0");
    OK(dxltie_config_set_connect_retries(cfg, 2));
    OK(dxltie_config_set_queue(cfg, 500, DXLTIE_OVERFLOW_BLOCK));
    CHECK(dxltie_config_set_queue(cfg, 500, 7) == DXLTIE_E_INVALID_ARG, "bad policy");
    OK(dxltie_config_set_keep_alive(cfg, 60));
    dxltie_config_free(cfg);
    test_certificate_setters(argv[1], line);

    /* Without certificates, connect fails clearly. */
    dxltie_client_t *bare = NULL;
    OK(dxltie_config_new(&cfg));
    OK(dxltie_config_add_broker(cfg, line));
    OK(dxltie_client_new(cfg, &bare));
    CHECK(dxltie_client_connect(bare, 2000) == DXLTIE_E_TLS, "no certificates");
    OK(dxltie_client_free(bare));
    dxltie_config_free(cfg);

    dxltie_client_t *client = NULL;
    OK(dxltie_client_new(file_cfg, &client));
    dxltie_config_free(file_cfg); /* the client keeps its own copy */
    the_client = client;
    OK(dxltie_client_set_state_callback(client, on_state, &state_frees, count_state_free));
    CHECK(!dxltie_client_is_connected(client), "not yet connected");
    OK(dxltie_client_connect(client, 10000));
    CHECK(dxltie_client_is_connected(client), "connected");
    CHECK(wait_for(&state_connected, 1), "state callback");

    uint64_t ids[6];
    OK(dxltie_add_file_detection_callback(client, on_detection, &detections, count_free, &ids[0]));
    OK(dxltie_add_file_first_instance_callback(client, on_first_instance, NULL, count_free, &ids[1]));
    OK(dxltie_add_file_reputation_change_callback(client, on_reputation_change, NULL, count_free, &ids[2]));
    OK(dxltie_add_certificate_reputation_change_callback(client, on_reputation_change, NULL, count_free, &ids[3]));
    OK(dxltie_add_json_callback(client, DXLTIE_EVENT_KIND_FILE_DETECTION, on_json, NULL, count_free, &ids[4]));
    OK(dxltie_add_file_detection_callback(client, on_detection_remove_self, NULL, count_free, &self_removing_id));
    CHECK(dxltie_add_json_callback(client, 9, on_json, NULL, NULL, &ids[5]) == DXLTIE_E_INVALID_ARG, "bad kind");
    CHECK(dxltie_add_file_detection_callback(client, NULL, NULL, NULL, &ids[5]) == DXLTIE_E_NULL_ARG, "NULL fn");

    /* A set with this file name makes the responder publish one event of each kind. */
    OK(dxltie_set_file_reputation(client, DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, NOTEPAD, 3, "emit-events.exe", NULL, 5000));
    CHECK(wait_for(&detections, 1) && wait_for(&first_instances, 1) && wait_for(&file_changes, 1) &&
              wait_for(&cert_changes, 1) && wait_for(&json_events, 1) && wait_for(&self_removed_calls, 1),
          "every event kind delivered");
    CHECK(wait_for(&frees, 1), "the self-removed callback's free ran");

    /* Second round: the self-removed callback is not called again. */
    OK(dxltie_set_file_reputation(client, 85, NOTEPAD, 3, "emit-events.exe", "again", 5000));
    CHECK(wait_for(&detections, 2), "second detection");
    CHECK(self_removed_calls == 1, "removed callback called %d times", self_removed_calls);

    /* Sync requests, typed and JSON. */
    dxltie_reputations_t *reps = NULL;
    OK(dxltie_get_file_reputation(client, NOTEPAD, 3, 5000, &reps));
    CHECK(reps && reps->count == 2 && reps->items[1].provider_id == DXLTIE_FILE_PROVIDER_ENTERPRISE, "reputations");
    CHECK(reps && reps->items[1].attribute_count == 5 &&
              strcmp(reps->items[1].attributes[0].id, DXLTIE_FILE_ENTERPRISE_ATTRIB_PREVALENCE) == 0,
          "attributes");
    CHECK(dxltie_has_definitive_reputation(reps), "GTI 99 is definitive");
    dxltie_reputations_free(reps);
    char *json = NULL;
    OK(dxltie_get_file_reputation_json(client, NOTEPAD, 3, 5000, &json));
    CHECK(json && strncmp(json, "{\"1\": {", 7) == 0, "json %s", json ? json : "");
    dxltie_string_free(json);

    reps = (dxltie_reputations_t *)&failures; /* must stay untouched on failure */
    CHECK(dxltie_get_file_reputation(client, UNKNOWN_ZERO, 1, 5000, &reps) == DXLTIE_E_SERVICE_ERROR, "not found");
    CHECK(dxltie_last_service_error_code() == 0 && strcmp(dxltie_last_error_message(), "Could not find reputation") == 0,
          "service error detail");
    CHECK(reps == (dxltie_reputations_t *)&failures, "out-param untouched");
    CHECK(dxltie_get_file_reputation(client, BAD_HEX, 1, 5000, &reps) == DXLTIE_E_INVALID_ARG, "bad hex");
    CHECK(strstr(dxltie_last_error_message(), "Odd-length string") != NULL, "hex message");
    CHECK(dxltie_get_file_reputation(client, NULL, 3, 5000, &reps) == DXLTIE_E_NULL_ARG, "NULL hashes");
    CHECK(dxltie_get_file_reputation(NULL, NOTEPAD, 3, 5000, &reps) == DXLTIE_E_NULL_ARG, "NULL client");

    dxltie_first_references_t *refs = NULL;
    OK(dxltie_get_file_first_references(client, NOTEPAD, 3, 500, 5000, &refs));
    CHECK(refs && refs->count == 2 && refs->items[0].date == 1475873692, "first references");
    dxltie_first_references_free(refs);
    OK(dxltie_get_file_first_references_json(client, NOTEPAD, 3, 10, 5000, &json));
    CHECK(json && json[0] == '[', "agents json");
    dxltie_string_free(json);

    OK(dxltie_get_certificate_reputation(client, CERT_SHA1, CERT_PK, 5000, &reps));
    CHECK(reps && reps->count == 2 && reps->items[0].provider_id == DXLTIE_CERT_PROVIDER_GTI, "cert reputations");
    dxltie_reputations_free(reps);
    OK(dxltie_get_certificate_reputation_json(client, CERT_SHA1, NULL, 5000, &json));
    dxltie_string_free(json);
    OK(dxltie_set_certificate_reputation(client, 85, CERT_SHA1, CERT_PK, "comment", 5000));
    OK(dxltie_get_certificate_first_references(client, CERT_SHA1, NULL, 500, 5000, &refs));
    CHECK(refs && refs->count == 2, "cert first references");
    dxltie_first_references_free(refs);
    OK(dxltie_get_certificate_first_references_json(client, CERT_SHA1, CERT_PK, 500, 5000, &json));
    CHECK(json && strstr(json, "\"agentGuid\"") != NULL && json[0] == '[', "cert agents json");
    dxltie_string_free(json);

    /* External reputation: validated as Python does. */
    OK(dxltie_set_external_file_reputation(client, DXLTIE_TRUST_LEVEL_MIGHT_BE_TRUSTED, NOTEPAD, 3,
                                           DXLTIE_FILE_TYPE_PEEXE, "random.exe", "External Reputation set via OpenDXL"));
    CHECK(dxltie_set_external_file_reputation(client, 0, NOTEPAD, 3, 0, NULL, NULL) == DXLTIE_E_INVALID_ARG &&
              strcmp(dxltie_last_error_message(), "TrustLevel was not specified") == 0,
          "NOT_SET rejected");
    CHECK(dxltie_set_external_file_reputation(client, 99, NULL, 0, 0, NULL, NULL) == DXLTIE_E_INVALID_ARG &&
              strcmp(dxltie_last_error_message(), "File hashes were not specified") == 0,
          "no hashes");

    /* Asynchronous forms: each callback exactly once. */
    struct async_expect a_ok = {DXLTIE_OK, 0}, a_err = {DXLTIE_E_SERVICE_ERROR, 0}, a_set = {DXLTIE_OK, 0},
                        a_refs = {DXLTIE_OK, 0}, a_cert = {DXLTIE_OK, 0}, a_cset = {DXLTIE_OK, 0},
                        a_crefs = {DXLTIE_OK, 0};
    OK(dxltie_get_file_reputation_async(client, NOTEPAD, 3, 5000, on_async, &a_ok, NULL));
    OK(dxltie_get_file_reputation_async(client, UNKNOWN_ZERO, 1, 5000, on_async, &a_err, NULL));
    OK(dxltie_set_file_reputation_async(client, 85, NOTEPAD, 3, "x.exe", "c", 5000, on_async, &a_set, NULL));
    OK(dxltie_get_file_first_references_async(client, NOTEPAD, 3, 500, 5000, on_async, &a_refs, NULL));
    OK(dxltie_get_certificate_reputation_async(client, CERT_SHA1, CERT_PK, 5000, on_async, &a_cert, NULL));
    OK(dxltie_set_certificate_reputation_async(client, 85, CERT_SHA1, NULL, NULL, 5000, on_async, &a_cset, NULL));
    OK(dxltie_get_certificate_first_references_async(client, CERT_SHA1, CERT_PK, 500, 5000, on_async, &a_crefs, NULL));
    CHECK(dxltie_get_file_reputation_async(client, BAD_HEX, 1, 5000, on_async, &a_ok, count_free) ==
              DXLTIE_E_INVALID_ARG,
          "bad hex async: no callback, no free (checked by the final count)");
    CHECK(wait_for(&async_done, 7), "async callbacks");
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL);
    CHECK(a_ok.calls == 1 && a_err.calls == 1 && a_set.calls == 1 && a_refs.calls == 1 && a_cert.calls == 1 &&
              a_cset.calls == 1 && a_crefs.calls == 1 && async_done == 7,
          "exactly once (%d)", async_done);

    /* A sync request and a refused free, inside a callback. */
    uint64_t inside_id;
    OK(dxltie_add_file_first_instance_callback(client, on_first_instance_inside, NULL, NULL, &inside_id));
    OK(dxltie_set_file_reputation(client, 85, NOTEPAD, 3, "emit-events.exe", NULL, 5000));
    CHECK(wait_for(&inside_sync_ok, 1), "sync request inside a callback");
    CHECK(wait_for(&inside_free_refused, 1), "free inside a callback refused");

    /* Removal: once, then NOT_FOUND. */
    OK(dxltie_remove_callback(client, ids[4]));
    CHECK(dxltie_remove_callback(client, ids[4]) == DXLTIE_E_NOT_FOUND, "double remove");
    CHECK(dxltie_remove_callback(client, 424242) == DXLTIE_E_NOT_FOUND, "unknown id");

    dxltie_stats_t stats = dxltie_stats_init();
    OK(dxltie_client_stats(client, &stats));
    CHECK(stats.received > 0 && stats.delivered > 0 && stats.undecodable == 0 && stats.dropped == 0, "stats");
    CHECK(dxltie_client_stats(client, NULL) == DXLTIE_E_NULL_ARG, "NULL stats");

    CHECK(callback_thread_known && wrong_thread == 0, "callbacks on one dispatcher thread (%d wrong)", wrong_thread);
    OK(dxltie_client_disconnect(client));
    CHECK(!dxltie_client_is_connected(client), "disconnected");
    CHECK(dxltie_get_file_reputation(client, NOTEPAD, 3, 1000, &reps) == DXLTIE_E_NOT_CONNECTED, "use after disconnect");
    OK(dxltie_client_free(client));
    /* ids[0..3], ids[4], the self-removing one, and the state callback's user data. */
    CHECK(frees == 6, "every free_user_data ran once (%d)", frees);
    CHECK(state_frees == 1, "state callback freed");
    OK(dxltie_client_free(NULL));
    OK(dxltie_set_log_callback(NULL, NULL, DXLTIE_LOG_ERROR));

    printf("client_test: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
