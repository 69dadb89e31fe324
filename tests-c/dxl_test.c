/* The DXL surface of the C API (dxltie_dxl_*): services, requests, responses, error responses,
 * events and subscriptions between two clients, and every new function abused.
 *
 *   dxl_test nulls <dxlclient.config>            NULL and bad arguments, no connection needed
 *   dxl_test fabric <dxlclient.config> <0|1>     two clients; 1: the broker has a service
 *                                                registry (OpenDXL), 0: a plain MQTT broker
 *   dxl_test threads <dxlclient.config> <n> <k>  n threads making k rounds of every call at
 *                                                once on one client, then racing a disconnect
 *
 * Compiled as C11, as C++ and with AddressSanitizer; run by tests/c_dxl.rs on mosquitto and on
 * the OpenDXL broker, also under valgrind. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "counters.h"
#include "dxltie.h"

#define SERVICE_TYPE "/dxltie/test/service"
#define ECHO_TOPIC "/dxltie/test/svc/echo"
#define EVENT_FILTER "/dxltie/test/event/#"
#define EVENT_TOPIC "/dxltie/test/event/a"
#define NOBODY_TOPIC "/dxltie/test/nobody"

static int requests_seen, events_seen, async_done, frees, inside_sync_ok, request_had_field;
static int async_status = 1;
static char async_payload[64], event_payload[64], event_field[64], event_topic[128];
static int event_type = -1;
static char last_request_id[128];

static void count_free(void *user_data) {
    (void)user_data;
    bump(&frees);
}

static void copy_payload(char *out, size_t size, const dxltie_dxl_message_t *m) {
    size_t n = m->payload_len < size - 1 ? m->payload_len : size - 1;
    if (n) memcpy(out, m->payload, n);
    out[n] = '\0';
}

static dxltie_client_t *new_client(const char *config_path, const char *id) {
    dxltie_config_t *config = NULL;
    dxltie_client_t *client = NULL;
    OK(dxltie_config_from_file(config_path, &config));
    OK(dxltie_config_set_client_id(config, id));
    OK(dxltie_client_new(config, &client));
    dxltie_config_free(config);
    return client;
}

/* The service: "fail" gets an ErrorResponse 42, anything else "echo:<payload>". */
static void on_request(void *user_data, const dxltie_dxl_message_t *request) {
    dxltie_client_t *client = (dxltie_client_t *)user_data;
    char payload[64];
    size_t i;
    copy_payload(payload, sizeof payload, request);
    CHECK(request->message_type == DXLTIE_DXL_MESSAGE_TYPE_REQUEST, "type %d", request->message_type);
    CHECK(strcmp(request->topic, ECHO_TOPIC) == 0, "topic %s", request->topic);
    CHECK(request->reply_to_topic[0] != '\0', "no reply topic");
    CHECK(request->message_id[0] == '{', "message id %s", request->message_id);
    for (i = 0; i < request->other_field_count; i++) {
        if (strcmp(request->other_fields[i].key, "test-field") == 0 &&
            strcmp(request->other_fields[i].value, "42") == 0) {
            bump(&request_had_field);
        }
    }
    pthread_mutex_lock(&lock);
    snprintf(last_request_id, sizeof last_request_id, "%s", request->message_id);
    pthread_mutex_unlock(&lock);
    if (strcmp(payload, "fail") == 0) {
        OK(dxltie_dxl_respond_error(client, request, 42, "asked to fail"));
    } else {
        char answer[80];
        snprintf(answer, sizeof answer, "echo:%s", payload);
        OK(dxltie_dxl_respond(client, request, (const uint8_t *)answer, strlen(answer)));
    }
    bump(&requests_seen);
}

static void on_async(void *user_data, dxltie_result_t status, const char *error_message,
                     const dxltie_dxl_message_t *response) {
    (void)user_data;
    (void)error_message;
    pthread_mutex_lock(&lock);
    async_status = status;
    if (response) copy_payload(async_payload, sizeof async_payload, response);
    pthread_mutex_unlock(&lock);
    bump(&async_done);
}

static dxltie_client_t *the_caller;

