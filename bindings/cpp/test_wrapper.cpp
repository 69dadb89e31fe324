// The C++ wrapper against a broker and the binding tests' TIE responder
// (bindings/python/tests/tie_responder.py). Run by bindings/python/tests/test_cpp.py;
// prints "OK" and exits 0 when every check holds.
//
// Usage: test_wrapper <dxlclient.config>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "dxltie.hpp"
#include "test_support.hpp"

static_assert(DXLTIE_HPP_EXCEPTIONS == 1, "test_wrapper is the exceptions-on build");

namespace {

using namespace test;

/// Runs `fn`, expecting a dxltie::Error; returns it (code 0 if none was thrown).
template <typename F>
dxltie::Error error_of(F fn) {
    try {
        fn();
    } catch (const dxltie::Error& e) {
        return e;
    }
    return dxltie::Error(DXLTIE_OK, "no error");
}

void requests(dxltie::Client& client) {
    auto reps = client.get_file_reputation(notepad);
    CHECK(reps.size() == 2);
    CHECK(reps.size() == 2 && reps[0].provider_id == DXLTIE_FILE_PROVIDER_GTI && reps[0].trust_level == 99);
    CHECK(reps.size() == 2 && reps[1].provider_id == DXLTIE_FILE_PROVIDER_ENTERPRISE &&
          reps[1].attribute(DXLTIE_FILE_ENTERPRISE_ATTRIB_PREVALENCE) == std::optional<std::string>("17"));
    CHECK(reps.size() == 2 && !reps[1].attribute("nope"));
    auto json = client.get_file_reputation_json(notepad);
    CHECK(json.find("\"1\"") != std::string::npos && json.find("\"3\"") != std::string::npos);

    auto refs = client.get_file_first_references(notepad);
    CHECK(refs.size() == 2 && refs[0].agent_guid == agent_1 && refs[0].date == 1475873692);
    CHECK(client.get_file_first_references_json(notepad, 7).find(agent_1) != std::string::npos);

    auto cert = client.get_certificate_reputation(cert_sha1, cert_pk_sha1);
    CHECK(cert.size() == 2 && cert[0].provider_id == DXLTIE_CERT_PROVIDER_GTI &&
          cert[1].provider_id == DXLTIE_CERT_PROVIDER_ENTERPRISE);
    CHECK(client.get_certificate_reputation_json(cert_sha1).find("\"4\"") != std::string::npos);
    CHECK(client.get_certificate_first_references(cert_sha1).size() == 2);
    CHECK(client.get_certificate_first_references_json(cert_sha1, cert_pk_sha1, 3).find(agent_1) !=
          std::string::npos);

    client.set_file_reputation(DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, notepad, "notepad.exe", "from C++");
    client.set_certificate_reputation(DXLTIE_TRUST_LEVEL_MOST_LIKELY_TRUSTED, cert_sha1, cert_pk_sha1, "c");
    client.set_external_file_reputation(DXLTIE_TRUST_LEVEL_MIGHT_BE_TRUSTED, notepad, DXLTIE_FILE_TYPE_PEEXE, "n.exe");

    // errors
    auto e = error_of([&] { client.get_file_reputation({{"sha1", std::string(40, '0')}}); });
    CHECK(e.is_service_error() && e.service_error_code() == 0 && e.message() == "Could not find reputation");
    CHECK(std::string(e.what()) == "Error: Could not find reputation (0)");
    e = error_of([&] { client.get_certificate_reputation(std::string(40, 'e')); });
    CHECK(e.is_service_error() && e.service_error_code() == 0x80000001u &&
          e.signed_service_error_code() == -2147483647);
    CHECK(std::string(e.what()) == "Error: unable to locate service for request (-2147483647)");
    e = error_of([&] { client.get_file_reputation({{"md5", "abc"}}); });
    CHECK(e.code() == DXLTIE_E_INVALID_ARG && e.message() == "Odd-length string");
    e = error_of([&] { client.set_external_file_reputation(DXLTIE_TRUST_LEVEL_NOT_SET, notepad); });
    CHECK(e.code() == DXLTIE_E_INVALID_ARG && e.message() == "TrustLevel was not specified");
    e = error_of([&] {
        client.get_certificate_first_references(std::string(40, 'f'), "", 500, std::chrono::milliseconds(300));
    });
    CHECK(e.is_timeout() && starts_with(e.message(), "Timeout waiting for response to message: {"));

    bool refused = false;
    try {
        client.set_response_timeout(std::chrono::seconds(29));
    } catch (const std::invalid_argument&) {
        refused = true;
    }
    CHECK(refused && client.response_timeout() == std::chrono::seconds(30));
    client.set_response_timeout(std::chrono::seconds(45));
    CHECK(client.response_timeout() == std::chrono::seconds(45));
}

// Every asynchronous request, in the throwing form: each callback fires exactly once, on the
// dispatcher thread, with the right result; the callable is destroyed exactly once, after that.
void async_requests(dxltie::Client& client) {
    const int constructed = Tracked::constructed, destroyed = Tracked::destroyed;
    CHECK(Tracked::live() == 0);
    Responses<op_count> got;
    client.get_file_reputation_async(notepad, recorder(got, get_file_rep));
    client.set_file_reputation_async(DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED, notepad, recorder(got, set_file_rep),
                                     "notepad.exe", "async from C++");
    client.get_file_first_references_async(notepad, recorder(got, get_file_refs), 7);
    client.get_certificate_reputation_async(cert_sha1, recorder(got, get_cert_rep), cert_pk_sha1);
    client.set_certificate_reputation_async(DXLTIE_TRUST_LEVEL_MOST_LIKELY_TRUSTED, cert_sha1,
                                            recorder(got, set_cert_rep), cert_pk_sha1, "async");
    client.get_certificate_first_references_async(cert_sha1, recorder(got, get_cert_refs), "", 3,
                                                  std::chrono::seconds(10));
    CHECK(got.wait_all());
    // The library frees each callable right after its call: then no copy is left.
    CHECK(wait_until([] { return Tracked::live() == 0; }));
    // A synchronous round trip later, still exactly one call each.
    CHECK(client.get_file_reputation(notepad).size() == 2);
    for (size_t op = 0; op < op_count; op++) {
        CHECK(got.calls_of(op) == 1);
        if (got.responses[op]) check_success(static_cast<Op>(op), *got.responses[op]);
        CHECK(got.threads[op] != std::this_thread::get_id());
        CHECK(got.threads[op] == got.threads[0]);  // the one dispatcher thread
    }
    CHECK(Tracked::constructed - constructed == Tracked::destroyed - destroyed);
    CHECK(Tracked::constructed - constructed >= op_count);

    // Failures reported through the callback: service errors and a timeout.
    Responses<3> errors;
    client.get_file_reputation_async(not_found, recorder(errors, 0));
    client.get_certificate_reputation_async(no_service_sha1, recorder(errors, 1));
    client.get_certificate_first_references_async(never_answered_sha1, recorder(errors, 2), "", 500,
                                                  std::chrono::milliseconds(300));
    CHECK(errors.wait_all());
    CHECK(wait_until([] { return Tracked::live() == 0; }));
    CHECK(errors.total_calls() == 3);
    if (errors.responses[0]) check_not_found(*errors.responses[0]);
    if (errors.responses[1]) check_no_service(*errors.responses[1]);
    if (errors.responses[2]) check_timeout(*errors.responses[2]);

    // Other callables: a std::function lvalue (copied: the caller's stays usable), a move-only
    // lambda, a plain function object taking const Response&.
    Counter calls;
    std::function<void(const dxltie::Response&)> function = [&](const dxltie::Response& r) {
        CHECK(r.ok());
        calls.bump();
    };
    client.get_file_reputation_async(notepad, function);
    CHECK(static_cast<bool>(function));
    auto owned = std::make_unique<int>(42);
    client.get_certificate_reputation_async(cert_sha1, [&, owned = std::move(owned)](dxltie::Response&& r) {
        CHECK(r.ok() && *owned == 42);
        calls.bump();
    });
    // A request from inside a response callback, and an exception escaping one (reported to
    // the handler; the callable is still freed once).
    Counter thrown;
    dxltie::set_callback_exception_handler([&](std::exception_ptr) { thrown.bump(); });
    client.get_file_first_references_async(notepad, [&client, &calls, token = Tracked()](dxltie::Response r) {
        CHECK(r.ok());
        client.get_file_reputation_async(notepad, [&calls, token = Tracked()](dxltie::Response inner) {
            CHECK(inner.ok() && inner.reputations.size() == 2);
            calls.bump();
            throw std::runtime_error("from a response callback");
        });
        calls.bump();
    });
    CHECK(calls.wait_for(4) && thrown.wait_for(1));
    CHECK(wait_until([] { return Tracked::live() == 0; }));
    dxltie::set_callback_exception_handler(nullptr);
}

// A request that cannot be sent: the callable is never called and destroyed before the call
// returns (the throwing form throws, the try_ form returns the status).
void async_failures(dxltie::Client& client, const std::string& config_path) {
    Responses<op_count> got;
    const int before = Tracked::live();
    auto refused = [&](auto send) {
        dxltie::Error e = error_of(send);
        CHECK(Tracked::live() == before);  // destroyed by the wrapper already
        return e.code();
    };
    CHECK(refused([&] { client.get_file_reputation_async(bad_hex, recorder(got, get_file_rep)); }) ==
          DXLTIE_E_INVALID_ARG);
    CHECK(refused([&] { client.set_file_reputation_async(99, bad_hex, recorder(got, set_file_rep)); }) ==
          DXLTIE_E_INVALID_ARG);
    CHECK(refused([&] { client.get_file_first_references_async(bad_hex, recorder(got, get_file_refs)); }) ==
          DXLTIE_E_INVALID_ARG);
    CHECK(refused([&] { client.get_certificate_reputation_async("abc", recorder(got, get_cert_rep)); }) ==
          DXLTIE_E_INVALID_ARG);
    CHECK(refused([&] { client.set_certificate_reputation_async(99, "abc", recorder(got, set_cert_rep)); }) ==
          DXLTIE_E_INVALID_ARG);
    CHECK(refused([&] { client.get_certificate_first_references_async("xyz", recorder(got, get_cert_refs)); }) ==
          DXLTIE_E_INVALID_ARG);
    dxltie::Error e = error_of([&] { client.get_file_reputation_async(bad_hex, recorder(got, 0)); });
    CHECK(e.message() == "Odd-length string");

    // The try_ forms.
    dxltie::Status s = client.try_get_file_reputation_async(bad_hex, recorder(got, get_file_rep));
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && s.message() == "Odd-length string" && Tracked::live() == before);
    s = client.try_get_certificate_first_references_async("abc", recorder(got, get_cert_refs), cert_pk_sha1, 5);
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && Tracked::live() == before);

    // A timeout the C API cannot hold: std::out_of_range, or DXLTIE_E_INVALID_ARG from try_.
    bool out_of_range = false;
    try {
        client.get_file_reputation_async(notepad, recorder(got, get_file_rep), std::chrono::milliseconds(-1));
    } catch (const std::out_of_range&) {
        out_of_range = true;
    }
    CHECK(out_of_range && Tracked::live() == before);
    s = client.try_set_certificate_reputation_async(99, cert_sha1, recorder(got, set_cert_rep), "", "",
                                                    std::chrono::milliseconds(1LL << 33));
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && contains(s.message(), "out of range") && Tracked::live() == before);

    // A client that is not connected, and a moved-from one.
    {
        dxltie::Client idle(dxltie::Config::from_file(config_path));
        CHECK(refused([&] { idle.get_file_reputation_async(notepad, recorder(got, get_file_rep)); }) ==
              DXLTIE_E_NOT_CONNECTED);
        s = idle.try_set_file_reputation_async(99, notepad, recorder(got, set_file_rep));
        CHECK(s.code() == DXLTIE_E_NOT_CONNECTED && Tracked::live() == before);
        dxltie::Client taken = std::move(idle);
        CHECK(refused([&] { idle.get_certificate_reputation_async(cert_sha1, recorder(got, get_cert_rep)); }) ==
              DXLTIE_E_NULL_ARG);
    }
    // Nothing was called, even later.
    CHECK(client.get_file_reputation(notepad).size() == 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(got.total_calls() == 0);

    // Requests still waiting when their client goes: each called once, before the destructor
    // returns, with the connection's end (DXLTIE_E_NOT_CONNECTED or DXLTIE_E_SHUTDOWN), then freed.
    Responses<2> pending;
    {
        dxltie::Client other(dxltie::Config::from_file(config_path));
        other.connect(std::chrono::seconds(10));
        other.get_file_reputation_async(never_answered, recorder(pending, 0), std::chrono::minutes(10));
        other.get_certificate_first_references_async(never_answered_sha1, recorder(pending, 1));
        CHECK(Tracked::live() == before + 2);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(pending.total_calls() == 0);
    }
    CHECK(pending.total_calls() == 2 && pending.calls_of(0) == 1 && Tracked::live() == before);
    for (size_t i = 0; i < 2; i++)
        CHECK(pending.responses[i] && (pending.responses[i]->status.code() == DXLTIE_E_NOT_CONNECTED ||
                                       pending.responses[i]->status.code() == DXLTIE_E_SHUTDOWN));
}

