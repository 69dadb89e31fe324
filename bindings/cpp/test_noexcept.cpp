// The C++ wrapper without exceptions: built with -fno-exceptions -fno-rtti (bindings/cpp/Makefile),
// it uses only the error-returning form (try_*, dxltie::Status, dxltie::Result) against a broker
// and the binding tests' TIE responder (bindings/python/tests/tie_responder.py). Run by
// bindings/python/tests/test_cpp.py; prints "OK" and exits 0 when every check holds.
//
// Usage: test_noexcept <dxlclient.config>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "dxltie.hpp"
#include "test_support.hpp"

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#error "test_noexcept must be built with -fno-exceptions"
#endif
#if defined(__GXX_RTTI) || defined(__cpp_rtti)
#error "test_noexcept must be built with -fno-rtti"
#endif
static_assert(DXLTIE_HPP_EXCEPTIONS == 0, "exceptions off: the throwing form must not be declared");

// ---- the throwing form is not declared ------------------------------------------------------

#define DXLTIE_TEST_HAS(name, expression)                                             \
    template <typename T, typename = void>                                            \
    struct name : std::false_type {};                                                 \
    template <typename T>                                                             \
    struct name<T, std::void_t<decltype(expression)>> : std::true_type {};

struct Sink {
    void operator()(dxltie::Response) const {}
};

DXLTIE_TEST_HAS(has_connect, std::declval<T&>().connect())
DXLTIE_TEST_HAS(has_try_connect, std::declval<T&>().try_connect())
DXLTIE_TEST_HAS(has_get_file_reputation, std::declval<T&>().get_file_reputation(dxltie::Hashes{}))
DXLTIE_TEST_HAS(has_get_file_reputation_async,
                std::declval<T&>().get_file_reputation_async(dxltie::Hashes{}, Sink{}))
DXLTIE_TEST_HAS(has_try_get_file_reputation_async,
                std::declval<T&>().try_get_file_reputation_async(dxltie::Hashes{}, Sink{}))
DXLTIE_TEST_HAS(has_on_file_detection, std::declval<T&>().on_file_detection(nullptr))
DXLTIE_TEST_HAS(has_add_broker, std::declval<T&>().add_broker(std::string()))
DXLTIE_TEST_HAS(has_from_file, T::from_file(std::string()))
DXLTIE_TEST_HAS(has_try_from_file, T::try_from_file(std::string()))

static_assert(!has_connect<dxltie::Client>::value && has_try_connect<dxltie::Client>::value);
static_assert(!has_get_file_reputation<dxltie::Client>::value);
static_assert(!has_get_file_reputation_async<dxltie::Client>::value &&
              has_try_get_file_reputation_async<dxltie::Client>::value);
static_assert(!has_on_file_detection<dxltie::Client>::value);
static_assert(!has_add_broker<dxltie::Config>::value);
static_assert(!has_from_file<dxltie::Config>::value && has_try_from_file<dxltie::Config>::value);
static_assert(!std::is_default_constructible_v<dxltie::Config>);
static_assert(!std::is_constructible_v<dxltie::Client, const dxltie::Config&>);
static_assert(std::is_move_constructible_v<dxltie::Result<dxltie::Client>>);