static void on_event(void *user_data, const dxltie_dxl_message_t *event) {
    size_t i;
    (void)user_data;
    pthread_mutex_lock(&lock);
    copy_payload(event_payload, sizeof event_payload, event);
    snprintf(event_topic, sizeof event_topic, "%s", event->topic);
    event_type = event->message_type;
    for (i = 0; i < event->other_field_count; i++) {
        if (strcmp(event->other_fields[i].key, "origin") == 0) {
            snprintf(event_field, sizeof event_field, "%s", event->other_fields[i].value);
        }
    }
    pthread_mutex_unlock(&lock);
    /* A synchronous request inside a callback works: the answer is matched on the network
     * thread. */
    {
        dxltie_dxl_message_t request = dxltie_dxl_message_init();
        dxltie_dxl_message_t *response = NULL;
        request.topic = ECHO_TOPIC;
        request.payload = (const uint8_t *)"inside";
        request.payload_len = 6;
        if (dxltie_dxl_sync_request(the_caller, &request, 10000, &response) == DXLTIE_OK &&
            response->payload_len == 11 && memcmp(response->payload, "echo:inside", 11) == 0) {
            bump(&inside_sync_ok);
        }
        dxltie_dxl_message_free(response);
    }
    bump(&events_seen);
}

static dxltie_dxl_message_t request_to(const char *topic, const char *payload) {
    dxltie_dxl_message_t m = dxltie_dxl_message_init();
    m.topic = topic;
    m.payload = (const uint8_t *)payload;
    m.payload_len = strlen(payload);
    return m;
}

