// dxltie.hpp: a header-only C++17 RAII wrapper over the dxltie C API (include/dxltie.h).
//
//   dxltie::Config config = dxltie::Config::from_file("/etc/agent/dxlclient.config");
//   dxltie::Client client(config);
//   client.connect();
//   auto reputations = client.get_file_reputation({{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}});
//   dxltie::Registration r = client.on_file_detection([](const dxltie::Detection& d) { ... });
//
// Ownership. Config and Client own their C handle (move-only; the destructor frees it). A
// Registration unregisters its callback when destroyed (or reset); it may outlive its Client,
// then it does nothing. Every callback is a std::function copied to the heap and deleted by the
// library's free function, exactly once, after its last call.
//
// Errors. Every failure throws dxltie::Error, carrying the DXLTIE_E_* code, the library's
// message and, for DXLTIE_E_SERVICE_ERROR, the fabric's or service's code.
//
// Threads. As in C: every member function is thread-safe except moving and destroying an object
// (do that from one thread). Callbacks run on the client's dispatcher thread, one at a time, in
// arrival order; they receive copies (std::string, std::vector) of the borrowed C data. An
// exception escaping a callback never reaches the library: it goes to the handler set with
// set_callback_exception_handler() (default: a line on stderr). Inside a callback you may make
// requests and drop registrations (even the running one), but do not destroy the Client there:
// the library refuses to free a client on its own dispatcher thread, so the handle would leak.
#ifndef DXLTIE_HPP
#define DXLTIE_HPP

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dxltie.h"

namespace dxltie {

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A failed library call.
class Error : public std::runtime_error {
public:
    Error(dxltie_result_t code, std::string message, uint32_t service_error_code = 0)
        : std::runtime_error(describe(code, message, service_error_code)),
          code_(code),
          message_(std::move(message)),
          service_error_code_(service_error_code) {}

    /// The DXLTIE_E_* code.
    dxltie_result_t code() const noexcept { return code_; }
    /// The library's static text for the code ("no response arrived within the timeout", ...).
    const char* code_text() const noexcept { return dxltie_result_str(code_); }
    /// The library's detail (for a service error: the service's own message).
    const std::string& message() const noexcept { return message_; }
    /// With DXLTIE_E_SERVICE_ERROR: the fabric's or service's code (e.g. 0x80000001), else 0.
    uint32_t service_error_code() const noexcept { return service_error_code_; }
    /// The service code as Python shows it (signed: 0x80000001 is -2147483647).
    int32_t signed_service_error_code() const noexcept {
        return static_cast<int32_t>(service_error_code_);
    }
    bool is_timeout() const noexcept { return code_ == DXLTIE_E_TIMEOUT; }
    bool is_service_error() const noexcept { return code_ == DXLTIE_E_SERVICE_ERROR; }

private:
    static std::string describe(dxltie_result_t code, const std::string& message, uint32_t service) {
        if (code == DXLTIE_E_SERVICE_ERROR) {
            // dxltieclient's text: "Error: <message> (<signed code>)"
            return "Error: " + message + " (" + std::to_string(static_cast<int32_t>(service)) + ")";
        }
        std::string text = dxltie_result_str(code);
        return message.empty() ? text : text + ": " + message;
    }