namespace {

using namespace test;

/// Result<T>::value() of a failure aborts with the status on stderr (checked in a child, before
/// the program has any library thread).
void value_of_a_failure_aborts() {
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    std::fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
        dup2(pipe_fds[1], 2);
        dxltie::Result<int> failed(dxltie::Status(DXLTIE_E_TIMEOUT, "no answer"));
        (void)failed.value();
        _exit(0);  // not reached
    }
    close(pipe_fds[1]);
    std::string err;
    char buffer[512];
    ssize_t n;
    while ((n = read(pipe_fds[0], buffer, sizeof buffer)) > 0) err.append(buffer, static_cast<size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(contains(err, "value() of a failed dxltie::Result") && contains(err, "no answer"));
}

void status_and_result() {
    dxltie::Status ok;
    CHECK(ok.ok() && ok && ok.code() == DXLTIE_OK && ok.message().empty());
    dxltie::Status service(DXLTIE_E_SERVICE_ERROR, "unable to locate service for request", 0x80000001u);
    CHECK(!service && service.is_service_error() && service.signed_service_error_code() == -2147483647);
    CHECK(service.to_string() == "Error: unable to locate service for request (-2147483647)");
    dxltie::Status timeout(DXLTIE_E_TIMEOUT, "late");
    CHECK(timeout.is_timeout() && timeout.to_string() == std::string(timeout.code_text()) + ": late");
    dxltie::Result<std::string> value(std::string("v"));
    CHECK(value && value.value() == "v" && *value == "v" && value->size() == 1 && value.value_or("w") == "v");
    dxltie::Result<std::string> failed(timeout);
    CHECK(!failed && failed.code() == DXLTIE_E_TIMEOUT && failed.message() == "late" && failed.value_or("w") == "w");
    dxltie::Result<int> no_value{dxltie::Status()};  // a success Status cannot stand for a value
    CHECK(!no_value && no_value.code() == DXLTIE_E_PANIC);
    dxltie::Result<std::unique_ptr<int>> move_only(std::make_unique<int>(3));
    std::unique_ptr<int> taken = std::move(move_only).value();
    CHECK(taken && *taken == 3);
}

void helpers() {
    CHECK(dxltie::try_to_version("73183493944770750").value_or({}).to_string() == "1.4.0.190");
    CHECK(dxltie::try_to_version("x").code() == DXLTIE_E_INVALID_ARG);
    auto aggregate = dxltie::try_to_aggregate("AgBkADIAZABMHQ==");
    CHECK(aggregate && aggregate->file_count == 2 && aggregate->max_trust_level == 100 &&
          aggregate->average_trust_level == 75.0);
    CHECK(dxltie::try_to_aggregate("AA==").code() == DXLTIE_E_INVALID_ARG);
    CHECK(dxltie::try_json_pretty("{\"b\":1,\"a\":[1]}").value_or("") ==
          "{\n    \"a\": [\n        1\n    ],\n    \"b\": 1\n}");
    CHECK(dxltie::try_json_pretty("not json").code() == DXLTIE_E_INVALID_ARG);
    CHECK(!dxltie::try_to_localtime_string(1476902802).value_or("").empty());
    CHECK(dxltie::is_valid_trust_level(85) && !dxltie::is_valid_trust_level(42));
    CHECK(dxltie::is_valid_file_type(DXLTIE_FILE_TYPE_JAR) && !dxltie::is_valid_file_type(3));
    CHECK(starts_with(dxltie::version(), "dxltie ") && dxltie::version_major() == DXLTIE_VERSION_MAJOR &&
          dxltie::version_minor() >= DXLTIE_VERSION_MINOR);
    (void)dxltie::version_patch();
    dxltie::Reputation gti;
    gti.provider_id = DXLTIE_FILE_PROVIDER_GTI;
    gti.trust_level = DXLTIE_TRUST_LEVEL_KNOWN_MALICIOUS;
    CHECK(dxltie::has_definitive_reputation({gti}) && !dxltie::has_definitive_reputation({}));
}

void config(const std::string& path) {
    auto from_file = dxltie::Config::try_from_file(path);
    CHECK(from_file.ok());
    if (from_file) {
        auto brokers = from_file->try_brokers();
        CHECK(brokers && brokers->size() == 1 && (*brokers)[0].unique_id == "local" &&
              (*brokers)[0].host_name == "localhost" && (*brokers)[0].ip_address == std::string("127.0.0.1"));
    }
    auto missing = dxltie::Config::try_from_file("/nonexistent/dxlclient.config");
    CHECK(missing.code() == DXLTIE_E_IO && contains(missing.message(), "/nonexistent/dxlclient.config"));
    auto empty = dxltie::Config::try_create();
    CHECK(empty.ok());
    if (!empty) return;
    CHECK(empty->try_set_client_id("cpp-noexcept").ok() && empty->client_id() == "cpp-noexcept");
    CHECK(empty->try_add_broker("ssl://127.0.0.1:1").ok() && empty->try_set_connect_retries(1).ok());
    CHECK(empty->try_brokers().value_or({}).size() == 1 && !empty->use_websockets());
    CHECK(empty->try_add_broker("abc;def").code() == DXLTIE_E_INVALID_ARG);
    CHECK(empty->try_set_queue(100, true).ok());
    CHECK(empty->try_set_reconnect_back_off(std::chrono::milliseconds(100), 2, std::chrono::seconds(1), 0.1).ok());
    // Values the C API cannot hold are refused, never truncated.
    dxltie::Status s = empty->try_set_keep_alive(std::chrono::seconds(4294967296LL + 5));
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && contains(s.message(), "out of range"));
    s = empty->try_set_reconnect_back_off(std::chrono::milliseconds(-1), 2, std::chrono::seconds(1), 0.1);
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && contains(s.message(), "initial delay ms"));
    s = empty->try_set_keep_alive(std::chrono::seconds(65536));
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && contains(s.message(), "65535"));
    CHECK(empty->try_set_keep_alive(std::chrono::seconds(65535)).ok());
    // A client that cannot connect (nothing listens on port 1).
    auto client = dxltie::Client::try_create(*empty);
    CHECK(client.ok());
    if (client) {
        s = client->try_connect(std::chrono::milliseconds(500));
        CHECK(!s && (s.code() == DXLTIE_E_CONNECT || s.code() == DXLTIE_E_TLS || s.code() == DXLTIE_E_CONFIG));
    }
}

