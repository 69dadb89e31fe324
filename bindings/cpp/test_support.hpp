// Shared by the wrapper's two test programs: test_wrapper.cpp (exceptions on, both forms of the
// API) and test_noexcept.cpp (built with -fno-exceptions -fno-rtti, the error-returning form
// only). Nothing here throws or needs RTTI.
#ifndef DXLTIE_TEST_SUPPORT_HPP
#define DXLTIE_TEST_SUPPORT_HPP

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dxltie.hpp"

namespace test {

inline int failures = 0;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            ::test::failures++;                                                           \
        }                                                                                 \
    } while (0)

inline const dxltie::Hashes notepad = {
    {DXLTIE_HASH_TYPE_MD5, "f2c7bb8acc97f92e987a2d4087d021b1"},
    {DXLTIE_HASH_TYPE_SHA1, "7eb0139d2175739b3ccb0d1110067820be6abd29"},
    {DXLTIE_HASH_TYPE_SHA256, "142e1d688ef0568370c37187fd9f2351d7ddeda574f8bfa9b0fa4ef42db85aa2"},
};
inline const std::string cert_sha1 = "6eae26db8c13182a7947982991b4321732cc3de2";
inline const std::string cert_pk_sha1 = "3b87a2d6f39770160364b79a152fcc73bae27adf";
inline const std::string agent_1 = "{3a6f574a-3e6f-436d-acd4-bcde336b054d}";
/// The responder answers all-0x00 hashes with ErrorResponse(0, "Could not find reputation"),
/// all-0xee with 0x80000001 and never answers all-0xff.
inline const dxltie::Hashes not_found = {{DXLTIE_HASH_TYPE_SHA1, std::string(40, '0')}};
inline const dxltie::Hashes never_answered = {{DXLTIE_HASH_TYPE_MD5, std::string(32, 'f')}};
inline const dxltie::Hashes bad_hex = {{DXLTIE_HASH_TYPE_MD5, "abc"}};
inline const std::string no_service_sha1(40, 'e');
inline const std::string never_answered_sha1(40, 'f');

inline bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// Polls `predicate` until it holds (true) or `timeout` passes (false).
template <typename P>
bool wait_until(P predicate, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!predicate()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
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

/// Counts its constructions (copies and moves included) and destructions: captured by a
/// callable, it shows how many copies of that callable exist and that each was destroyed once.
struct Tracked {
    static inline std::atomic<int> constructed{0};
    static inline std::atomic<int> destroyed{0};
    Tracked() { constructed++; }
    Tracked(const Tracked&) { constructed++; }
    Tracked(Tracked&&) noexcept { constructed++; }
    Tracked& operator=(const Tracked&) = default;
    Tracked& operator=(Tracked&&) = default;
    ~Tracked() { destroyed++; }
    static int live() { return constructed.load() - destroyed.load(); }
};

/// The six asynchronous requests.
enum Op { get_file_rep, set_file_rep, get_file_refs, get_cert_rep, set_cert_rep, get_cert_refs, op_count };
inline const char* const op_names[op_count] = {"get_file_reputation_async",      "set_file_reputation_async",
                                               "get_file_first_references_async", "get_certificate_reputation_async",
                                               "set_certificate_reputation_async",
                                               "get_certificate_first_references_async"};

/// What the callbacks of asynchronous requests received, one slot per request.
template <size_t N>
struct Responses {
    std::mutex mutex;
    std::condition_variable changed;
    std::array<int, N> calls{};
    std::array<std::optional<dxltie::Response>, N> responses;
    std::array<std::thread::id, N> threads;

    void record(size_t slot, dxltie::Response response) {
        std::lock_guard<std::mutex> lock(mutex);
        calls[slot]++;
        responses[slot] = std::move(response);
        threads[slot] = std::this_thread::get_id();
        changed.notify_all();
    }
    /// Waits until every slot was called at least once.
    bool wait_all(std::chrono::seconds timeout = std::chrono::seconds(10)) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, timeout, [&] {
            for (int c : calls)
                if (c == 0) return false;
            return true;
        });
    }
    bool wait(size_t slot, std::chrono::seconds timeout = std::chrono::seconds(10)) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, timeout, [&] { return calls[slot] > 0; });
    }
    int calls_of(size_t slot) {
        std::lock_guard<std::mutex> lock(mutex);
        return calls[slot];
    }
    int total_calls() {
        std::lock_guard<std::mutex> lock(mutex);
        int total = 0;
        for (int c : calls) total += c;
        return total;
    }
};