// The error-returning form next to the throwing one.
void error_returning(dxltie::Client& client, const std::string& config_path) {
    dxltie::Result<std::vector<dxltie::Reputation>> reps = client.try_get_file_reputation(notepad);
    CHECK(reps.ok() && reps && reps.status().ok() && reps->size() == 2 && (*reps)[0].trust_level == 99);
    CHECK(reps.value().size() == 2);
    auto missing = client.try_get_file_reputation(not_found);
    CHECK(!missing && missing.code() == DXLTIE_E_SERVICE_ERROR && missing.message() == "Could not find reputation");
    CHECK(missing.status().to_string() == "Error: Could not find reputation (0)");
    CHECK(missing.value_or(std::vector<dxltie::Reputation>{}).empty());
    dxltie::Error e = error_of([&] { (void)missing.value(); });  // value() throws what the throwing form throws
    CHECK(e.is_service_error() && e.status().message() == "Could not find reputation" &&
          std::string(e.what()) == missing.status().to_string());

    CHECK(client.try_get_file_reputation_json(notepad).value_or("") == client.get_file_reputation_json(notepad));
    auto refs = client.try_get_file_first_references(notepad, 7);
    CHECK(refs && refs->size() == 2 && (*refs)[0].agent_guid == agent_1);
    CHECK(contains(client.try_get_file_first_references_json(notepad).value_or(""), agent_1));
    auto cert = client.try_get_certificate_reputation(no_service_sha1);
    CHECK(cert.status().service_error_code() == 0x80000001u);
    CHECK(contains(client.try_get_certificate_reputation_json(cert_sha1, cert_pk_sha1).value_or(""), "\"4\""));
    CHECK(client.try_get_certificate_first_references(cert_sha1).value_or({}).size() == 2);
    // Now a function of the C API (it used to be derived from the list).
    CHECK(contains(client.try_get_certificate_first_references_json(cert_sha1, cert_pk_sha1, 3).value_or(""),
                   agent_1));
    auto timeout = client.try_get_certificate_first_references(never_answered_sha1, "", 500,
                                                               std::chrono::milliseconds(300));
    CHECK(timeout.status().is_timeout());
    CHECK(client.try_set_file_reputation(99, notepad, "notepad.exe", "try").ok());
    CHECK(client.try_set_certificate_reputation(85, cert_sha1, cert_pk_sha1, "try").ok());
    CHECK(client.try_set_external_file_reputation(DXLTIE_TRUST_LEVEL_MIGHT_BE_TRUSTED, notepad).ok());
    dxltie::Status s = client.try_set_external_file_reputation(DXLTIE_TRUST_LEVEL_NOT_SET, notepad);
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && s.message() == "TrustLevel was not specified" && !s);
    s = client.try_set_file_reputation(99, bad_hex);
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && s.message() == "Odd-length string");
    auto stats = client.try_stats();
    CHECK(stats && stats->struct_size == sizeof(dxltie::Stats) && stats->received > 0);

    // The response timeout: refused below 30 s (std::invalid_argument in the throwing form).
    s = client.try_set_response_timeout(std::chrono::seconds(29));
    CHECK(s.code() == DXLTIE_E_INVALID_ARG && contains(s.message(), "30"));
    bool invalid = false;
    try {
        dxltie::Result<int> failed(s);
        (void)failed.value();
    } catch (const std::invalid_argument&) {
        invalid = true;
    }
    CHECK(invalid);
    CHECK(client.try_set_response_timeout(std::chrono::seconds(40)).ok() &&
          client.response_timeout() == std::chrono::seconds(40));

    // Configurations and clients.
    auto absent = dxltie::Config::try_from_file("/nonexistent/dxlclient.config");
    CHECK(!absent && absent.code() == DXLTIE_E_IO && contains(absent.message(), "/nonexistent/dxlclient.config"));
    e = error_of([&] { (void)absent.value(); });
    CHECK(e.code() == DXLTIE_E_IO);
    auto config = dxltie::Config::try_from_file(config_path);
    CHECK(config && config->try_brokers().value_or({}).size() == 1);
    auto empty = dxltie::Config::try_create();
    CHECK(empty.ok());
    if (empty) {
        CHECK(empty->try_set_client_id("cpp-try").ok() && empty->client_id() == "cpp-try");
        CHECK(empty->try_add_broker("abc;def").code() == DXLTIE_E_INVALID_ARG);
        CHECK(empty->try_set_keep_alive(std::chrono::seconds(65536)).code() == DXLTIE_E_INVALID_ARG);
        s = empty->try_set_keep_alive(std::chrono::seconds(4294967296LL + 5));
        CHECK(s.code() == DXLTIE_E_INVALID_ARG && contains(s.message(), "out of range"));
        s = empty->try_set_reconnect_back_off(std::chrono::milliseconds(10), 2, std::chrono::milliseconds(-1), 0.1);
        CHECK(s.code() == DXLTIE_E_INVALID_ARG && contains(s.message(), "max delay ms"));
        CHECK(empty->try_set_queue(10, true).ok() && empty->try_set_connect_retries(1).ok());
        CHECK(empty->try_set_certificate_files("/nonexistent/ca", "/nonexistent/c", "/nonexistent/k").ok());
    }
    if (config) {
        auto other = dxltie::Client::try_create(*config);
        CHECK(other.ok());
        if (other) {
            CHECK(other->try_connect(std::chrono::seconds(10)).ok() && other->connected());
            Counter states;
            CHECK(other->try_on_state_change([&](dxltie_connection_state_t) { states.bump(); }).ok());
            auto detection = other->try_on_file_detection([](const dxltie::Detection&) {});
            CHECK(detection && detection->id() != 0);
            auto json = other->try_on_json_event(DXLTIE_EVENT_KIND_FILE_DETECTION, [](const dxltie::JsonEvent&) {});
            CHECK(json && json->id() != 0);
            auto bad_kind = other->try_on_json_event(99, [](const dxltie::JsonEvent&) {});
            CHECK(!bad_kind && bad_kind.code() == DXLTIE_E_INVALID_ARG);
            CHECK(other->try_connect(std::chrono::milliseconds(-1)).code() == DXLTIE_E_INVALID_ARG);
            CHECK(other->try_disconnect().ok() && !other->connected() && states.wait_for(1));
            dxltie::Client taken = std::move(*other);
            CHECK(other->try_disconnect().code() == DXLTIE_E_NULL_ARG);
            CHECK(other->try_get_file_reputation(notepad).code() == DXLTIE_E_NULL_ARG);
            CHECK(other->try_on_file_first_instance([](const dxltie::FirstInstance&) {}).code() == DXLTIE_E_NULL_ARG);
            CHECK(!other->try_stats());
        }
    }

    // Helpers.
    CHECK(dxltie::try_to_version("73183493944770750").value_or({}).to_string() == "1.4.0.190");
    CHECK(dxltie::try_to_version("x").code() == DXLTIE_E_INVALID_ARG);
    CHECK(dxltie::try_to_aggregate("AgBkADIAZABMHQ==").value_or({}).file_count == 2);
    CHECK(!dxltie::try_to_aggregate("AA=="));
    CHECK(dxltie::try_json_pretty("{\"b\":1,\"a\":2}").value_or("") == "{\n    \"a\": 2,\n    \"b\": 1\n}");
    CHECK(dxltie::try_json_pretty("{").code() == DXLTIE_E_INVALID_ARG);
    CHECK(!dxltie::try_to_localtime_string(1476902802, "%Y").value_or("").empty());
    CHECK(std::string(dxltie::result_str(DXLTIE_E_TIMEOUT)) == dxltie::Status(DXLTIE_E_TIMEOUT, "").code_text());
}