void requests(dxltie::Client& client) {
    auto reps = client.try_get_file_reputation(notepad);
    CHECK(reps && reps->size() == 2 && (*reps)[0].provider_id == DXLTIE_FILE_PROVIDER_GTI &&
          (*reps)[0].trust_level == 99);
    CHECK(reps && dxltie::has_definitive_reputation(*reps));
    auto json = client.try_get_file_reputation_json(notepad);
    CHECK(json && contains(*json, "\"1\"") && contains(*json, "\"3\""));
    auto refs = client.try_get_file_first_references(notepad);
    CHECK(refs && refs->size() == 2 && (*refs)[0].agent_guid == agent_1 && (*refs)[0].date == 1475873692);
    CHECK(contains(client.try_get_file_first_references_json(notepad, 7).value_or(""), agent_1));
    auto cert = client.try_get_certificate_reputation(cert_sha1, cert_pk_sha1);
    CHECK(cert && cert->size() == 2 && (*cert)[0].provider_id == DXLTIE_CERT_PROVIDER_GTI);
    CHECK(contains(client.try_get_certificate_reputation_json(cert_sha1).value_or(""), "\"4\""));
    CHECK(client.try_get_certificate_first_references(cert_sha1).value_or({}).size() == 2);
    CHECK(contains(client.try_get_certificate_first_references_json(cert_sha1, cert_pk_sha1, 3).value_or(""),
                   agent_1));
    CHECK(client.try_set_file_reputation(DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, notepad, "notepad.exe", "no exceptions")
              .ok());
    CHECK(client.try_set_certificate_reputation(DXLTIE_TRUST_LEVEL_MOST_LIKELY_TRUSTED, cert_sha1, cert_pk_sha1, "c")
              .ok());
    CHECK(client.try_set_external_file_reputation(DXLTIE_TRUST_LEVEL_MIGHT_BE_TRUSTED, notepad,
                                                  DXLTIE_FILE_TYPE_PEEXE, "n.exe")
              .ok());

    // Failures.
    auto missing = client.try_get_file_reputation(not_found);
    CHECK(missing.status().is_service_error() && missing.status().service_error_code() == 0 &&
          missing.message() == "Could not find reputation");
    auto no_service = client.try_get_certificate_reputation(no_service_sha1);
    CHECK(no_service.status().service_error_code() == 0x80000001u);
    CHECK(client.try_get_file_reputation(bad_hex).message() == "Odd-length string");
    dxltie::Status s = client.try_set_external_file_reputation(DXLTIE_TRUST_LEVEL_NOT_SET, notepad);
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && s.message() == "TrustLevel was not specified");
    auto late = client.try_get_certificate_first_references(never_answered_sha1, "", 500,
                                                            std::chrono::milliseconds(300));
    CHECK(late.status().is_timeout() && starts_with(late.message(), "Timeout waiting for response to message: {"));
    CHECK(client.try_get_file_reputation(notepad, std::chrono::milliseconds(-5)).code() == DXLTIE_E_INVALID_ARG);
    CHECK(client.try_set_response_timeout(std::chrono::seconds(29)).code() == DXLTIE_E_INVALID_ARG &&
          client.response_timeout() == std::chrono::seconds(30));
    CHECK(client.try_set_response_timeout(std::chrono::seconds(45)).ok() &&
          client.response_timeout() == std::chrono::seconds(45));
}