static int fabric(const char *config_path, int registry) {
    char id[64];
    dxltie_client_t *provider, *caller;
    dxltie_dxl_service_t service = dxltie_dxl_service_init();
    const char *topics[] = {ECHO_TOPIC};
    dxltie_dxl_field_t metadata[] = {{"owner", "dxl_test"}};
    char *service_id = NULL, *json = NULL;
    dxltie_dxl_message_t request, *response = NULL;
    dxltie_dxl_field_t request_fields[] = {{"test-field", "42"}};
    uint64_t event_id = 0;
    dxltie_result_t rc;

    snprintf(id, sizeof id, "dxl-test-provider-%d", (int)getpid());
    provider = new_client(config_path, id);
    snprintf(id, sizeof id, "dxl-test-caller-%d", (int)getpid());
    caller = the_caller = new_client(config_path, id);
    OK(dxltie_client_connect(provider, 20000));
    OK(dxltie_client_connect(caller, 20000));

    /* The service, registered with the registry where there is one. */
    service.service_type = SERVICE_TYPE;
    service.topics = topics;
    service.topic_count = 1;
    service.metadata = metadata;
    service.metadata_count = 1;
    service.ttl_minutes = 5;
    OK(dxltie_dxl_register_service(provider, &service, on_request, provider, count_free, &service_id));
    CHECK(service_id && service_id[0] == '{', "service id %s", service_id ? service_id : "(null)");
    rc = dxltie_dxl_wait_service_registered(provider, service_id, registry ? 20000 : 300);
    CHECK(rc == (registry ? DXLTIE_OK : DXLTIE_E_TIMEOUT), "wait registered: %s", code_name(rc));
    CHECK(dxltie_dxl_wait_service_registered(provider, "{no-such-service}", 100) == DXLTIE_E_NOT_FOUND,
          "unknown service id");
    OK(dxltie_dxl_subscriptions(provider, &json));
    CHECK(json && strstr(json, ECHO_TOPIC) != NULL, "subscriptions %s", json ? json : "(null)");
    dxltie_string_free(json);
    json = NULL;
    OK(dxltie_dxl_current_broker(caller, &json));
    CHECK(json && strstr(json, "\"port\"") != NULL, "current broker %s", json ? json : "(null)");
    dxltie_string_free(json);
    json = NULL;

    /* A synchronous request and its response, with an other field and our own message id. */
    request = request_to(ECHO_TOPIC, "hello");
    request.message_id = "{00000000-1111-2222-3333-444444444444}";
    request.other_fields = request_fields;
    request.other_field_count = 1;
    rc = dxltie_dxl_sync_request(caller, &request, 20000, &response);
    CHECK(rc == DXLTIE_OK, "sync request: %s", code_name(rc));
    if (rc == DXLTIE_OK) {
        CHECK(response->message_type == DXLTIE_DXL_MESSAGE_TYPE_RESPONSE, "type %d", response->message_type);
        CHECK(response->payload_len == 10 && memcmp(response->payload, "echo:hello", 10) == 0, "payload");
        CHECK(strcmp(response->request_message_id, request.message_id) == 0, "request message id %s",
              response->request_message_id);
        /* The registry names the instance in the request it routes; a plain broker does not. */
        CHECK(strcmp(response->service_id, registry ? service_id : "") == 0, "service id %s", response->service_id);
        CHECK(response->error_code == 0 && response->error_message[0] == '\0', "no error");
        say("response from %s via %s", response->source_client_id, response->source_broker_id);
    }
    dxltie_dxl_message_free(response);
    response = NULL;
    CHECK(request_had_field == 1, "the service saw the other field");

    /* An ErrorResponse: the code and message, and the message itself. */
    request = request_to(ECHO_TOPIC, "fail");
    rc = dxltie_dxl_sync_request(caller, &request, 20000, &response);
    CHECK(rc == DXLTIE_E_SERVICE_ERROR, "error request: %s", code_name(rc));
    CHECK(dxltie_last_service_error_code() == 42, "code %u", dxltie_last_service_error_code());
    CHECK(strcmp(dxltie_last_error_message(), "asked to fail") == 0, "message %s", dxltie_last_error_message());
    CHECK(response != NULL && response->message_type == DXLTIE_DXL_MESSAGE_TYPE_ERROR_RESPONSE &&
              response->error_code == 42 && strcmp(response->error_message, "asked to fail") == 0,
          "the ErrorResponse itself");
    dxltie_dxl_message_free(response);
    response = NULL;

    /* Asynchronous. */
    request = request_to(ECHO_TOPIC, "async");
    OK(dxltie_dxl_async_request(caller, &request, 20000, on_async, NULL, count_free));
    CHECK(wait_for(&async_done, 1), "async callback");
    CHECK(async_status == DXLTIE_OK && strcmp(async_payload, "echo:async") == 0, "async: %s %s",
          code_name(async_status), async_payload);

    /* Nobody serves the topic: the registry says so with 0x80000001; a plain broker says
     * nothing. */
    request = request_to(NOBODY_TOPIC, "x");
    rc = dxltie_dxl_sync_request(caller, &request, registry ? 20000 : 500, &response);
    if (registry) {
        CHECK(rc == DXLTIE_E_SERVICE_ERROR && dxltie_last_service_error_code() == DXLTIE_DXL_SERVICE_UNAVAILABLE,
              "nobody: %s 0x%08x", code_name(rc), dxltie_last_service_error_code());
        say("no service: 0x%08x %s", dxltie_last_service_error_code(), dxltie_last_error_message());
    } else {
        CHECK(rc == DXLTIE_E_TIMEOUT && response == NULL, "nobody: %s", code_name(rc));
    }
    dxltie_dxl_message_free(response);
    response = NULL;

    /* Events under a wildcard subscription, with a synchronous request inside the callback. */
    OK(dxltie_dxl_add_event_callback(caller, EVENT_FILTER, true, on_event, NULL, count_free, &event_id));
    {
        dxltie_dxl_message_t event = dxltie_dxl_message_init();
        dxltie_dxl_field_t fields[] = {{"origin", "provider"}};
        event.topic = EVENT_TOPIC;
        event.payload = (const uint8_t *)"ev1";
        event.payload_len = 3;
        event.other_fields = fields;
        event.other_field_count = 1;
        OK(dxltie_dxl_send_event(provider, &event));
    }
    CHECK(wait_for(&events_seen, 1), "event received");
    pthread_mutex_lock(&lock);
    CHECK(strcmp(event_payload, "ev1") == 0 && strcmp(event_topic, EVENT_TOPIC) == 0 &&
              strcmp(event_field, "provider") == 0 && event_type == DXLTIE_DXL_MESSAGE_TYPE_EVENT,
          "event %s %s %s %d", event_payload, event_topic, event_field, event_type);
    pthread_mutex_unlock(&lock);
    CHECK(inside_sync_ok == 1, "sync request inside the event callback");
    OK(dxltie_dxl_remove_callback(caller, event_id, true));
    CHECK(dxltie_dxl_remove_callback(caller, event_id, true) == DXLTIE_E_NOT_FOUND, "second removal");
    /* free_user_data runs after the last call, on the dispatcher once it lets go of the
     * registration: soon after the removal returns, not necessarily before. */
    CHECK(wait_for(&frees, 2), "free_user_data of the async request and the event callback: %d", frees);
    OK(dxltie_dxl_subscriptions(caller, &json));
    CHECK(json && strstr(json, EVENT_FILTER) == NULL, "unsubscribed: %s", json ? json : "(null)");
    dxltie_string_free(json);

    /* Unregister: the registry acknowledges; afterwards nobody serves the topic. */
    rc = dxltie_dxl_unregister_service(provider, service_id, registry ? 20000 : 0);
    CHECK(rc == DXLTIE_OK, "unregister: %s", code_name(rc));
    CHECK(wait_for(&frees, 3), "the service's free_user_data ran: %d", frees);
    CHECK(dxltie_dxl_unregister_service(provider, service_id, 0) == DXLTIE_E_NOT_FOUND, "second unregister");
    if (registry) {
        request = request_to(ECHO_TOPIC, "gone");
        rc = dxltie_dxl_sync_request(caller, &request, 20000, &response);
        CHECK(rc == DXLTIE_E_SERVICE_ERROR && dxltie_last_service_error_code() == DXLTIE_DXL_SERVICE_UNAVAILABLE,
              "after unregister: %s 0x%08x", code_name(rc), dxltie_last_service_error_code());
        dxltie_dxl_message_free(response);
    }
    dxltie_string_free(service_id);
    OK(dxltie_client_free(caller));
    OK(dxltie_client_free(provider));
    say("requests served: %d", requests_seen);
    return 0;
}