    dxltie_result_t code_;
    std::string message_;
    uint32_t service_error_code_;
};

namespace detail {

[[noreturn]] inline void throw_last(dxltie_result_t code) {
    const char* message = dxltie_last_error_message();  // this thread's, read right away
    uint32_t service = code == DXLTIE_E_SERVICE_ERROR ? dxltie_last_service_error_code() : 0;
    throw Error(code, message ? message : "", service);
}

/// A count of seconds or milliseconds as the uint32_t the C API takes: a value it cannot hold
/// is refused (std::out_of_range naming `what`), never truncated or clamped.
template <typename Count>
inline uint32_t to_u32(Count count, const char* what) {
    if (count < 0 || static_cast<unsigned long long>(count) > UINT32_MAX)
        throw std::out_of_range(std::string(what) + " out of range (0 to 4294967295): " + std::to_string(count));
    return static_cast<uint32_t>(count);
}

inline void check(dxltie_result_t code) {
    if (code != DXLTIE_OK) throw_last(code);
}

inline std::string str(const char* text) { return text ? std::string(text) : std::string(); }

inline std::optional<std::string> opt(const char* text) {
    return text ? std::optional<std::string>(text) : std::nullopt;
}

/// A NULL for an empty optional argument (the C API's "absent").
inline const char* c_or_null(const std::string& text) { return text.empty() ? nullptr : text.c_str(); }

/// Takes ownership of a string the library returned.
inline std::string take(char* text) {
    std::unique_ptr<char, void (*)(char*)> owned(text, dxltie_string_free);
    return str(owned.get());
}

}  // namespace detail

/// Receives every exception that escapes a callback (the library must never see one).
using CallbackExceptionHandler = std::function<void(std::exception_ptr)>;

namespace detail {
inline std::mutex& handler_mutex() {
    static std::mutex m;
    return m;
}
inline CallbackExceptionHandler& handler_slot() {
    static CallbackExceptionHandler handler;
    return handler;
}
inline void report_callback_exception(std::exception_ptr error) noexcept {
    try {
        CallbackExceptionHandler handler;
        {
            std::lock_guard<std::mutex> lock(handler_mutex());
            handler = handler_slot();
        }
        if (handler) {
            handler(error);
            return;
        }
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "dxltie: exception in a callback: %s\n", e.what());
        } catch (...) {
            std::fprintf(stderr, "dxltie: exception in a callback\n");
        }
    } catch (...) {
        // a throwing handler: nothing more to do
    }
}
}  // namespace detail

/// Sets the handler of exceptions that escape callbacks (an empty function restores the
/// default, a line on stderr). The handler runs on the dispatcher thread.
inline void set_callback_exception_handler(CallbackExceptionHandler handler) {
    std::lock_guard<std::mutex> lock(detail::handler_mutex());
    detail::handler_slot() = std::move(handler);
}

// ---------------------------------------------------------------------------------------------
// Values (copies of the C structs)
// ---------------------------------------------------------------------------------------------

/// An integer field the event or response did not carry.
constexpr int64_t absent = DXLTIE_ABSENT;

/// A hash: its type ("md5", "sha1", "sha256", ...) and its value as hex.
struct Hash {
    std::string type;
    std::string value;
};
using Hashes = std::vector<Hash>;

struct Attribute {
    std::string id;
    std::string value;
};

/// One provider's reputation. Integer fields are dxltie::absent when missing.
struct Reputation {
    int64_t provider_id = absent;
    int64_t trust_level = absent;
    int64_t create_date = absent;
    std::vector<Attribute> attributes;

    /// The value of attribute `id` ("2101652", DXLTIE_FILE_ENTERPRISE_ATTRIB_PREVALENCE, ...).
    std::optional<std::string> attribute(const std::string& id) const {
        for (const auto& a : attributes)
            if (a.id == id) return a.value;
        return std::nullopt;
    }
};

/// One system that first referenced a file or certificate.
struct FirstReference {
    std::optional<std::string> agent_guid;
    int64_t date = absent;
};

/// The DXL message an event arrived in (Python's `original_event`).
struct MessageInfo {
    std::string topic;
    std::string message_id;
    std::string source_client_id;
    std::string source_broker_id;
    std::vector<uint8_t> payload;
};

struct Detection {
    MessageInfo message;
    std::string json;  ///< the dictionary Python's callback receives, as JSON
    std::optional<std::string> agent_guid;
    int64_t detection_time = absent;
    Hashes hashes;
    int64_t local_reputation = absent;
    std::optional<std::string> name;
    int64_t remediation_action = absent;
};