// Functions of the C API the wrapper did not have before: versions, the definitive-reputation
// check, the log callback.
void newer_functions(dxltie::Client& client, const std::string& config_path) {
    CHECK(dxltie::version_major() == DXLTIE_VERSION_MAJOR && dxltie::version_minor() >= DXLTIE_VERSION_MINOR);
    CHECK(contains(dxltie::version(), std::to_string(dxltie::version_major()) + "." +
                                          std::to_string(dxltie::version_minor()) + "." +
                                          std::to_string(dxltie::version_patch())));

    CHECK(dxltie::has_definitive_reputation(client.get_file_reputation(notepad)));  // GTI 99
    CHECK(!dxltie::has_definitive_reputation({}));
    dxltie::Reputation external;
    external.provider_id = DXLTIE_FILE_PROVIDER_EXTERNAL;
    external.trust_level = DXLTIE_TRUST_LEVEL_KNOWN_TRUSTED;
    dxltie::Reputation unknown;
    unknown.provider_id = DXLTIE_FILE_PROVIDER_GTI;
    unknown.trust_level = DXLTIE_TRUST_LEVEL_UNKNOWN;
    unknown.attributes = {{"2101652", "1"}};
    CHECK(!dxltie::has_definitive_reputation({external, unknown}));
    unknown.trust_level = DXLTIE_TRUST_LEVEL_MIGHT_BE_MALICIOUS;
    CHECK(dxltie::has_definitive_reputation({external, unknown}));

    // The log callback: "connected to ..." at INFO when a client connects.
    std::mutex mutex;
    std::vector<std::string> records;
    Counter connected;
    dxltie::set_log_callback(
        [&](dxltie_log_level_t level, const std::string& target, const std::string& message) {
            std::lock_guard<std::mutex> lock(mutex);
            records.push_back(target + ": " + message);
            if (level == DXLTIE_LOG_INFO && starts_with(message, "connected to")) connected.bump();
        },
        DXLTIE_LOG_INFO);
    // An unknown level is refused and changes nothing.
    dxltie::Error e = error_of([] { dxltie::set_log_callback([](auto, const auto&, const auto&) {}, 99); });
    CHECK(e.code() == DXLTIE_E_INVALID_ARG);
    {
        dxltie::Client other(dxltie::Config::from_file(config_path));
        other.connect(std::chrono::seconds(10));
        CHECK(connected.wait_for(1));
    }
    dxltie::clear_log_callback();
    {
        dxltie::Client other(dxltie::Config::from_file(config_path));
        other.connect(std::chrono::seconds(10));
    }
    CHECK(connected.get() == 1);
    // Replaced while records arrive: the replaced function is deleted after its last call.
    int log_constructed = Tracked::constructed;
    dxltie::set_log_callback([token = Tracked()](dxltie_log_level_t, const std::string&, const std::string&) {},
                             DXLTIE_LOG_TRACE);
    dxltie::set_log_callback(nullptr);
    CHECK(Tracked::constructed > log_constructed && Tracked::live() == 0);
}