static void never_called(void *user_data, const dxltie_dxl_message_t *message) {
    (void)user_data;
    (void)message;
    CHECK(0, "a refused registration's callback ran");
}

static void never_called_async(void *user_data, dxltie_result_t status, const char *error_message,
                               const dxltie_dxl_message_t *response) {
    (void)user_data;
    (void)status;
    (void)error_message;
    (void)response;
    CHECK(0, "a refused request's callback ran");
}

#define EXPECT(call, code) CHECK((call) == (code), "%s: expected %s", #call, #code)

static int nulls(const char *config_path) {
    dxltie_client_t *client = new_client(config_path, "dxl-test-nulls");
    dxltie_dxl_message_t m = request_to(ECHO_TOPIC, "x"), bad, *response = NULL;
    dxltie_dxl_service_t service = dxltie_dxl_service_init();
    const char *topics[] = {ECHO_TOPIC};
    const char *null_topics[] = {NULL};
    char *out = NULL;
    uint64_t id = 0;

    /* NULL client. */
    EXPECT(dxltie_dxl_add_event_callback(NULL, "t", true, never_called, NULL, count_free, &id), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_add_request_callback(NULL, "t", never_called, NULL, count_free, &id), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_add_response_callback(NULL, "t", never_called, NULL, count_free, &id), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_remove_callback(NULL, 1, true), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_subscribe(NULL, "t"), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_unsubscribe(NULL, "t"), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_subscriptions(NULL, &out), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_send_event(NULL, &m), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_current_broker(NULL, &out), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_sync_request(NULL, &m, 100, &response), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_async_request(NULL, &m, 100, never_called_async, NULL, count_free), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_send_response(NULL, &m), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_respond(NULL, &m, NULL, 0), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_respond_error(NULL, &m, 1, "x"), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_register_service(NULL, &service, never_called, NULL, count_free, &out), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_wait_service_registered(NULL, "{x}", 10), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_unregister_service(NULL, "{x}", 0), DXLTIE_E_NULL_ARG);

    /* NULL arguments after the client. */
    EXPECT(dxltie_dxl_add_event_callback(client, "t", true, NULL, NULL, count_free, &id), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_add_event_callback(client, "t", true, never_called, NULL, count_free, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_add_request_callback(client, "t", NULL, NULL, count_free, &id), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_add_response_callback(client, "t", never_called, NULL, count_free, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_subscribe(client, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_subscribe(client, ""), DXLTIE_E_INVALID_ARG);
    EXPECT(dxltie_dxl_unsubscribe(client, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_subscriptions(client, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_send_event(client, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_current_broker(client, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_current_broker(client, &out), DXLTIE_E_NOT_CONNECTED);
    EXPECT(dxltie_dxl_sync_request(client, NULL, 100, &response), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_sync_request(client, &m, 100, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_async_request(client, NULL, 100, never_called_async, NULL, count_free), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_async_request(client, &m, 100, NULL, NULL, count_free), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_send_response(client, NULL), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_respond(client, NULL, NULL, 0), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_respond_error(client, NULL, 1, "x"), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_register_service(client, NULL, never_called, NULL, count_free, &out), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_register_service(client, &service, NULL, NULL, count_free, &out), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_wait_service_registered(client, NULL, 10), DXLTIE_E_NULL_ARG);
    EXPECT(dxltie_dxl_unregister_service(client, NULL, 0), DXLTIE_E_NULL_ARG);
    CHECK(out == NULL && response == NULL && id == 0, "out-parameters untouched");

    /* Bad messages. */
    bad = m;
    bad.struct_size = 0;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_INVALID_ARG);
    bad.struct_size = (size_t)-1; /* garbage, not trusted */
    EXPECT(dxltie_dxl_sync_request(client, &bad, 100, &response), DXLTIE_E_INVALID_ARG);
    bad = m;
    bad.topic = NULL;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_INVALID_ARG);
    bad = m;
    bad.payload = NULL;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_NULL_ARG);
    /* Lengths and counts no message can carry are refused before anything is read: the
     * library used to copy a payload of any length first (an abort or a read far past the
     * buffer), and to read any number of array entries. */
    bad = m;
    bad.payload_len = (size_t)-1;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_INVALID_ARG);
    bad.payload_len = (size_t)3 * 1024 * 1024;
    EXPECT(dxltie_dxl_sync_request(client, &bad, 100, &response), DXLTIE_E_INVALID_ARG);
    bad = m;
    bad.client_ids = null_topics;
    bad.client_id_count = (size_t)1 << 40;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_INVALID_ARG);
    bad = m;
    bad.other_field_count = (size_t)1 << 40;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_INVALID_ARG);
    bad = m;
    bad.client_id_count = 2;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_NULL_ARG);
    bad = m;
    bad.broker_ids = null_topics;
    bad.broker_id_count = 1;
    EXPECT(dxltie_dxl_send_event(client, &bad), DXLTIE_E_NULL_ARG);
    bad = m;
    bad.other_field_count = 1;
    EXPECT(dxltie_dxl_async_request(client, &bad, 100, never_called_async, NULL, count_free), DXLTIE_E_NULL_ARG);
    bad = m;
    bad.message_type = 7;
    EXPECT(dxltie_dxl_send_response(client, &bad), DXLTIE_E_INVALID_ARG);
    bad.message_type = DXLTIE_DXL_MESSAGE_TYPE_EVENT;
    EXPECT(dxltie_dxl_send_response(client, &bad), DXLTIE_E_INVALID_ARG);
    /* Not a received request: no reply topic. */
    EXPECT(dxltie_dxl_respond(client, &m, NULL, 0), DXLTIE_E_INVALID_ARG);
    bad = m;
    bad.reply_to_topic = "/mcafee/client/x";
    EXPECT(dxltie_dxl_respond(client, &bad, NULL, 3), DXLTIE_E_NULL_ARG);

    /* Not connected. */
    EXPECT(dxltie_dxl_send_event(client, &m), DXLTIE_E_NOT_CONNECTED);
    EXPECT(dxltie_dxl_sync_request(client, &m, 100, &response), DXLTIE_E_NOT_CONNECTED);
    EXPECT(dxltie_dxl_async_request(client, &m, 100, never_called_async, NULL, count_free), DXLTIE_E_NOT_CONNECTED);
    EXPECT(dxltie_dxl_respond(client, &bad, NULL, 0), DXLTIE_E_NOT_CONNECTED);
    EXPECT(dxltie_dxl_respond_error(client, &bad, 1, NULL), DXLTIE_E_NOT_CONNECTED);

    /* Bad services; a refused registration keeps the caller's data. */
    EXPECT(dxltie_dxl_register_service(client, &service, never_called, NULL, count_free, &out), DXLTIE_E_INVALID_ARG);
    service.service_type = SERVICE_TYPE;
    EXPECT(dxltie_dxl_register_service(client, &service, never_called, NULL, count_free, &out), DXLTIE_E_INVALID_ARG);
    service.topics = null_topics;
    service.topic_count = 1;
    EXPECT(dxltie_dxl_register_service(client, &service, never_called, NULL, count_free, &out), DXLTIE_E_NULL_ARG);
    service.topics = NULL;
    EXPECT(dxltie_dxl_register_service(client, &service, never_called, NULL, count_free, &out), DXLTIE_E_NULL_ARG);
    service.topics = topics;
    service.struct_size = 3;
    EXPECT(dxltie_dxl_register_service(client, &service, never_called, NULL, count_free, &out), DXLTIE_E_INVALID_ARG);
    CHECK(frees == 0 && out == NULL, "refused registrations freed nothing, wrote nothing");

    /* Registered while disconnected, then unregistered; the id may be left out. */
    service.struct_size = sizeof service;
    service.service_id = "{dxl-test-service}";
    OK(dxltie_dxl_register_service(client, &service, never_called, NULL, count_free, NULL));
    EXPECT(dxltie_dxl_register_service(client, &service, never_called, NULL, count_free, NULL), DXLTIE_E_INVALID_ARG);
    /* Disconnected: no acknowledgement can come (a wait also ends at a disconnect). */
    EXPECT(dxltie_dxl_wait_service_registered(client, "{dxl-test-service}", 50), DXLTIE_E_NOT_CONNECTED);
    OK(dxltie_dxl_unregister_service(client, "{dxl-test-service}", 1000));
    CHECK(frees == 1, "the unregistered service's data freed once: %d", frees);
    EXPECT(dxltie_dxl_unregister_service(client, "{dxl-test-service}", 0), DXLTIE_E_NOT_FOUND);

    /* Callbacks while disconnected: recorded; removal of unknown ids. */
    OK(dxltie_dxl_add_event_callback(client, NULL, false, never_called, NULL, count_free, &id));
    OK(dxltie_dxl_remove_callback(client, id, true));
    EXPECT(dxltie_dxl_remove_callback(client, id, true), DXLTIE_E_NOT_FOUND);
    EXPECT(dxltie_dxl_remove_callback(client, 0xFFFFFFFFFFull, false), DXLTIE_E_NOT_FOUND);
    OK(dxltie_dxl_subscribe(client, "/dxltie/test/recorded"));
    OK(dxltie_dxl_subscriptions(client, &out));
    CHECK(out && strcmp(out, "[\"/dxltie/test/recorded\"]") == 0, "%s", out ? out : "(null)");
    dxltie_string_free(out);
    OK(dxltie_dxl_unsubscribe(client, "/dxltie/test/recorded"));
    OK(dxltie_dxl_unsubscribe(client, "/dxltie/test/never"));
    CHECK(frees == 2, "frees %d", frees);

    /* Freeing what was never handed out, or NULL: refused or ignored, no crash. */
    dxltie_dxl_message_free(NULL);
    dxltie_dxl_message_free(&m);

    /* After the client is freed, its handle is refused. */
    OK(dxltie_client_free(client));
    EXPECT(dxltie_dxl_send_event(client, &m), DXLTIE_E_INVALID_ARG);
    return 0;
}

/* ---- many threads at once ----------------------------------------------------------------- */

static int thread_iterations;
static int async_fired;
static dxltie_client_t *shared_caller;
static volatile int racing; /* set once the disconnect race has begun: failures are expected */

static void count_async(void *user_data, dxltie_result_t status, const char *error_message,
                        const dxltie_dxl_message_t *response) {
    int during_race;
    (void)user_data;
    (void)error_message;
    /* Read under the lock the main thread writes it under: the only ordering between them that
     * helgrind can see (the library's own locks are futexes, invisible to it). */
    pthread_mutex_lock(&lock);
    during_race = racing;
    pthread_mutex_unlock(&lock);
    CHECK(during_race || (status == DXLTIE_OK && response != NULL), "async status %s", code_name(status));
    bump(&async_fired);
}

static void ignore_event(void *user_data, const dxltie_dxl_message_t *event) {
    (void)user_data;
    CHECK(event->message_type == DXLTIE_DXL_MESSAGE_TYPE_EVENT, "type %d", event->message_type);
}

static void *worker(void *arg) {
    long me = (long)arg;
    int i;
    char topic[96], payload[32];
    for (i = 0; i < thread_iterations; i++) {
        dxltie_dxl_message_t request = request_to(ECHO_TOPIC, "x"), *response = NULL;
        dxltie_result_t rc;
        uint64_t id = 0;
        char *json = NULL;
        snprintf(payload, sizeof payload, "t%ld-%d", me, i);
        request.payload = (const uint8_t *)payload;
        request.payload_len = strlen(payload);
        rc = dxltie_dxl_sync_request(shared_caller, &request, 20000, &response);
        if (rc == DXLTIE_OK) {
            CHECK(response->payload_len == strlen(payload) + 5 &&
                      memcmp(response->payload + 5, payload, strlen(payload)) == 0,
                  "answer to %s", payload);
        } else {
            CHECK(racing, "sync request: %s", code_name(rc));
        }
        dxltie_dxl_message_free(response);
        rc = dxltie_dxl_async_request(shared_caller, &request, 20000, count_async, NULL, NULL);
        CHECK(rc == DXLTIE_OK || racing, "async request: %s", code_name(rc));
        snprintf(topic, sizeof topic, "/dxltie/test/threads/%ld/#", me);
        rc = dxltie_dxl_add_event_callback(shared_caller, topic, true, ignore_event, NULL, NULL, &id);
        CHECK(rc == DXLTIE_OK || racing, "add event callback: %s", code_name(rc));
        {
            dxltie_dxl_message_t event = request_to("/dxltie/test/threads/x", "e");
            snprintf(topic, sizeof topic, "/dxltie/test/threads/%ld/e", me);
            event.topic = topic;
            rc = dxltie_dxl_send_event(shared_caller, &event);
            CHECK(rc == DXLTIE_OK || racing, "send event: %s", code_name(rc));
        }
        if (id) {
            rc = dxltie_dxl_remove_callback(shared_caller, id, true);
            CHECK(rc == DXLTIE_OK || racing, "remove callback: %s", code_name(rc));
        }
        if (dxltie_dxl_subscriptions(shared_caller, &json) == DXLTIE_OK) dxltie_string_free(json);
        json = NULL;
        if (dxltie_dxl_current_broker(shared_caller, &json) == DXLTIE_OK) dxltie_string_free(json);
    }
    return NULL;
}

static int threads(const char *config_path, int count, int iterations) {
    char id[64];
    dxltie_client_t *provider;
    dxltie_dxl_service_t service = dxltie_dxl_service_init();
    const char *topics[] = {ECHO_TOPIC};
    pthread_t workers[64];
    long i;
    if (count > 64) count = 64;
    thread_iterations = iterations;
    snprintf(id, sizeof id, "dxl-threads-provider-%d", (int)getpid());
    provider = new_client(config_path, id);
    snprintf(id, sizeof id, "dxl-threads-caller-%d", (int)getpid());
    shared_caller = new_client(config_path, id);
    OK(dxltie_client_connect(provider, 20000));
    OK(dxltie_client_connect(shared_caller, 20000));
    service.service_type = SERVICE_TYPE;
    service.topics = topics;
    service.topic_count = 1;
    OK(dxltie_dxl_register_service(provider, &service, on_request, provider, NULL, NULL));

    /* Everything at once. */
    for (i = 0; i < count; i++) pthread_create(&workers[i], NULL, worker, (void *)i);
    for (i = 0; i < count; i++) pthread_join(workers[i], NULL);
    CHECK(wait_for(&async_fired, count * iterations), "async callbacks: %d of %d", async_fired, count * iterations);

    /* Again, racing a disconnect and then the free: every call returns, with OK or a clear
     * failure, and every asynchronous callback still fires exactly once. */
    pthread_mutex_lock(&lock);
    racing = 1;
    async_fired = 0;
    pthread_mutex_unlock(&lock);
    for (i = 0; i < count; i++) pthread_create(&workers[i], NULL, worker, (void *)i);
    OK(dxltie_client_disconnect(shared_caller));
    for (i = 0; i < count; i++) pthread_join(workers[i], NULL);
    OK(dxltie_client_free(shared_caller));
    OK(dxltie_client_free(provider));
    say("async callbacks during the race: %d", async_fired);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "nulls") == 0) {
        nulls(argv[2]);
    } else if (argc >= 5 && strcmp(argv[1], "threads") == 0) {
        threads(argv[2], atoi(argv[3]), atoi(argv[4]));
    } else if (argc >= 4 && strcmp(argv[1], "fabric") == 0) {
        fabric(argv[2], atoi(argv[3]));
    } else {
        fprintf(stderr, "usage: dxl_test nulls <config> | fabric <config> <0|1> | threads <config> <n> <k>\n");
        return 2;
    }
    say("dxl_test: %d failed", failures);
    return failures ? 1 : 0;
}