void async_requests(dxltie::Client& client, const std::string& config_path) {
    const int constructed = Tracked::constructed, destroyed = Tracked::destroyed;
    Responses<op_count> got;
    CHECK(client.try_get_file_reputation_async(notepad, recorder(got, get_file_rep)).ok());
    CHECK(client.try_set_file_reputation_async(99, notepad, recorder(got, set_file_rep), "notepad.exe").ok());
    CHECK(client.try_get_file_first_references_async(notepad, recorder(got, get_file_refs)).ok());
    CHECK(client.try_get_certificate_reputation_async(cert_sha1, recorder(got, get_cert_rep), cert_pk_sha1).ok());
    CHECK(client.try_set_certificate_reputation_async(85, cert_sha1, recorder(got, set_cert_rep), "", "c").ok());
    CHECK(client.try_get_certificate_first_references_async(cert_sha1, recorder(got, get_cert_refs), cert_pk_sha1, 9)
              .ok());
    CHECK(got.wait_all());
    CHECK(wait_until([] { return Tracked::live() == 0; }));
    CHECK(client.try_get_file_reputation(notepad).ok());  // a round trip later: still once each
    for (size_t op = 0; op < op_count; op++) {
        CHECK(got.calls_of(op) == 1);
        if (got.responses[op]) check_success(static_cast<Op>(op), *got.responses[op]);
        CHECK(got.threads[op] != std::this_thread::get_id() && got.threads[op] == got.threads[0]);
    }
    CHECK(Tracked::constructed - constructed == Tracked::destroyed - destroyed);

    // Failures through the callback.
    Responses<3> errors;
    CHECK(client.try_get_file_first_references_async(not_found, recorder(errors, 0)).ok());
    CHECK(client.try_set_certificate_reputation_async(99, no_service_sha1, recorder(errors, 1)).ok());
    CHECK(client.try_get_file_reputation_async(never_answered, recorder(errors, 2), std::chrono::milliseconds(300))
              .ok());
    CHECK(errors.wait_all());
    CHECK(wait_until([] { return Tracked::live() == 0; }));
    CHECK(errors.total_calls() == 3);
    if (errors.responses[0]) check_not_found(*errors.responses[0]);
    if (errors.responses[1]) check_no_service(*errors.responses[1]);
    if (errors.responses[2]) check_timeout(*errors.responses[2]);

    // Requests that cannot be sent: never called, destroyed before the call returns.
    Responses<op_count> refused;
    // `send` returns the status; the callable (a temporary there) is gone once it has returned.
    auto was_refused = [&](auto send, dxltie_result_t code) {
        dxltie::Status s = send();
        CHECK(!s && s.code() == code && Tracked::live() == 0);
    };
    was_refused([&] { return client.try_get_file_reputation_async(bad_hex, recorder(refused, get_file_rep)); },
                DXLTIE_E_INVALID_ARG);
    was_refused([&] { return client.try_set_file_reputation_async(99, bad_hex, recorder(refused, set_file_rep)); },
                DXLTIE_E_INVALID_ARG);
    was_refused(
        [&] { return client.try_get_file_first_references_async(bad_hex, recorder(refused, get_file_refs)); },
        DXLTIE_E_INVALID_ARG);
    was_refused([&] { return client.try_get_certificate_reputation_async("abc", recorder(refused, get_cert_rep)); },
                DXLTIE_E_INVALID_ARG);
    was_refused(
        [&] { return client.try_set_certificate_reputation_async(99, "abc", recorder(refused, set_cert_rep)); },
        DXLTIE_E_INVALID_ARG);
    was_refused(
        [&] { return client.try_get_certificate_first_references_async("abc", recorder(refused, get_cert_refs)); },
        DXLTIE_E_INVALID_ARG);
    was_refused(
        [&] {
            return client.try_get_file_reputation_async(notepad, recorder(refused, get_file_rep),
                                                        std::chrono::milliseconds(1LL << 32));
        },
        DXLTIE_E_INVALID_ARG);
    {
        auto config = dxltie::Config::try_from_file(config_path);
        auto idle = config ? dxltie::Client::try_create(*config) : dxltie::Result<dxltie::Client>(config.status());
        CHECK(idle.ok());
        if (idle) {
            was_refused(
                [&] { return idle->try_get_certificate_reputation_async(cert_sha1, recorder(refused, get_cert_rep)); },
                DXLTIE_E_NOT_CONNECTED);
            dxltie::Client taken = std::move(*idle);
            was_refused([&] { return idle->try_get_file_reputation_async(notepad, recorder(refused, get_file_rep)); },
                        DXLTIE_E_NULL_ARG);
        }
    }
    CHECK(client.try_get_file_reputation(notepad).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(refused.total_calls() == 0);

    // A request waiting when its client goes: called once, then freed, before the client is gone.
    Responses<1> pending;
    {
        auto config = dxltie::Config::try_from_file(config_path);
        auto other = config ? dxltie::Client::try_create(*config) : dxltie::Result<dxltie::Client>(config.status());
        CHECK(other && other->try_connect(std::chrono::seconds(10)).ok());
        if (other) {
            CHECK(other->try_get_file_reputation_async(never_answered, recorder(pending, 0), std::chrono::minutes(5))
                      .ok());
            CHECK(Tracked::live() == 1);
        }
    }
    CHECK(pending.calls_of(0) == 1 && Tracked::live() == 0);
    CHECK(pending.responses[0] && (pending.responses[0]->status.code() == DXLTIE_E_NOT_CONNECTED ||
                                   pending.responses[0]->status.code() == DXLTIE_E_SHUTDOWN));
}

void callbacks(dxltie::Client& client) {
    Counter detections, changes, first_instances, json_events;
    auto detection = client.try_on_file_detection([&](const dxltie::Detection& d) {
        CHECK(d.agent_guid == agent_1 && d.name == std::string("FOCUS_MALWARE2.EXE"));
        detections.bump();
    });
    auto file_changes = client.try_on_file_reputation_change([&](const dxltie::ReputationChange&) { changes.bump(); });
    auto cert_changes =
        client.try_on_certificate_reputation_change([&](const dxltie::ReputationChange&) { changes.bump(); });
    auto first = client.try_on_file_first_instance([&](const dxltie::FirstInstance& f) {
        CHECK(f.name == std::string("MORPH.EXE"));
        // an asynchronous request from inside a callback
        dxltie::Status s = client.try_get_file_reputation_async(notepad, [&](dxltie::Response r) {
            CHECK(r.ok() && r.reputations.size() == 2);
            first_instances.bump();
        });
        CHECK(s.ok());
    });
    auto json = client.try_on_json_event(DXLTIE_EVENT_KIND_FILE_DETECTION, [&](const dxltie::JsonEvent& e) {
        CHECK(contains(e.json, "FOCUS_MALWARE2.EXE"));
        json_events.bump();
    });
    CHECK(detection && file_changes && cert_changes && first && json);
    CHECK(client.try_set_file_reputation(99, notepad, "emit-events.exe").ok());
    CHECK(detections.wait_for(1) && changes.wait_for(2) && first_instances.wait_for(1) && json_events.wait_for(1));
    if (detection) detection->reset();
    CHECK(client.try_set_file_reputation(99, notepad, "emit-events.exe").ok());
    CHECK(changes.wait_for(4) && json_events.wait_for(2) && first_instances.wait_for(2));
    CHECK(detections.get() == 1);
    CHECK(client.try_on_json_event(99, [](const dxltie::JsonEvent&) {}).code() == DXLTIE_E_INVALID_ARG);
}

void logging(const std::string& config_path) {
    Counter connected;
    dxltie::Status s = dxltie::try_set_log_callback(
        [&](dxltie_log_level_t level, const std::string&, const std::string& message) {
            if (level == DXLTIE_LOG_INFO && starts_with(message, "connected to")) connected.bump();
        },
        DXLTIE_LOG_DEBUG);
    CHECK(s.ok());
    CHECK(dxltie::try_set_log_callback([](dxltie_log_level_t, const std::string&, const std::string&) {}, 0).code() ==
          DXLTIE_E_INVALID_ARG);
    {
        auto config = dxltie::Config::try_from_file(config_path);
        auto other = config ? dxltie::Client::try_create(*config) : dxltie::Result<dxltie::Client>(config.status());
        CHECK(other && other->try_connect(std::chrono::seconds(10)).ok());
        CHECK(connected.wait_for(1));
    }
    CHECK(dxltie::try_set_log_callback(nullptr).ok());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    value_of_a_failure_aborts();
    status_and_result();
    helpers();
    config(argv[1]);

    auto config = dxltie::Config::try_from_file(argv[1]);
    auto client = config ? dxltie::Client::try_create(*config) : dxltie::Result<dxltie::Client>(config.status());
    if (!client) {
        std::fprintf(stderr, "no client: %s\n", client.status().to_string().c_str());
        return 1;
    }
    CHECK(!client->connected());
    dxltie::Status connected = client->try_connect(std::chrono::seconds(10));
    if (!connected) {
        std::fprintf(stderr, "connect: %s\n", connected.to_string().c_str());
        return 1;
    }
    Counter states;
    CHECK(client->try_on_state_change([&](dxltie_connection_state_t) { states.bump(); }).ok());
    requests(*client);
    async_requests(*client, argv[1]);
    callbacks(*client);
    logging(argv[1]);
    auto stats = client->try_stats();
    CHECK(stats && stats->received >= 8);
    CHECK(client->try_disconnect().ok() && !client->connected() && states.wait_for(1));

    if (failures) {
        std::fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("OK\n");
    return 0;
}