void callbacks(dxltie::Client& client, const std::string& config_path) {
    Counter detections, rep_changes, first_instances, thrown;
    std::atomic<int64_t> trust_from_callback{0};
    dxltie::set_callback_exception_handler([&](std::exception_ptr) { thrown.bump(); });

    dxltie::Registration detection = client.on_file_detection([&](const dxltie::Detection& d) {
        CHECK(d.message.topic == DXLTIE_TIE_EVENT_FILE_DETECTION_TOPIC);
        CHECK(d.agent_guid == agent_1 && d.detection_time == 1481301038 && d.name == std::string("FOCUS_MALWARE2.EXE"));
        CHECK(d.hashes.size() == 3 && d.hashes[0].type == "md5" && d.hashes[0].value == notepad[0].value);
        CHECK(!d.message.payload.empty() && d.json.find("FOCUS_MALWARE2.EXE") != std::string::npos);
        detections.bump();
    });
    dxltie::Registration throwing = client.on_file_detection([](const dxltie::Detection&) {
        throw std::runtime_error("from a callback");
    });
    auto on_change = [&](const dxltie::ReputationChange& c) {
        if (c.kind == DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE) {
            CHECK(c.new_reputations.size() == 2 && c.old_reputations.size() == 1 && c.update_time == 1481219581);
            CHECK(c.certificate_hashes.size() == 1 && c.certificate_public_key_sha1 == cert_pk_sha1);
        } else {
            CHECK(c.public_key_sha1 == cert_pk_sha1 && c.new_reputations.size() == 2 && c.old_reputations.empty());
        }
        rep_changes.bump();
    };
    dxltie::Registration file_changes = client.on_file_reputation_change(on_change);
    dxltie::Registration cert_changes = client.on_certificate_reputation_change(on_change);
    // a request from inside a callback
    dxltie::Registration first = client.on_file_first_instance([&](const dxltie::FirstInstance& f) {
        CHECK(f.name == std::string("MORPH.EXE"));
        trust_from_callback = client.get_file_reputation(notepad).at(0).trust_level;
        first_instances.bump();
    });
    dxltie::Registration moved = std::move(first);
    CHECK(!first && moved);

    client.set_file_reputation(99, notepad, "emit-events.exe");
    CHECK(detections.wait_for(1) && rep_changes.wait_for(2) && first_instances.wait_for(1) && thrown.wait_for(1));
    CHECK(trust_from_callback == 99);

    detection.reset();
    CHECK(!detection);
    client.set_file_reputation(99, notepad, "emit-events.exe");
    CHECK(rep_changes.wait_for(4) && thrown.wait_for(2) && first_instances.wait_for(2));
    CHECK(detections.get() == 1);  // unregistered

    // a registration outliving its client does nothing when it goes
    dxltie::Registration orphan;
    {
        dxltie::Client other(dxltie::Config::from_file(config_path));
        other.connect();
        orphan = other.on_file_detection([](const dxltie::Detection&) {});
        CHECK(orphan);
    }
    orphan.reset();
    dxltie::set_callback_exception_handler(nullptr);
}

