// The C++ wrapper against a broker and the binding tests' TIE responder
// (bindings/python/tests/tie_responder.py). Run by bindings/python/tests/test_cpp.py;
// prints "OK" and exits 0 when every check holds.
//
// Usage: test_wrapper <dxlclient.config>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "dxltie.hpp"

namespace {

int failures = 0;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (!(cond)) {                                                             \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                            \
        }                                                                          \
    } while (0)

const dxltie::Hashes notepad = {
    {DXLTIE_HASH_TYPE_MD5, "f2c7bb8acc97f92e987a2d4087d021b1"},
    {DXLTIE_HASH_TYPE_SHA1, "7eb0139d2175739b3ccb0d1110067820be6abd29"},
    {DXLTIE_HASH_TYPE_SHA256, "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"},
};
const std::string cert_sha1 = "6eae26db8c13182a7947982991b4321732cc3de2";
const std::string cert_pk_sha1 = "3b87a2d6f39770160364b79a152fcc73bae27adf";
const std::string agent_1 = "{3a6f574a-3e6f-436d-acd4-bcde336b054d}";

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

/// Counts calls and wakes waiters.
struct Counter {
    std::mutex mutex;
    std::condition_variable changed;
    int count = 0;
    void bump() {
        std::lock_guard<std::mutex> lock(mutex);
        count++;
        changed.notify_all();
    }
    bool wait_for(int n, std::chrono::seconds timeout = std::chrono::seconds(10)) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, timeout, [&] { return count >= n; });
    }
    int get() {
        std::lock_guard<std::mutex> lock(mutex);
        return count;
    }
};

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

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
}

}  // namespace

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
        callbacks(client, argv[1]);
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