/// The callable given to an asynchronous request: records into `slot` and carries a Tracked.
template <size_t N>
auto recorder(Responses<N>& into, size_t slot) {
    return [&into, slot, token = Tracked()](dxltie::Response response) {
        (void)token;
        into.record(slot, std::move(response));
    };
}

/// The successful response of request `op` as the responder answers the requests the tests send
/// (notepad's hashes, the certificate's sha1).
inline void check_success(Op op, const dxltie::Response& r) {
    if (!r.ok()) {
        std::fprintf(stderr, "%s failed: %s\n", op_names[op], r.status.to_string().c_str());
        failures++;
        return;
    }
    CHECK(r.status.code() == DXLTIE_OK && r.status.message().empty() && r.status.service_error_code() == 0);
    switch (op) {
        case get_file_rep:
            CHECK(r.reputations.size() == 2 && r.first_references.empty());
            CHECK(r.reputations.size() == 2 && r.reputations[0].provider_id == DXLTIE_FILE_PROVIDER_GTI &&
                  r.reputations[0].trust_level == 99);
            CHECK(r.reputations.size() == 2 && r.reputations[1].provider_id == DXLTIE_FILE_PROVIDER_ENTERPRISE &&
                  r.reputations[1].attribute(DXLTIE_FILE_ENTERPRISE_ATTRIB_PREVALENCE) ==
                      std::optional<std::string>("17"));
            CHECK(contains(r.json, "\"1\"") && contains(r.json, "\"3\""));
            break;
        case get_cert_rep:
            CHECK(r.reputations.size() == 2 && r.first_references.empty());
            CHECK(r.reputations.size() == 2 && r.reputations[0].provider_id == DXLTIE_CERT_PROVIDER_GTI &&
                  r.reputations[1].provider_id == DXLTIE_CERT_PROVIDER_ENTERPRISE);
            CHECK(contains(r.json, "\"2\"") && contains(r.json, "\"4\""));
            break;
        case get_file_refs:
        case get_cert_refs:
            CHECK(r.first_references.size() == 2 && r.reputations.empty());
            CHECK(r.first_references.size() == 2 && r.first_references[0].agent_guid == agent_1 &&
                  r.first_references[0].date == 1475873692);
            CHECK(contains(r.json, agent_1));
            break;
        case set_file_rep:
        case set_cert_rep:
            CHECK(r.json == "null" && r.reputations.empty() && r.first_references.empty());
            break;
        case op_count:
            break;
    }
}

/// The asynchronous form of the responder's two service errors and of a timeout.
inline void check_not_found(const dxltie::Response& r) {
    CHECK(r.status.is_service_error() && r.status.service_error_code() == 0 &&
          r.status.message() == "Could not find reputation");
    CHECK(r.status.to_string() == "Error: Could not find reputation (0)");
    CHECK(r.json.empty() && r.reputations.empty() && r.first_references.empty());
}
inline void check_no_service(const dxltie::Response& r) {
    CHECK(r.status.is_service_error() && r.status.service_error_code() == 0x80000001u &&
          r.status.signed_service_error_code() == -2147483647);
    CHECK(r.status.to_string() == "Error: unable to locate service for request (-2147483647)");
}
inline void check_timeout(const dxltie::Response& r) {
    CHECK(r.status.is_timeout() && starts_with(r.status.message(), "Timeout waiting for response to message: {"));
}

}  // namespace test

#endif  // DXLTIE_TEST_SUPPORT_HPP