void helpers() {
    CHECK(dxltie::to_version("73183493944770750").to_string() == "1.4.0.190");
    auto aggregate = dxltie::to_aggregate("AgBkADIAZABMHQ==");
    CHECK(aggregate.file_count == 2 && aggregate.max_trust_level == 100 && aggregate.average_trust_level == 75.0);
    CHECK(dxltie::json_pretty("{\"b\":1,\"a\":[1]}") == "{\n    \"a\": [\n        1\n    ],\n    \"b\": 1\n}");
    CHECK(!dxltie::to_localtime_string(1476902802).empty());
    CHECK(dxltie::is_valid_trust_level(85) && !dxltie::is_valid_trust_level(42));
    CHECK(dxltie::is_valid_file_type(DXLTIE_FILE_TYPE_JAR) && !dxltie::is_valid_file_type(3));
    CHECK(starts_with(dxltie::version(), "dxltie "));
    auto e = error_of([] { dxltie::to_version("x"); });
    CHECK(e.code() == DXLTIE_E_INVALID_ARG);
}

void config(const std::string& path) {
    auto from_file = dxltie::Config::from_file(path);
    auto brokers = from_file.brokers();
    CHECK(brokers.size() == 1 && brokers[0].unique_id == "local" && brokers[0].host_name == "localhost" &&
          brokers[0].ip_address == std::string("127.0.0.1"));
    dxltie::Config empty;
    empty.set_client_id("cpp-test").add_broker("ssl://127.0.0.1:1").set_connect_retries(1);
    CHECK(empty.client_id() == "cpp-test" && empty.brokers().size() == 1 && !empty.use_websockets());
    auto e = error_of([&] { empty.add_broker("abc;def"); });
    CHECK(e.code() == DXLTIE_E_INVALID_ARG);
    e = error_of([] { dxltie::Config::from_file("/nonexistent/dxlclient.config"); });
    CHECK(e.code() == DXLTIE_E_IO && e.message().find("/nonexistent/dxlclient.config") != std::string::npos);
    dxltie::Config moved = std::move(from_file);
    CHECK(moved.get() != nullptr && from_file.get() == nullptr);

    // Values the C API cannot hold are refused, never truncated: 2^32 + 5 s is not 5 s.
    int out_of_range = 0;
    auto refuses = [&](auto fn) {
        try {
            fn();
        } catch (const std::out_of_range&) {
            out_of_range++;
        }
    };
    refuses([&] { empty.set_keep_alive(std::chrono::seconds(4294967296LL + 5)); });
    refuses([&] { empty.set_keep_alive(std::chrono::seconds(-1)); });
    refuses([&] { empty.set_reconnect_back_off(std::chrono::milliseconds(-1), 2, std::chrono::seconds(1), 0.1); });
    CHECK(out_of_range == 3);
    e = error_of([&] { empty.set_keep_alive(std::chrono::seconds(65536)); });
    CHECK(e.code() == DXLTIE_E_INVALID_ARG && e.message().find("65535") != std::string::npos);
    empty.set_keep_alive(std::chrono::seconds(65535));
    e = error_of([&] { empty.set_reputation_cache(10, std::chrono::seconds(0)); });
    CHECK(e.code() == DXLTIE_E_INVALID_ARG && e.message().find("time to live") != std::string::npos);
    CHECK(empty.try_set_reputation_cache(10, std::chrono::seconds(-1)).code() == DXLTIE_E_INVALID_ARG);
    empty.set_reputation_cache(0, std::chrono::seconds(0));
}