struct FirstInstance {
    MessageInfo message;
    std::string json;
    std::optional<std::string> agent_guid;
    Hashes hashes;
    std::optional<std::string> name;
};

struct ReputationChange {
    MessageInfo message;
    std::string json;
    dxltie_event_kind_t kind = DXLTIE_EVENT_KIND_FILE_REPUTATION_CHANGE;
    Hashes hashes;
    std::vector<Reputation> new_reputations;
    std::vector<Reputation> old_reputations;
    int64_t update_time = absent;
    std::optional<std::string> public_key_sha1;              ///< certificate events
    Hashes certificate_hashes;                               ///< file events
    std::optional<std::string> certificate_public_key_sha1;  ///< file events
};

struct JsonEvent {
    MessageInfo message;
    dxltie_event_kind_t kind = DXLTIE_EVENT_KIND_FILE_DETECTION;
    std::string json;
};

struct Broker {
    std::string unique_id;
    uint16_t port = 0;
    std::string host_name;
    std::optional<std::string> ip_address;
};

struct ServerVersion {
    unsigned major = 0, minor = 0, patch = 0;
    uint32_t build = 0;
    std::string to_string() const {
        return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch) + "." +
               std::to_string(build);
    }
};

using Stats = dxltie_stats_t;

namespace detail {

inline MessageInfo copy(const dxltie_message_info_t& m) {
    MessageInfo out{str(m.topic), str(m.message_id), str(m.source_client_id), str(m.source_broker_id), {}};
    if (m.payload && m.payload_len) out.payload.assign(m.payload, m.payload + m.payload_len);
    return out;
}

inline Hashes copy(const dxltie_hash_t* hashes, size_t count) {
    Hashes out;
    out.reserve(count);
    for (size_t i = 0; i < count; i++) out.push_back({str(hashes[i].hash_type), str(hashes[i].value)});
    return out;
}

inline std::vector<Reputation> copy(const dxltie_reputation_t* items, size_t count) {
    std::vector<Reputation> out;
    out.reserve(count);
    for (size_t i = 0; i < count; i++) {
        Reputation r;
        r.provider_id = items[i].provider_id;
        r.trust_level = items[i].trust_level;
        r.create_date = items[i].create_date;
        for (size_t j = 0; j < items[i].attribute_count; j++)
            r.attributes.push_back({str(items[i].attributes[j].id), str(items[i].attributes[j].value)});
        out.push_back(std::move(r));
    }
    return out;
}

inline Detection copy(const dxltie_detection_t& e) {
    return Detection{copy(e.message), str(e.json), opt(e.agent_guid), e.detection_time,
                     copy(e.hashes, e.hash_count), e.local_reputation, opt(e.name), e.remediation_action};
}

inline FirstInstance copy(const dxltie_first_instance_t& e) {
    return FirstInstance{copy(e.message), str(e.json), opt(e.agent_guid), copy(e.hashes, e.hash_count), opt(e.name)};
}

inline ReputationChange copy(const dxltie_reputation_change_t& e) {
    ReputationChange out;
    out.message = copy(e.message);
    out.json = str(e.json);
    out.kind = e.kind;
    out.hashes = copy(e.hashes, e.hash_count);
    out.new_reputations = copy(e.new_reputations, e.new_reputation_count);
    out.old_reputations = copy(e.old_reputations, e.old_reputation_count);
    out.update_time = e.update_time;
    out.public_key_sha1 = opt(e.public_key_sha1);
    out.certificate_hashes = copy(e.certificate_hashes, e.certificate_hash_count);
    out.certificate_public_key_sha1 = opt(e.certificate_public_key_sha1);
    return out;
}

inline JsonEvent copy(const dxltie_json_event_t& e) { return JsonEvent{copy(e.message), e.kind, str(e.json)}; }

/// The C view of a hash list; valid while `hashes` lives.
inline std::vector<dxltie_hash_t> view(const Hashes& hashes) {
    std::vector<dxltie_hash_t> out;
    out.reserve(hashes.size());
    for (const auto& h : hashes) out.push_back({h.type.c_str(), h.value.c_str()});
    return out;
}

/// The trampolines the library calls: `user_data` is a heap std::function<void(const E&)>.
template <typename E, typename CEvent>
struct Trampoline {
    using Function = std::function<void(const E&)>;
    static void call(void* user_data, const CEvent* event) noexcept {
        try {
            (*static_cast<Function*>(user_data))(copy(*event));
        } catch (...) {
            report_callback_exception(std::current_exception());
        }
    }
    static void free(void* user_data) noexcept { delete static_cast<Function*>(user_data); }
};

struct StateTrampoline {
    using Function = std::function<void(dxltie_connection_state_t)>;
    static void call(void* user_data, dxltie_connection_state_t state) noexcept {
        try {
            (*static_cast<Function*>(user_data))(state);
        } catch (...) {
            report_callback_exception(std::current_exception());
        }
    }
    static void free(void* user_data) noexcept { delete static_cast<Function*>(user_data); }
};

/// The client handle, shared by the Client and (weakly) by its Registrations.
struct ClientState {
    dxltie_client_t* handle = nullptr;
    explicit ClientState(dxltie_client_t* h) : handle(h) {}
    ClientState(const ClientState&) = delete;
    ClientState& operator=(const ClientState&) = delete;
    ~ClientState() {
        // DXLTIE_E_WOULD_DEADLOCK when the last owner lets go inside one of the client's own
        // callbacks: nothing can be done from a destructor but leak the handle.
        if (handle) dxltie_client_free(handle);
    }
};

inline std::vector<Reputation> take(dxltie_reputations_t* list) {
    std::unique_ptr<dxltie_reputations_t, void (*)(dxltie_reputations_t*)> owned(list, dxltie_reputations_free);
    return copy(owned->items, owned->count);
}

inline std::vector<FirstReference> take(dxltie_first_references_t* list) {
    std::unique_ptr<dxltie_first_references_t, void (*)(dxltie_first_references_t*)> owned(
        list, dxltie_first_references_free);
    std::vector<FirstReference> out;
    out.reserve(owned->count);
    for (size_t i = 0; i < owned->count; i++) out.push_back({opt(owned->items[i].agent_guid), owned->items[i].date});
    return out;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

/// A client configuration (owns a dxltie_config_t).
class Config {
public:
    /// An empty configuration: no brokers or certificates, a random client id.
    Config() { detail::check(dxltie_config_new(&handle_)); }

    /// Reads a dxlclient.config file as the Python client does.
    static Config from_file(const std::string& path) {
        dxltie_config_t* handle = nullptr;
        detail::check(dxltie_config_from_file(path.c_str(), &handle));
        return Config(handle);
    }

    Config(Config&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Config& operator=(Config&& other) noexcept {
        if (this != &other) {
            dxltie_config_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Config(const Config&) = delete;
    Config& operator=(const Config&) = delete;
    ~Config() { dxltie_config_free(handle_); }

    Config& set_certificate_files(const std::string& broker_ca, const std::string& cert, const std::string& key) {
        detail::check(dxltie_config_set_certificate_files(handle_, broker_ca.c_str(), cert.c_str(), key.c_str()));
        return *this;
    }
    Config& set_certificate_pems(const std::string& broker_ca, const std::string& cert, const std::string& key) {
        detail::check(dxltie_config_set_certificate_pems(handle_, broker_ca.c_str(), cert.c_str(), key.c_str()));
        return *this;
    }
    /// A dxlclient.config broker line ("id;port;host[;ip]") or a URL ("ssl://host:port").
    Config& add_broker(const std::string& broker) {
        detail::check(dxltie_config_add_broker(handle_, broker.c_str()));
        return *this;
    }
    Config& set_client_id(const std::string& client_id) {
        detail::check(dxltie_config_set_client_id(handle_, client_id.c_str()));
        return *this;
    }
    Config& set_connect_retries(int32_t retries) {
        detail::check(dxltie_config_set_connect_retries(handle_, retries));
        return *this;
    }
    Config& set_keep_alive(std::chrono::seconds interval) {
        detail::check(dxltie_config_set_keep_alive(handle_, detail::to_u32(interval.count(), "keep-alive seconds")));
        return *this;
    }
    Config& set_queue(size_t capacity, bool drop_oldest = false) {
        detail::check(dxltie_config_set_queue(handle_, capacity,
                                              drop_oldest ? DXLTIE_OVERFLOW_DROP_OLDEST : DXLTIE_OVERFLOW_BLOCK));
        return *this;
    }
    Config& set_reconnect_back_off(std::chrono::milliseconds initial, uint32_t multiplier,
                                   std::chrono::milliseconds max, double jitter) {
        detail::check(dxltie_config_set_reconnect_back_off(handle_, detail::to_u32(initial.count(), "initial delay ms"),
                                                           multiplier, detail::to_u32(max.count(), "max delay ms"),
                                                           jitter));
        return *this;
    }

    std::string client_id() const { return detail::str(dxltie_config_client_id(handle_)); }
    bool use_websockets() const { return dxltie_config_use_websockets(handle_); }
    std::vector<Broker> brokers() const {
        size_t count = 0;
        detail::check(dxltie_config_broker_count(handle_, &count));
        std::vector<Broker> out;
        for (size_t i = 0; i < count; i++) {
            dxltie_broker_t b = dxltie_broker_init();
            detail::check(dxltie_config_broker(handle_, i, &b));
            out.push_back({detail::str(b.unique_id), b.port, detail::str(b.host_name), detail::opt(b.ip_address)});
        }
        return out;
    }

    const dxltie_config_t* get() const noexcept { return handle_; }
    dxltie_config_t* get() noexcept { return handle_; }

private:
    explicit Config(dxltie_config_t* handle) : handle_(handle) {}
    dxltie_config_t* handle_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

/// A registered callback; unregisters it when destroyed or reset. Move-only. Safe to outlive
/// its Client (it then does nothing).
class Registration {
public:
    Registration() = default;
    Registration(Registration&& other) noexcept
        : client_(std::move(other.client_)), id_(std::exchange(other.id_, 0)) {}
    Registration& operator=(Registration&& other) noexcept {
        if (this != &other) {
            reset();
            client_ = std::move(other.client_);
            id_ = std::exchange(other.id_, 0);
        }
        return *this;
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() { reset(); }

    /// Unregisters now. From another thread this waits for a running call of the callback to
    /// return; inside a callback (even its own) it returns at once. The callback is not called
    /// after this returns.
    void reset() noexcept {
        if (id_ == 0) return;
        if (auto client = client_.lock()) dxltie_remove_callback(client->handle, id_);
        client_.reset();
        id_ = 0;
    }

    /// Keeps the callback registered for the client's lifetime and forgets it here.
    uint64_t release() noexcept {
        client_.reset();
        return std::exchange(id_, 0);
    }

    uint64_t id() const noexcept { return id_; }
    explicit operator bool() const noexcept { return id_ != 0; }

private:
    friend class Client;
    Registration(std::weak_ptr<detail::ClientState> client, uint64_t id) : client_(std::move(client)), id_(id) {}
    std::weak_ptr<detail::ClientState> client_;
    uint64_t id_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/// A DXL and TIE client (owns a dxltie_client_t). Move-only.
class Client {
public:
    using Timeout = std::optional<std::chrono::milliseconds>;

    /// The default and minimum response timeout, as dxltieclient's.
    static constexpr std::chrono::seconds default_response_timeout{DXLTIE_RESPONSE_TIMEOUT_DEFAULT_SECS};
    static constexpr std::chrono::seconds minimum_response_timeout{DXLTIE_RESPONSE_TIMEOUT_MINIMUM_SECS};

    /// Creates a client from `config` (copied; nothing is sent before connect()).
    explicit Client(const Config& config) {
        dxltie_client_t* handle = nullptr;
        detail::check(dxltie_client_new(config.get(), &handle));
        state_ = std::make_shared<detail::ClientState>(handle);
    }

    Client(Client&&) noexcept = default;
    Client& operator=(Client&&) noexcept = default;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    /// Frees the handle: disconnects, stops the client's threads and deletes every callback
    /// still registered. (Should a Registration be resetting on another thread at that moment,
    /// the handle is freed when that reset returns.)
    ~Client() = default;

    /// Connects and waits until every subscription is confirmed (at most `timeout`).
    void connect(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        detail::check(dxltie_client_connect(handle(), ms(timeout)));
    }
    void disconnect() { detail::check(dxltie_client_disconnect(handle())); }
    bool connected() const { return state_ && dxltie_client_is_connected(state_->handle); }
    Stats stats() const {
        Stats out{};
        out.struct_size = sizeof out;
        detail::check(dxltie_client_stats(handle(), &out));
        return out;
    }

    /// The timeout of every request that does not give its own (default 30 s). Like
    /// dxltieclient's response_timeout, values below 30 s are refused (std::invalid_argument);
    /// a shorter wait can still be passed to a single request.
    std::chrono::milliseconds response_timeout() const noexcept { return response_timeout_; }
    void set_response_timeout(std::chrono::milliseconds timeout) {
        if (timeout < minimum_response_timeout)
            throw std::invalid_argument("Response timeout must be greater than or equal to 30");
        response_timeout_ = timeout;
    }

    // -- TIE requests -------------------------------------------------------------------------

    std::vector<Reputation> get_file_reputation(const Hashes& hashes, Timeout timeout = {}) {
        auto view = detail::view(hashes);
        dxltie_reputations_t* out = nullptr;
        detail::check(dxltie_get_file_reputation(handle(), view.data(), view.size(), wait(timeout), &out));
        return detail::take(out);
    }
    /// The providerId map as JSON (keys "1", "3", ...).
    std::string get_file_reputation_json(const Hashes& hashes, Timeout timeout = {}) {
        auto view = detail::view(hashes);
        char* out = nullptr;
        detail::check(dxltie_get_file_reputation_json(handle(), view.data(), view.size(), wait(timeout), &out));
        return detail::take(out);
    }
    void set_file_reputation(int32_t trust_level, const Hashes& hashes, const std::string& filename = "",
                             const std::string& comment = "", Timeout timeout = {}) {
        auto view = detail::view(hashes);
        detail::check(dxltie_set_file_reputation(handle(), trust_level, view.data(), view.size(), filename.c_str(),
                                                 comment.c_str(), wait(timeout)));
    }
    /// An External provider reputation (a DXL event: no response, no timeout).
    void set_external_file_reputation(int32_t trust_level, const Hashes& hashes, uint64_t file_type = 0,
                                      const std::string& filename = "", const std::string& comment = "") {
        auto view = detail::view(hashes);
        detail::check(dxltie_set_external_file_reputation(handle(), trust_level, view.data(), view.size(), file_type,
                                                          filename.c_str(), comment.c_str()));
    }
    std::vector<FirstReference> get_file_first_references(const Hashes& hashes, int64_t query_limit = 500,
                                                          Timeout timeout = {}) {
        auto view = detail::view(hashes);
        dxltie_first_references_t* out = nullptr;
        detail::check(dxltie_get_file_first_references(handle(), view.data(), view.size(), query_limit, wait(timeout),
                                                       &out));
        return detail::take(out);
    }
    /// The `agents` list as JSON.
    std::string get_file_first_references_json(const Hashes& hashes, int64_t query_limit = 500,
                                               Timeout timeout = {}) {
        auto view = detail::view(hashes);
        char* out = nullptr;
        detail::check(dxltie_get_file_first_references_json(handle(), view.data(), view.size(), query_limit,
                                                            wait(timeout), &out));
        return detail::take(out);
    }
    /// `public_key_sha1` empty: absent.
    std::vector<Reputation> get_certificate_reputation(const std::string& sha1, const std::string& public_key_sha1 = "",
                                                       Timeout timeout = {}) {
        dxltie_reputations_t* out = nullptr;
        detail::check(dxltie_get_certificate_reputation(handle(), sha1.c_str(), detail::c_or_null(public_key_sha1),
                                                        wait(timeout), &out));
        return detail::take(out);
    }
    std::string get_certificate_reputation_json(const std::string& sha1, const std::string& public_key_sha1 = "",
                                                Timeout timeout = {}) {
        char* out = nullptr;
        detail::check(dxltie_get_certificate_reputation_json(handle(), sha1.c_str(),
                                                             detail::c_or_null(public_key_sha1), wait(timeout), &out));
        return detail::take(out);
    }
    void set_certificate_reputation(int32_t trust_level, const std::string& sha1,
                                    const std::string& public_key_sha1 = "", const std::string& comment = "",
                                    Timeout timeout = {}) {
        detail::check(dxltie_set_certificate_reputation(handle(), trust_level, sha1.c_str(),
                                                        detail::c_or_null(public_key_sha1), comment.c_str(),
                                                        wait(timeout)));
    }
    std::vector<FirstReference> get_certificate_first_references(const std::string& sha1,
                                                                 const std::string& public_key_sha1 = "",
                                                                 int64_t query_limit = 500, Timeout timeout = {}) {
        dxltie_first_references_t* out = nullptr;
        detail::check(dxltie_get_certificate_first_references(
            handle(), sha1.c_str(), detail::c_or_null(public_key_sha1), query_limit, wait(timeout), &out));
        return detail::take(out);
    }
    /// The `agents` list as JSON (the C API has no _json form of this one: taken from the list).
    std::string get_certificate_first_references_json(const std::string& sha1, const std::string& public_key_sha1 = "",
                                                      int64_t query_limit = 500, Timeout timeout = {}) {
        dxltie_first_references_t* out = nullptr;
        detail::check(dxltie_get_certificate_first_references(
            handle(), sha1.c_str(), detail::c_or_null(public_key_sha1), query_limit, wait(timeout), &out));
        std::unique_ptr<dxltie_first_references_t, void (*)(dxltie_first_references_t*)> owned(
            out, dxltie_first_references_free);
        return detail::str(owned->json);
    }

    // -- event callbacks ----------------------------------------------------------------------

    Registration on_file_detection(std::function<void(const Detection&)> callback) {
        return add<Detection, dxltie_detection_t>(dxltie_add_file_detection_callback, std::move(callback));
    }
    Registration on_file_first_instance(std::function<void(const FirstInstance&)> callback) {
        return add<FirstInstance, dxltie_first_instance_t>(dxltie_add_file_first_instance_callback,
                                                           std::move(callback));
    }
    Registration on_file_reputation_change(std::function<void(const ReputationChange&)> callback) {
        return add<ReputationChange, dxltie_reputation_change_t>(dxltie_add_file_reputation_change_callback,
                                                                 std::move(callback));
    }
    Registration on_certificate_reputation_change(std::function<void(const ReputationChange&)> callback) {
        return add<ReputationChange, dxltie_reputation_change_t>(dxltie_add_certificate_reputation_change_callback,
                                                                 std::move(callback));
    }
    /// Events of `kind` (DXLTIE_EVENT_KIND_*) as the JSON of the dictionary Python receives.
    Registration on_json_event(dxltie_event_kind_t kind, std::function<void(const JsonEvent&)> callback) {
        using T = detail::Trampoline<JsonEvent, dxltie_json_event_t>;
        auto* user_data = new T::Function(std::move(callback));
        uint64_t id = 0;
        dxltie_result_t rc = dxltie_add_json_callback(handle(), kind, &T::call, user_data, &T::free, &id);
        if (rc != DXLTIE_OK) {
            delete user_data;  // on failure the caller keeps its user data
            detail::throw_last(rc);
        }
        return Registration(state_, id);
    }
    /// Observes connection state changes (DXLTIE_STATE_*) until the client is freed.
    void on_state_change(std::function<void(dxltie_connection_state_t)> callback) {
        auto* user_data = new detail::StateTrampoline::Function(std::move(callback));
        dxltie_result_t rc = dxltie_client_set_state_callback(handle(), &detail::StateTrampoline::call, user_data,
                                                              &detail::StateTrampoline::free);
        if (rc != DXLTIE_OK) {
            delete user_data;
            detail::throw_last(rc);
        }
    }

    dxltie_client_t* get() const noexcept { return state_ ? state_->handle : nullptr; }

private:
    template <typename E, typename CEvent, typename AddFn>
    Registration add(AddFn add_fn, std::function<void(const E&)> callback) {
        using T = detail::Trampoline<E, CEvent>;
        auto* user_data = new typename T::Function(std::move(callback));
        uint64_t id = 0;
        dxltie_result_t rc = add_fn(handle(), &T::call, user_data, &T::free, &id);
        if (rc != DXLTIE_OK) {
            delete user_data;
            detail::throw_last(rc);
        }
        return Registration(state_, id);
    }

    dxltie_client_t* handle() const {
        if (!state_) throw Error(DXLTIE_E_NULL_ARG, "use of a moved-from dxltie::Client");
        return state_->handle;
    }

    static uint32_t ms(std::chrono::milliseconds timeout) { return detail::to_u32(timeout.count(), "timeout ms"); }
    uint32_t wait(const Timeout& timeout) const { return ms(timeout ? *timeout : response_timeout_); }

    std::shared_ptr<detail::ClientState> state_;
    std::chrono::milliseconds response_timeout_ = default_response_timeout;
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// "dxltie <version>" of the loaded library.
inline std::string version() { return dxltie_version(); }

/// JSON re-formatted as the Python samples print it (sorted keys, four-space indentation).
inline std::string json_pretty(const std::string& json) {
    char* out = nullptr;
    detail::check(dxltie_json_pretty(json.c_str(), &out));
    return detail::take(out);
}

/// A packed server version attribute ("73183493944770750" → 1.4.0.190).
inline ServerVersion to_version(const std::string& packed) {
    dxltie_server_version_t v;
    detail::check(dxltie_to_version(packed.c_str(), &v));
    return ServerVersion{v.major, v.minor, v.patch, v.build};
}

/// An aggregate attribute (CHILD_FILE_REPS, PARENT_FILE_REPS).
inline dxltie_aggregate_t to_aggregate(const std::string& base64) {
    dxltie_aggregate_t out;
    detail::check(dxltie_to_aggregate(base64.c_str(), &out));
    return out;
}

/// An epoch in local time ("%Y-%m-%d %H:%M:%S" unless `format` is given).
inline std::string to_localtime_string(int64_t epoch, const std::string& format = "") {
    char* out = nullptr;
    detail::check(dxltie_to_localtime_string(epoch, format.empty() ? nullptr : format.c_str(), &out));
    return detail::take(out);
}

inline bool is_valid_trust_level(int64_t trust_level) { return dxltie_is_valid_trust_level(trust_level); }
inline bool is_valid_file_type(uint64_t file_type) { return dxltie_is_valid_file_type(file_type); }

}  // namespace dxltie

#endif  // DXLTIE_HPP