/// The reputation cache: a second lookup is a hit with the same answer.
void reputation_cache(const char* path) {
    dxltie::Client client(dxltie::Config::from_file(path).set_reputation_cache(100, std::chrono::seconds(600)));
    client.connect(std::chrono::seconds(10));
    const std::vector<dxltie::Hash> notepad = {{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}};
    auto first = client.get_file_reputation_json(notepad);
    auto second = client.get_file_reputation_json(notepad);
    CHECK(first == second);
    auto stats = client.stats();
    CHECK(stats.cache_hits == 1 && stats.cache_misses == 1 && stats.cache_entries == 1);
}

}  // namespace

// The DXL layer on one client (mosquitto fans a client's own request out to its own service
// subscription): a service answering and failing, sync and async requests, an event under a
// wildcard, registrations dropped by RAII.
void dxl_layer(dxltie::Client& client) {
    std::string service_id = client.register_service(
        "/dxltie/cpp/service", {"/dxltie/cpp/echo"}, [&client](const dxltie::Message& request) {
            if (request.payload == "fail")
                client.respond_error(request, 9, "cpp failure");
            else
                client.respond(request, "echo:" + request.payload);
        });
    CHECK(service_id.size() > 2 && service_id[0] == '{');
    // A plain MQTT broker has no registry to acknowledge it.
    CHECK(client.try_wait_service_registered(service_id, std::chrono::milliseconds(200)).is_timeout());
    dxltie::Message request;
    request.topic = "/dxltie/cpp/echo";
    request.payload = std::string("hi\0there", 8);  // bytes, NUL included
    request.other_fields = {{"k", "v"}};
    dxltie::Message answer = client.sync_request(request, std::chrono::seconds(10));
    CHECK(answer.type == DXLTIE_DXL_MESSAGE_TYPE_RESPONSE && answer.payload == "echo:" + request.payload);
    request.payload = "fail";
    answer = client.sync_request(request, std::chrono::seconds(10));
    CHECK(answer.is_error_response() && answer.error_code == 9 && answer.error_message == "cpp failure");
    std::mutex lock;
    std::condition_variable changed;
    std::optional<dxltie::DxlResponse> later;
    request.payload = "later";
    CHECK(client.try_async_request(
        request,
        [&](dxltie::DxlResponse&& r) {
            std::lock_guard<std::mutex> hold(lock);
            later = std::move(r);
            changed.notify_all();
        },
        std::chrono::seconds(10)));
    std::vector<dxltie::Message> events;
    {
        dxltie::Registration on_event = client.on_dxl_event("/dxltie/cpp/events/#", [&](const dxltie::Message& e) {
            std::lock_guard<std::mutex> hold(lock);
            events.push_back(e);
            changed.notify_all();
        });
        dxltie::Message event;
        event.topic = "/dxltie/cpp/events/a";
        event.payload = "ev";
        event.other_fields = {{"origin", "cpp"}};
        client.send_event(event);
        std::unique_lock<std::mutex> hold(lock);
        CHECK(changed.wait_for(hold, std::chrono::seconds(10), [&] { return later && !events.empty(); }));
    }
    CHECK(later && later->ok() && later->message.payload == "echo:later");
    CHECK(events.size() == 1 && events[0].topic == "/dxltie/cpp/events/a" && events[0].payload == "ev" &&
          events[0].other_field("origin") == std::optional<std::string>("cpp"));
    client.unregister_service(service_id);
    auto gone = client.try_unregister_service(service_id);
    CHECK(gone.code() == DXLTIE_E_NOT_FOUND);
    request.topic = "";
    CHECK(client.try_sync_request(request).status().code() == DXLTIE_E_INVALID_ARG);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dxlclient.config>\n", argv[0]);
        return 2;
    }
    try {
        config(argv[1]);
        helpers();
        dxltie::Client client(dxltie::Config::from_file(argv[1]));
        CHECK(!client.connected());
        client.connect(std::chrono::seconds(10));
        CHECK(client.connected());
        requests(client);
        async_requests(client);
        async_failures(client, argv[1]);
        error_returning(client, argv[1]);
        newer_functions(client, argv[1]);
        callbacks(client, argv[1]);
        reputation_cache(argv[1]);
        dxl_layer(client);
        CHECK(client.stats().received >= 8);
        dxltie::Client moved = std::move(client);
        CHECK(moved.connected() && !client.connected());
        auto e = error_of([&] { client.disconnect(); });
        CHECK(e.code() == DXLTIE_E_NULL_ARG);
        moved.disconnect();
        CHECK(!moved.connected());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        return 1;
    }
    if (failures) {
        std::fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    std::printf("OK\n");
    return 0;
}
