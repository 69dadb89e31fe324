// dxltie.hpp: a header-only C++17 RAII wrapper over the dxltie C API (include/dxltie.h).
//
//   dxltie::Config config = dxltie::Config::from_file("/etc/agent/dxlclient.config");
//   dxltie::Client client(config);
//   client.connect();
//   auto reputations = client.get_file_reputation({{"md5", "f2c7bb8acc97f92e987a2d4087d021b1"}});
//   dxltie::Registration r = client.on_file_detection([](const dxltie::Detection& d) { ... });
//   client.get_file_reputation_async(hashes, [](dxltie::Response r) { ... });
//
// or, without exceptions (see "Errors"):
//
//   dxltie::Result<dxltie::Config> config = dxltie::Config::try_from_file(path);
//   if (!config) return report(config.status().to_string());
//   dxltie::Result<dxltie::Client> client = dxltie::Client::try_create(*config);
//   dxltie::Status connected = client ? client->try_connect() : client.status();
//
// Coverage. Every function of the C API has a C++ form: Config and Client (their handles and
// every request, synchronous and asynchronous), event and state callbacks, the helpers
// (json_pretty, to_version, to_aggregate, to_localtime_string, is_valid_trust_level,
// is_valid_file_type, has_definitive_reputation), the log callback (set_log_callback) and the
// versions (version, version_major/minor/patch). The free functions are called by destructors;
// dxltie_result_str is result_str() and Status::code_text(); the last error's message and service
// code are read into every failed Status.
//
// Ownership. Config and Client own their C handle (move-only; the destructor frees it). A
// Registration unregisters its callback when destroyed (or reset); it may outlive its Client,
// then it does nothing. Every event callback is a std::function copied to the heap and deleted by
// the library's free function, exactly once, after its last call.
//
// Asynchronous requests. get_file_reputation_async and the five others return at once and take
// any callable invocable with a dxltie::Response&& (a lambda, std::function, a move-only
// functor), placed right after the request's required arguments:
//
//   client.get_certificate_reputation_async(sha1, [](dxltie::Response r) { ... }, public_key_sha1);
//
// The callable is moved (or copied) to the heap; when the call succeeds it is called exactly
// once, on the client's dispatcher thread, with a Response (status, JSON, and the reputations or
// first references as the synchronous forms return them, all copies), and destroyed right after
// that call by the library's free_user_data. If the client is destroyed first, it is called
// (with DXLTIE_E_NOT_CONNECTED or DXLTIE_E_SHUTDOWN) and destroyed before the Client's destructor
// returns. When the call fails (bad argument, not connected, moved-from client) it is
// never called and the wrapper destroys it before returning.
//
// Errors. Two forms of every operation that can fail:
//
//   * The error-returning form, always declared: try_<name>() returns a dxltie::Status (code,
//     the library's message and, for DXLTIE_E_SERVICE_ERROR, the fabric's or service's code)
//     or a dxltie::Result<T> (a Status plus the value on success). Constructors have static
//     try_create() counterparts (Config::try_create, Config::try_from_file, Client::try_create).
//     Status and Result are [[nodiscard]]. Arguments the C API cannot hold (a duration beyond
//     uint32_t) give DXLTIE_E_INVALID_ARG.
//   * The throwing form, the plain name: it throws dxltie::Error (std::runtime_error) on a library
//     failure, std::out_of_range for a duration the C API cannot hold and std::invalid_argument
//     for a response timeout below 30 s. Result<T>::value() on a failed result throws the same.
//
// Without exceptions. When the compiler has exceptions off (-fno-exceptions: neither
// __cpp_exceptions nor __EXCEPTIONS nor _CPPUNWIND is defined), or when DXLTIE_HPP_NO_EXCEPTIONS
// is defined before this header is included, DXLTIE_HPP_EXCEPTIONS is 0 and only the
// error-returning form exists: the throwing member functions, the throwing constructors
// (Config(), Client(const Config&)), dxltie::Error and set_callback_exception_handler are not
// declared, so a call to one is a compile-time error rather than a run-time abort. The one
// remaining way to fail loudly is Result<T>::value() on a failed result, which prints the status
// on stderr and calls std::abort() (check ok() first, or use operator* / value_or). The wrapper
// needs no RTTI (-fno-rtti works). Include the header the same way (with or without
// DXLTIE_HPP_NO_EXCEPTIONS) in every translation unit of a program: the classes differ.
//
// Threads. As in C: every Client function is thread-safe, a Config is not (change one from one
// thread at a time); move and destroy an object from one thread. Callbacks run on the client's dispatcher thread, one at a time, in
// arrival order; they receive copies (std::string, std::vector) of the borrowed C data. With
// exceptions on, an exception escaping a callback never reaches the library: it goes to the
// handler set with set_callback_exception_handler() (default: a line on stderr). Inside a
// callback you may make requests (synchronous or asynchronous) and drop registrations (even the
// running one), but do not destroy the Client there: the library refuses to free a client on its
// own dispatcher thread, so the handle would leak. The log callback runs on whichever library
// thread logs: keep it short and call no dxltie function from it.
#ifndef DXLTIE_HPP
#define DXLTIE_HPP

#if defined(DXLTIE_HPP_NO_EXCEPTIONS)
#define DXLTIE_HPP_EXCEPTIONS 0
#elif defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define DXLTIE_HPP_EXCEPTIONS 1
#else
#define DXLTIE_HPP_EXCEPTIONS 0
#endif

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#if DXLTIE_HPP_EXCEPTIONS
#include <exception>
#include <stdexcept>
#endif

#include "dxltie.h"

namespace dxltie {

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

namespace detail {
/// Which exception the throwing form raises for a failure (a library error unless the wrapper
/// refused an argument itself).
enum class Raise : uint8_t { error, out_of_range, invalid_argument };
struct StatusAccess;
}  // namespace detail

/// The outcome of a call: DXLTIE_OK, or a DXLTIE_E_* code with the library's message and, for
/// DXLTIE_E_SERVICE_ERROR, the fabric's or service's code. Converts to true on success.
class [[nodiscard]] Status {
public:
    /// Success.
    Status() = default;
    Status(dxltie_result_t code, std::string message, uint32_t service_error_code = 0)
        : code_(code), message_(std::move(message)), service_error_code_(service_error_code) {}

    /// The failure `code` with this thread's detail from the library (its last error message and,
    /// for DXLTIE_E_SERVICE_ERROR, its last service error code); read it right after the call.
    static Status last(dxltie_result_t code) {
        if (code == DXLTIE_OK) return Status();
        const char* message = dxltie_last_error_message();
        uint32_t service = code == DXLTIE_E_SERVICE_ERROR ? dxltie_last_service_error_code() : 0;
        return Status(code, message ? message : "", service);
    }

    bool ok() const noexcept { return code_ == DXLTIE_OK; }
    explicit operator bool() const noexcept { return ok(); }

    /// DXLTIE_OK or the DXLTIE_E_* code.
    dxltie_result_t code() const noexcept { return code_; }
    /// The library's static text for the code ("no response arrived within the timeout", ...).
    const char* code_text() const noexcept { return dxltie_result_str(code_); }
    /// The library's detail (for a service error: the service's own message); "" on success.
    const std::string& message() const noexcept { return message_; }
    /// With DXLTIE_E_SERVICE_ERROR: the fabric's or service's code (e.g. 0x80000001), else 0.
    uint32_t service_error_code() const noexcept { return service_error_code_; }
    /// The service code as Python shows it (signed: 0x80000001 is -2147483647).
    int32_t signed_service_error_code() const noexcept { return static_cast<int32_t>(service_error_code_); }
    bool is_timeout() const noexcept { return code_ == DXLTIE_E_TIMEOUT; }
    bool is_service_error() const noexcept { return code_ == DXLTIE_E_SERVICE_ERROR; }

    /// One line: for a service error dxltieclient's "Error: <message> (<signed code>)", else
    /// "<code text>: <message>" (what() of the matching dxltie::Error).
    std::string to_string() const {
        if (code_ == DXLTIE_E_SERVICE_ERROR)
            return "Error: " + message_ + " (" + std::to_string(signed_service_error_code()) + ")";
        std::string text = dxltie_result_str(code_);
        return message_.empty() ? text : text + ": " + message_;
    }

private:
    friend struct detail::StatusAccess;
    dxltie_result_t code_ = DXLTIE_OK;
    std::string message_;
    uint32_t service_error_code_ = 0;
    detail::Raise raise_ = detail::Raise::error;
};

namespace detail {
struct StatusAccess {
    static Status refused(std::string message, Raise raise) {
        Status status(DXLTIE_E_INVALID_ARG, std::move(message));
        status.raise_ = raise;
        return status;
    }
    static Raise raise(const Status& status) noexcept { return status.raise_; }
};
}  // namespace detail

#if DXLTIE_HPP_EXCEPTIONS
/// A failed library call (the throwing form of the API).
class Error : public std::runtime_error {
public:
    Error(dxltie_result_t code, std::string message, uint32_t service_error_code = 0)
        : Error(Status(code, std::move(message), service_error_code)) {}
    explicit Error(Status status) : std::runtime_error(status.to_string()), status_(std::move(status)) {}

    /// The DXLTIE_E_* code.
    dxltie_result_t code() const noexcept { return status_.code(); }
    /// The library's static text for the code ("no response arrived within the timeout", ...).
    const char* code_text() const noexcept { return status_.code_text(); }
    /// The library's detail (for a service error: the service's own message).
    const std::string& message() const noexcept { return status_.message(); }
    /// With DXLTIE_E_SERVICE_ERROR: the fabric's or service's code (e.g. 0x80000001), else 0.
    uint32_t service_error_code() const noexcept { return status_.service_error_code(); }
    /// The service code as Python shows it (signed: 0x80000001 is -2147483647).
    int32_t signed_service_error_code() const noexcept { return status_.signed_service_error_code(); }
    bool is_timeout() const noexcept { return status_.is_timeout(); }
    bool is_service_error() const noexcept { return status_.is_service_error(); }
    /// The same failure as a Status.
    const Status& status() const noexcept { return status_; }

private:
    Status status_;
};
#endif

namespace detail {

/// Throws what the throwing form throws for `status` (with exceptions), or prints it and aborts.
[[noreturn]] inline void fail(const Status& status) {
#if DXLTIE_HPP_EXCEPTIONS
    switch (StatusAccess::raise(status)) {
        case Raise::out_of_range: throw std::out_of_range(status.message());
        case Raise::invalid_argument: throw std::invalid_argument(status.message());
        case Raise::error: break;
    }
    throw Error(status);
#else
    std::fprintf(stderr, "dxltie: value() of a failed dxltie::Result: %s\n", status.to_string().c_str());
    std::abort();
#endif
}

}  // namespace detail

/// A value or the Status of the failure that prevented it. Converts to true on success.
template <typename T>
class [[nodiscard]] Result {
public:
    using value_type = T;

    Result(T value) : value_(std::move(value)) {}
    Result(Status status) : status_(std::move(status)) {
        if (status_.ok()) status_ = Status(DXLTIE_E_PANIC, "dxltie::Result made of a success Status without a value");
    }

    bool ok() const noexcept { return status_.ok(); }
    explicit operator bool() const noexcept { return ok(); }
    /// Success, or the failure.
    const Status& status() const noexcept { return status_; }
    dxltie_result_t code() const noexcept { return status_.code(); }
    const std::string& message() const noexcept { return status_.message(); }

    /// The value. On a failed result: with exceptions, throws as the throwing form would
    /// (dxltie::Error, ...); without, prints the status on stderr and aborts.
    T& value() & {
        if (!ok()) detail::fail(status_);
        return *value_;
    }
    const T& value() const& {
        if (!ok()) detail::fail(status_);
        return *value_;
    }
    T&& value() && {
        if (!ok()) detail::fail(status_);
        return std::move(*value_);
    }
    /// The value, or `fallback` on a failed result.
    template <typename U = T>
    T value_or(U&& fallback) const& {
        return ok() ? *value_ : static_cast<T>(std::forward<U>(fallback));
    }
    template <typename U = T>
    T value_or(U&& fallback) && {
        return ok() ? std::move(*value_) : static_cast<T>(std::forward<U>(fallback));
    }
    /// The value without a check: only after ok() returned true.
    T& operator*() & noexcept { return *value_; }
    const T& operator*() const& noexcept { return *value_; }
    T&& operator*() && noexcept { return std::move(*value_); }
    T* operator->() noexcept { return &*value_; }
    const T* operator->() const noexcept { return &*value_; }

private:
    Status status_;
    std::optional<T> value_;
};

/// The library's static text for a result code; never NULL.
inline const char* result_str(dxltie_result_t code) noexcept { return dxltie_result_str(code); }

namespace detail {

#if DXLTIE_HPP_EXCEPTIONS
inline void raise_if(const Status& status) {
    if (!status.ok()) fail(status);
}
template <typename T>
T unwrap(Result<T>&& result) {
    return std::move(result).value();
}
#endif

/// A count of seconds or milliseconds as the uint32_t the C API takes: a value it cannot hold
/// is refused (DXLTIE_E_INVALID_ARG naming `what`; std::out_of_range in the throwing form), never
/// truncated or clamped.
template <typename Count>
inline Status to_u32(Count count, const char* what, uint32_t& out) {
    if (count < 0 || static_cast<unsigned long long>(count) > UINT32_MAX)
        return StatusAccess::refused(
            std::string(what) + " out of range (0 to 4294967295): " + std::to_string(count), Raise::out_of_range);
    out = static_cast<uint32_t>(count);
    return Status();
}

inline Status check(dxltie_result_t code) { return Status::last(code); }

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

#if DXLTIE_HPP_EXCEPTIONS
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
/// default, a line on stderr). The handler runs on the thread of the callback that threw.
inline void set_callback_exception_handler(CallbackExceptionHandler handler) {
    std::lock_guard<std::mutex> lock(detail::handler_mutex());
    detail::handler_slot() = std::move(handler);
}
#endif

namespace detail {
/// Runs user code called by the library: no exception may cross into it.
template <typename F>
inline void guarded(F&& fn) noexcept {
#if DXLTIE_HPP_EXCEPTIONS
    try {
        fn();
    } catch (...) {
        report_callback_exception(std::current_exception());
    }
#else
    fn();
#endif
}
}  // namespace detail

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

/// The outcome of an asynchronous request (a copy of dxltie_response_t), given to its callable.
struct Response {
    /// Success, or DXLTIE_E_SERVICE_ERROR (with the service's code and message),
    /// DXLTIE_E_TIMEOUT, DXLTIE_E_BAD_RESPONSE, DXLTIE_E_NOT_CONNECTED or DXLTIE_E_SHUTDOWN.
    Status status;
    /// On success: the result as JSON ("null" for the two set operations); "" on failure.
    std::string json;
    /// On success of a reputation request: what get_*_reputation returns; empty otherwise.
    std::vector<Reputation> reputations;
    /// On success of a first-references request: what get_*_first_references returns.
    std::vector<FirstReference> first_references;

    bool ok() const noexcept { return status.ok(); }
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

/// A DXL message of any type (dxltie_dxl_message_t): what a DXL callback or request gets (a
/// copy), and what to send (fields left empty are not set; an empty message_id gets a new
/// {uuid}).
struct Message {
    dxltie_dxl_message_type_t type = DXLTIE_DXL_MESSAGE_TYPE_EVENT;
    uint32_t version = 0;
    std::string message_id;
    std::string topic;
    std::string payload;  ///< bytes, not necessarily text
    std::string source_client_id;
    std::string source_client_instance_id;
    std::string source_broker_id;
    std::vector<std::string> client_ids;
    std::vector<std::string> broker_ids;
    std::string source_tenant_guid;
    std::vector<std::string> destination_tenant_guids;
    std::vector<std::pair<std::string, std::string>> other_fields;
    std::string reply_to_topic;      ///< requests
    std::string service_id;          ///< requests, responses
    std::string request_message_id;  ///< responses
    uint32_t error_code = 0;         ///< error responses (0x80000001: no service for the topic)
    std::string error_message;       ///< error responses

    bool is_error_response() const noexcept { return type == DXLTIE_DXL_MESSAGE_TYPE_ERROR_RESPONSE; }
    /// The value of an other field, if the message has it.
    std::optional<std::string> other_field(const std::string& key) const {
        for (const auto& f : other_fields)
            if (f.first == key) return f.second;
        return std::nullopt;
    }
};

/// The outcome of an asynchronous DXL request, given to its callable once.
struct DxlResponse {
    /// Success (a Response), DXLTIE_E_SERVICE_ERROR (an ErrorResponse: `message` has it),
    /// DXLTIE_E_TIMEOUT, DXLTIE_E_NOT_CONNECTED or DXLTIE_E_SHUTDOWN.
    Status status;
    /// The answer for success and DXLTIE_E_SERVICE_ERROR; empty otherwise.
    Message message;
    bool ok() const noexcept { return status.ok(); }
};

using Stats = dxltie_stats_t;

namespace detail {

inline std::vector<std::string> copy_strings(const char* const* items, size_t count) {
    std::vector<std::string> out;
    for (size_t i = 0; i < count; i++) out.push_back(str(items[i]));
    return out;
}

inline Message copy(const dxltie_dxl_message_t& m) {
    Message out;
    out.type = m.message_type;
    out.version = m.version;
    out.message_id = str(m.message_id);
    out.topic = str(m.topic);
    if (m.payload && m.payload_len) out.payload.assign(reinterpret_cast<const char*>(m.payload), m.payload_len);
    out.source_client_id = str(m.source_client_id);
    out.source_client_instance_id = str(m.source_client_instance_id);
    out.source_broker_id = str(m.source_broker_id);
    out.client_ids = copy_strings(m.client_ids, m.client_id_count);
    out.broker_ids = copy_strings(m.broker_ids, m.broker_id_count);
    out.source_tenant_guid = str(m.source_tenant_guid);
    out.destination_tenant_guids = copy_strings(m.destination_tenant_guids, m.destination_tenant_guid_count);
    for (size_t i = 0; i < m.other_field_count; i++)
        out.other_fields.emplace_back(str(m.other_fields[i].key), str(m.other_fields[i].value));
    out.reply_to_topic = str(m.reply_to_topic);
    out.service_id = str(m.service_id);
    out.request_message_id = str(m.request_message_id);
    out.error_code = m.error_code;
    out.error_message = str(m.error_message);
    return out;
}

/// A Message seen as the C struct; its pointers point into the Message, which must outlive it.
struct MessageView {
    dxltie_dxl_message_t c = dxltie_dxl_message_init();
    std::vector<const char*> clients, brokers, tenants;
    std::vector<dxltie_dxl_field_t> fields;
    explicit MessageView(const Message& m) {
        auto s = [](const std::string& v) { return v.empty() ? nullptr : v.c_str(); };
        auto list = [](const std::vector<std::string>& from, std::vector<const char*>& to) {
            for (const auto& v : from) to.push_back(v.c_str());
            return to.empty() ? nullptr : to.data();
        };
        c.message_type = m.type;
        c.message_id = s(m.message_id);
        c.topic = m.topic.c_str();
        c.payload = reinterpret_cast<const uint8_t*>(m.payload.data());
        c.payload_len = m.payload.size();
        c.source_client_id = s(m.source_client_id);
        c.source_client_instance_id = s(m.source_client_instance_id);
        c.source_broker_id = s(m.source_broker_id);
        c.client_ids = list(m.client_ids, clients);
        c.client_id_count = clients.size();
        c.broker_ids = list(m.broker_ids, brokers);
        c.broker_id_count = brokers.size();
        c.source_tenant_guid = s(m.source_tenant_guid);
        c.destination_tenant_guids = list(m.destination_tenant_guids, tenants);
        c.destination_tenant_guid_count = tenants.size();
        for (const auto& f : m.other_fields) fields.push_back({f.first.c_str(), f.second.c_str()});
        c.other_fields = fields.empty() ? nullptr : fields.data();
        c.other_field_count = fields.size();
        c.reply_to_topic = s(m.reply_to_topic);
        c.service_id = s(m.service_id);
        c.request_message_id = s(m.request_message_id);
        c.error_code = m.error_code;
        c.error_message = s(m.error_message);
    }
    MessageView(const MessageView&) = delete;
    MessageView& operator=(const MessageView&) = delete;
};

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

inline std::vector<FirstReference> copy(const dxltie_first_reference_t* items, size_t count) {
    std::vector<FirstReference> out;
    out.reserve(count);
    for (size_t i = 0; i < count; i++) out.push_back({opt(items[i].agent_guid), items[i].date});
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

inline Response copy(const dxltie_response_t& r) {
    Response out;
    if (r.status != DXLTIE_OK) {
        out.status = Status(r.status, str(r.error_message), r.service_error_code);
        return out;
    }
    out.json = str(r.json);
    if (r.reputations) out.reputations = copy(r.reputations->items, r.reputations->count);
    if (r.first_references) out.first_references = copy(r.first_references->items, r.first_references->count);
    return out;
}

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
        guarded([&] { (*static_cast<Function*>(user_data))(copy(*event)); });
    }
    static void free(void* user_data) noexcept { delete static_cast<Function*>(user_data); }
};

/// The user data of an asynchronous DXL request: called once with the outcome.
template <typename F>
struct DxlAsyncCall {
    F function;
    static void call(void* user_data, dxltie_result_t status, const char* error_message,
                     const dxltie_dxl_message_t* response) noexcept {
        guarded([&] {
            DxlResponse outcome{status == DXLTIE_OK ? Status() : Status(status, error_message ? error_message : "",
                                                                         response ? response->error_code : 0),
                                response ? copy(*response) : Message{}};
            static_cast<DxlAsyncCall*>(user_data)->function(std::move(outcome));
        });
    }
    static void free(void* user_data) noexcept { delete static_cast<DxlAsyncCall*>(user_data); }
};

struct StateTrampoline {
    using Function = std::function<void(dxltie_connection_state_t)>;
    static void call(void* user_data, dxltie_connection_state_t state) noexcept {
        guarded([&] { (*static_cast<Function*>(user_data))(state); });
    }
    static void free(void* user_data) noexcept { delete static_cast<Function*>(user_data); }
};

/// The user data of an asynchronous request: the caller's callable, called once with the
/// Response and deleted by the library's free_user_data after that call.
template <typename F>
struct AsyncCall {
    F function;
    static void call(void* user_data, const dxltie_response_t* response) noexcept {
        guarded([&] { static_cast<AsyncCall*>(user_data)->function(copy(*response)); });
    }
    static void free(void* user_data) noexcept { delete static_cast<AsyncCall*>(user_data); }
};

/// The client handle, shared by the Client and (weakly) by its Registrations.
struct ClientState {
    dxltie_client_t* handle = nullptr;
    ClientState() = default;
    ClientState(const ClientState&) = delete;
    ClientState& operator=(const ClientState&) = delete;
    ~ClientState() {
        // DXLTIE_E_WOULD_DEADLOCK when the last owner lets go inside one of the client's own
        // callbacks: nothing can be done from a destructor but leak the handle.
        if (handle) (void)dxltie_client_free(handle);
    }
};

inline std::vector<Reputation> take(dxltie_reputations_t* list) {
    std::unique_ptr<dxltie_reputations_t, void (*)(dxltie_reputations_t*)> owned(list, dxltie_reputations_free);
    return copy(owned->items, owned->count);
}

inline std::vector<FirstReference> take(dxltie_first_references_t* list) {
    std::unique_ptr<dxltie_first_references_t, void (*)(dxltie_first_references_t*)> owned(
        list, dxltie_first_references_free);
    return copy(owned->items, owned->count);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------

/// A client configuration (owns a dxltie_config_t). Move-only.
class Config {
public:
    /// An empty configuration: no brokers or certificates, a random client id.
    static Result<Config> try_create() {
        dxltie_config_t* handle = nullptr;
        Status status = detail::check(dxltie_config_new(&handle));
        if (!status) return status;
        return Config(handle);
    }
    /// Reads a dxlclient.config file as the Python client does.
    static Result<Config> try_from_file(const std::string& path) {
        dxltie_config_t* handle = nullptr;
        Status status = detail::check(dxltie_config_from_file(path.c_str(), &handle));
        if (!status) return status;
        return Config(handle);
    }
#if DXLTIE_HPP_EXCEPTIONS
    /// An empty configuration (throws dxltie::Error; see try_create).
    Config() : Config(detail::unwrap(try_create())) {}
    /// Reads a dxlclient.config file (throws dxltie::Error; see try_from_file).
    static Config from_file(const std::string& path) { return detail::unwrap(try_from_file(path)); }
#endif

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

    // -- error-returning setters --------------------------------------------------------------

    Status try_set_certificate_files(const std::string& broker_ca, const std::string& cert, const std::string& key) {
        return detail::check(
            dxltie_config_set_certificate_files(handle_, broker_ca.c_str(), cert.c_str(), key.c_str()));
    }
    Status try_set_certificate_pems(const std::string& broker_ca, const std::string& cert, const std::string& key) {
        return detail::check(dxltie_config_set_certificate_pems(handle_, broker_ca.c_str(), cert.c_str(), key.c_str()));
    }
    /// A dxlclient.config broker line ("id;port;host[;ip]") or a URL ("ssl://host:port").
    Status try_add_broker(const std::string& broker) {
        return detail::check(dxltie_config_add_broker(handle_, broker.c_str()));
    }
    /// A broker of the WebSocket list ([BrokersWebSockets]): a line or "wss://host:port".
    Status try_add_websocket_broker(const std::string& broker) {
        return detail::check(dxltie_config_add_websocket_broker(handle_, broker.c_str()));
    }
    /// MQTT over secure WebSockets to the WebSocket list ([General] UseWebSockets).
    Status try_set_use_websockets(bool use_websockets) {
        return detail::check(dxltie_config_set_use_websockets(handle_, use_websockets));
    }
    /// The HTTP proxy of WebSocket connections ([Proxy]); an empty user means no credentials.
    Status try_set_proxy(const std::string& address, uint32_t port, const std::string& user = std::string(),
                         const std::string& password = std::string()) {
        return detail::check(dxltie_config_set_proxy(handle_, address.c_str(), port,
                                                     user.empty() ? nullptr : user.c_str(),
                                                     user.empty() ? nullptr : password.c_str()));
    }
    Status try_remove_proxy() {
        return detail::check(dxltie_config_set_proxy(handle_, nullptr, 0, nullptr, nullptr));
    }
    Status try_set_client_id(const std::string& client_id) {
        return detail::check(dxltie_config_set_client_id(handle_, client_id.c_str()));
    }
    Status try_set_connect_retries(int32_t retries) {
        return detail::check(dxltie_config_set_connect_retries(handle_, retries));
    }
    Status try_set_keep_alive(std::chrono::seconds interval) {
        uint32_t seconds = 0;
        Status status = detail::to_u32(interval.count(), "keep-alive seconds", seconds);
        if (!status) return status;
        return detail::check(dxltie_config_set_keep_alive(handle_, seconds));
    }
    /// Busy polling after a synchronous answer, 0 to 1000 µs (0, the default: off); see
    /// dxltie_config_set_busy_poll.
    Status try_set_busy_poll(std::chrono::microseconds duration) {
        uint32_t micros = 0;
        Status status = detail::to_u32(duration.count(), "busy poll microseconds", micros);
        if (!status) return status;
        return detail::check(dxltie_config_set_busy_poll(handle_, micros));
    }
    /// The reputation cache: at most max_entries answers (0: no cache, the default), each kept
    /// at most ttl (whole seconds, at least 1 with a cache); see dxltie_config_set_reputation_cache.
    Status try_set_reputation_cache(uint32_t max_entries, std::chrono::seconds ttl) {
        uint32_t seconds = 0;
        Status status = detail::to_u32(ttl.count(), "time-to-live seconds", seconds);
        if (!status) return status;
        return detail::check(dxltie_config_set_reputation_cache(handle_, max_entries, seconds));
    }
    Status try_set_queue(size_t capacity, bool drop_oldest = false) {
        const dxltie_overflow_policy_t policy = drop_oldest ? DXLTIE_OVERFLOW_DROP_OLDEST : DXLTIE_OVERFLOW_BLOCK;
        return detail::check(dxltie_config_set_queue(handle_, capacity, policy));
    }
    Status try_set_reconnect_back_off(std::chrono::milliseconds initial, uint32_t multiplier,
                                      std::chrono::milliseconds max, double jitter) {
        uint32_t initial_ms = 0, max_ms = 0;
        Status status = detail::to_u32(initial.count(), "initial delay ms", initial_ms);
        if (status) status = detail::to_u32(max.count(), "max delay ms", max_ms);
        if (!status) return status;
        return detail::check(dxltie_config_set_reconnect_back_off(handle_, initial_ms, multiplier, max_ms, jitter));
    }
    Result<std::vector<Broker>> try_brokers() const {
        size_t count = 0;
        Status status = detail::check(dxltie_config_broker_count(handle_, &count));
        if (!status) return status;
        std::vector<Broker> out;
        out.reserve(count);
        for (size_t i = 0; i < count; i++) {
            dxltie_broker_t b = dxltie_broker_init();
            status = detail::check(dxltie_config_broker(handle_, i, &b));
            if (!status) return status;
            out.push_back({detail::str(b.unique_id), b.port, detail::str(b.host_name), detail::opt(b.ip_address)});
        }
        return out;
    }

#if DXLTIE_HPP_EXCEPTIONS
    // -- throwing setters (chainable) ---------------------------------------------------------

    Config& set_certificate_files(const std::string& broker_ca, const std::string& cert, const std::string& key) {
        detail::raise_if(try_set_certificate_files(broker_ca, cert, key));
        return *this;
    }
    Config& set_certificate_pems(const std::string& broker_ca, const std::string& cert, const std::string& key) {
        detail::raise_if(try_set_certificate_pems(broker_ca, cert, key));
        return *this;
    }
    /// A dxlclient.config broker line ("id;port;host[;ip]") or a URL ("ssl://host:port").
    Config& add_broker(const std::string& broker) {
        detail::raise_if(try_add_broker(broker));
        return *this;
    }
    Config& add_websocket_broker(const std::string& broker) {
        detail::raise_if(try_add_websocket_broker(broker));
        return *this;
    }
    Config& set_use_websockets(bool use_websockets) {
        detail::raise_if(try_set_use_websockets(use_websockets));
        return *this;
    }
    Config& set_proxy(const std::string& address, uint32_t port, const std::string& user = std::string(),
                      const std::string& password = std::string()) {
        detail::raise_if(try_set_proxy(address, port, user, password));
        return *this;
    }
    Config& remove_proxy() {
        detail::raise_if(try_remove_proxy());
        return *this;
    }
    Config& set_client_id(const std::string& client_id) {
        detail::raise_if(try_set_client_id(client_id));
        return *this;
    }
    Config& set_connect_retries(int32_t retries) {
        detail::raise_if(try_set_connect_retries(retries));
        return *this;
    }
    /// Throws std::out_of_range for a value beyond uint32_t, dxltie::Error beyond 65535 s.
    Config& set_keep_alive(std::chrono::seconds interval) {
        detail::raise_if(try_set_keep_alive(interval));
        return *this;
    }
    /// Throws std::out_of_range for a value beyond uint32_t, dxltie::Error beyond 1000 µs.
    Config& set_busy_poll(std::chrono::microseconds duration) {
        detail::raise_if(try_set_busy_poll(duration));
        return *this;
    }
    /// Throws std::out_of_range for a ttl beyond uint32_t, dxltie::Error for a refused value.
    Config& set_reputation_cache(uint32_t max_entries, std::chrono::seconds ttl) {
        detail::raise_if(try_set_reputation_cache(max_entries, ttl));
        return *this;
    }
    Config& set_queue(size_t capacity, bool drop_oldest = false) {
        detail::raise_if(try_set_queue(capacity, drop_oldest));
        return *this;
    }
    Config& set_reconnect_back_off(std::chrono::milliseconds initial, uint32_t multiplier,
                                   std::chrono::milliseconds max, double jitter) {
        detail::raise_if(try_set_reconnect_back_off(initial, multiplier, max, jitter));
        return *this;
    }
    std::vector<Broker> brokers() const { return detail::unwrap(try_brokers()); }
#endif

    std::string client_id() const { return detail::str(dxltie_config_client_id(handle_)); }
    bool use_websockets() const { return dxltie_config_use_websockets(handle_); }

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
        if (auto client = client_.lock()) (void)dxltie_remove_callback(client->handle, id_);
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
    static Result<Client> try_create(const Config& config) {
        auto state = std::make_shared<detail::ClientState>();
        // On failure the out-parameter is not written: the state then holds no handle.
        Status status = detail::check(dxltie_client_new(config.get(), &state->handle));
        if (!status) return status;
        return Client(std::move(state));
    }
#if DXLTIE_HPP_EXCEPTIONS
    /// Creates a client from `config` (throws dxltie::Error; see try_create).
    explicit Client(const Config& config) : Client(detail::unwrap(try_create(config))) {}
#endif

    Client(Client&&) noexcept = default;
    Client& operator=(Client&&) noexcept = default;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    /// Frees the handle: disconnects (the callables of asynchronous requests still waiting are
    /// called with the failure, then destroyed), stops the client's threads and deletes every
    /// callback still registered.
    /// (Should a Registration be resetting on another thread at that moment, the handle is freed
    /// when that reset returns.)
    ~Client() = default;

    // -- connection (error-returning) ---------------------------------------------------------

    /// Connects and waits until every subscription is confirmed (at most `timeout`).
    Status try_connect(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        uint32_t ms = 0;
        Status status = live();
        if (status) status = detail::to_u32(timeout.count(), "timeout ms", ms);
        if (!status) return status;
        return detail::check(dxltie_client_connect(state_->handle, ms));
    }
    Status try_disconnect() {
        Status status = live();
        if (!status) return status;
        return detail::check(dxltie_client_disconnect(state_->handle));
    }
    bool connected() const noexcept { return state_ && dxltie_client_is_connected(state_->handle); }
    Result<Stats> try_stats() const {
        Status status = live();
        if (!status) return status;
        Stats out = dxltie_stats_init();
        status = detail::check(dxltie_client_stats(state_->handle, &out));
        if (!status) return status;
        return out;
    }

    /// The timeout of every request that does not give its own (default 30 s). Like
    /// dxltieclient's response_timeout, values below 30 s are refused (DXLTIE_E_INVALID_ARG;
    /// std::invalid_argument in the throwing form); a shorter wait can still be passed to a
    /// single request.
    std::chrono::milliseconds response_timeout() const noexcept { return response_timeout_; }
    Status try_set_response_timeout(std::chrono::milliseconds timeout) {
        if (timeout < minimum_response_timeout)
            return detail::StatusAccess::refused("Response timeout must be greater than or equal to 30",
                                                 detail::Raise::invalid_argument);
        response_timeout_ = timeout;
        return Status();
    }

    // -- TIE requests (error-returning) -------------------------------------------------------
    // `timeout` empty: response_timeout(). A timeout beyond uint32_t ms: DXLTIE_E_INVALID_ARG.

    Result<std::vector<Reputation>> try_get_file_reputation(const Hashes& hashes, Timeout timeout = {}) {
        return request<dxltie_reputations_t>(timeout, [&](dxltie_client_t* c, uint32_t ms, dxltie_reputations_t** out) {
            auto view = detail::view(hashes);
            return dxltie_get_file_reputation(c, view.data(), view.size(), ms, out);
        });
    }
    /// The providerId map as JSON (keys "1", "3", ...).
    Result<std::string> try_get_file_reputation_json(const Hashes& hashes, Timeout timeout = {}) {
        return request<char>(timeout, [&](dxltie_client_t* c, uint32_t ms, char** out) {
            auto view = detail::view(hashes);
            return dxltie_get_file_reputation_json(c, view.data(), view.size(), ms, out);
        });
    }
    Status try_set_file_reputation(int32_t trust_level, const Hashes& hashes, const std::string& filename = "",
                                   const std::string& comment = "", Timeout timeout = {}) {
        return call(timeout, [&](dxltie_client_t* c, uint32_t ms) {
            auto view = detail::view(hashes);
            return dxltie_set_file_reputation(c, trust_level, view.data(), view.size(), filename.c_str(),
                                              comment.c_str(), ms);
        });
    }
    /// An External provider reputation (a DXL event: no response, no timeout).
    Status try_set_external_file_reputation(int32_t trust_level, const Hashes& hashes, uint64_t file_type = 0,
                                            const std::string& filename = "", const std::string& comment = "") {
        Status status = live();
        if (!status) return status;
        auto view = detail::view(hashes);
        return detail::check(dxltie_set_external_file_reputation(state_->handle, trust_level, view.data(), view.size(),
                                                                 file_type, filename.c_str(), comment.c_str()));
    }
    Result<std::vector<FirstReference>> try_get_file_first_references(const Hashes& hashes, int64_t query_limit = 500,
                                                                      Timeout timeout = {}) {
        return request<dxltie_first_references_t>(
            timeout, [&](dxltie_client_t* c, uint32_t ms, dxltie_first_references_t** out) {
                auto view = detail::view(hashes);
                return dxltie_get_file_first_references(c, view.data(), view.size(), query_limit, ms, out);
            });
    }
    /// The `agents` list as JSON.
    Result<std::string> try_get_file_first_references_json(const Hashes& hashes, int64_t query_limit = 500,
                                                           Timeout timeout = {}) {
        return request<char>(timeout, [&](dxltie_client_t* c, uint32_t ms, char** out) {
            auto view = detail::view(hashes);
            return dxltie_get_file_first_references_json(c, view.data(), view.size(), query_limit, ms, out);
        });
    }
    /// `public_key_sha1` empty: absent.
    Result<std::vector<Reputation>> try_get_certificate_reputation(const std::string& sha1,
                                                                   const std::string& public_key_sha1 = "",
                                                                   Timeout timeout = {}) {
        return request<dxltie_reputations_t>(timeout, [&](dxltie_client_t* c, uint32_t ms, dxltie_reputations_t** out) {
            return dxltie_get_certificate_reputation(c, sha1.c_str(), detail::c_or_null(public_key_sha1), ms, out);
        });
    }
    Result<std::string> try_get_certificate_reputation_json(const std::string& sha1,
                                                            const std::string& public_key_sha1 = "",
                                                            Timeout timeout = {}) {
        return request<char>(timeout, [&](dxltie_client_t* c, uint32_t ms, char** out) {
            return dxltie_get_certificate_reputation_json(c, sha1.c_str(), detail::c_or_null(public_key_sha1), ms,
                                                          out);
        });
    }
    Status try_set_certificate_reputation(int32_t trust_level, const std::string& sha1,
                                          const std::string& public_key_sha1 = "", const std::string& comment = "",
                                          Timeout timeout = {}) {
        return call(timeout, [&](dxltie_client_t* c, uint32_t ms) {
            return dxltie_set_certificate_reputation(c, trust_level, sha1.c_str(), detail::c_or_null(public_key_sha1),
                                                     comment.c_str(), ms);
        });
    }
    Result<std::vector<FirstReference>> try_get_certificate_first_references(const std::string& sha1,
                                                                             const std::string& public_key_sha1 = "",
                                                                             int64_t query_limit = 500,
                                                                             Timeout timeout = {}) {
        return request<dxltie_first_references_t>(
            timeout, [&](dxltie_client_t* c, uint32_t ms, dxltie_first_references_t** out) {
                return dxltie_get_certificate_first_references(c, sha1.c_str(), detail::c_or_null(public_key_sha1),
                                                               query_limit, ms, out);
            });
    }
    /// The `agents` list as JSON.
    Result<std::string> try_get_certificate_first_references_json(const std::string& sha1,
                                                                  const std::string& public_key_sha1 = "",
                                                                  int64_t query_limit = 500, Timeout timeout = {}) {
        return request<char>(timeout, [&](dxltie_client_t* c, uint32_t ms, char** out) {
            return dxltie_get_certificate_first_references_json(c, sha1.c_str(), detail::c_or_null(public_key_sha1),
                                                                query_limit, ms, out);
        });
    }

    // -- asynchronous TIE requests (error-returning) ------------------------------------------
    // `callback`: any callable invocable with a dxltie::Response&& (see "Asynchronous requests"
    // at the top). On success it is called exactly once on the dispatcher thread, then
    // destroyed; on failure it is destroyed before this returns and never called.

    template <typename F>
    Status try_get_file_reputation_async(const Hashes& hashes, F&& callback, Timeout timeout = {}) {
        return send(std::forward<F>(callback), timeout,
                    [&](dxltie_client_t* c, uint32_t ms, dxltie_response_fn fn, void* data, dxltie_free_fn free_fn) {
                        auto view = detail::view(hashes);
                        return dxltie_get_file_reputation_async(c, view.data(), view.size(), ms, fn, data, free_fn);
                    });
    }
    template <typename F>
    Status try_set_file_reputation_async(int32_t trust_level, const Hashes& hashes, F&& callback,
                                         const std::string& filename = "", const std::string& comment = "",
                                         Timeout timeout = {}) {
        return send(std::forward<F>(callback), timeout,
                    [&](dxltie_client_t* c, uint32_t ms, dxltie_response_fn fn, void* data, dxltie_free_fn free_fn) {
                        auto view = detail::view(hashes);
                        return dxltie_set_file_reputation_async(c, trust_level, view.data(), view.size(),
                                                                filename.c_str(), comment.c_str(), ms, fn, data,
                                                                free_fn);
                    });
    }
    template <typename F>
    Status try_get_file_first_references_async(const Hashes& hashes, F&& callback, int64_t query_limit = 500,
                                               Timeout timeout = {}) {
        return send(std::forward<F>(callback), timeout,
                    [&](dxltie_client_t* c, uint32_t ms, dxltie_response_fn fn, void* data, dxltie_free_fn free_fn) {
                        auto view = detail::view(hashes);
                        return dxltie_get_file_first_references_async(c, view.data(), view.size(), query_limit, ms,
                                                                      fn, data, free_fn);
                    });
    }
    template <typename F>
    Status try_get_certificate_reputation_async(const std::string& sha1, F&& callback,
                                                const std::string& public_key_sha1 = "", Timeout timeout = {}) {
        return send(std::forward<F>(callback), timeout,
                    [&](dxltie_client_t* c, uint32_t ms, dxltie_response_fn fn, void* data, dxltie_free_fn free_fn) {
                        return dxltie_get_certificate_reputation_async(c, sha1.c_str(),
                                                                       detail::c_or_null(public_key_sha1), ms, fn,
                                                                       data, free_fn);
                    });
    }
    template <typename F>
    Status try_set_certificate_reputation_async(int32_t trust_level, const std::string& sha1, F&& callback,
                                                const std::string& public_key_sha1 = "",
                                                const std::string& comment = "", Timeout timeout = {}) {
        return send(std::forward<F>(callback), timeout,
                    [&](dxltie_client_t* c, uint32_t ms, dxltie_response_fn fn, void* data, dxltie_free_fn free_fn) {
                        return dxltie_set_certificate_reputation_async(c, trust_level, sha1.c_str(),
                                                                       detail::c_or_null(public_key_sha1),
                                                                       comment.c_str(), ms, fn, data, free_fn);
                    });
    }
    template <typename F>
    Status try_get_certificate_first_references_async(const std::string& sha1, F&& callback,
                                                      const std::string& public_key_sha1 = "",
                                                      int64_t query_limit = 500, Timeout timeout = {}) {
        return send(std::forward<F>(callback), timeout,
                    [&](dxltie_client_t* c, uint32_t ms, dxltie_response_fn fn, void* data, dxltie_free_fn free_fn) {
                        return dxltie_get_certificate_first_references_async(c, sha1.c_str(),
                                                                             detail::c_or_null(public_key_sha1),
                                                                             query_limit, ms, fn, data, free_fn);
                    });
    }

    // -- event callbacks (error-returning) ----------------------------------------------------

    Result<Registration> try_on_file_detection(std::function<void(const Detection&)> callback) {
        return add<Detection, dxltie_detection_t>(dxltie_add_file_detection_callback, std::move(callback));
    }
    Result<Registration> try_on_file_first_instance(std::function<void(const FirstInstance&)> callback) {
        return add<FirstInstance, dxltie_first_instance_t>(dxltie_add_file_first_instance_callback,
                                                           std::move(callback));
    }
    Result<Registration> try_on_file_reputation_change(std::function<void(const ReputationChange&)> callback) {
        return add<ReputationChange, dxltie_reputation_change_t>(dxltie_add_file_reputation_change_callback,
                                                                 std::move(callback));
    }
    Result<Registration> try_on_certificate_reputation_change(std::function<void(const ReputationChange&)> callback) {
        return add<ReputationChange, dxltie_reputation_change_t>(dxltie_add_certificate_reputation_change_callback,
                                                                 std::move(callback));
    }
    /// Events of `kind` (DXLTIE_EVENT_KIND_*) as the JSON of the dictionary Python receives.
    Result<Registration> try_on_json_event(dxltie_event_kind_t kind, std::function<void(const JsonEvent&)> callback) {
        return add<JsonEvent, dxltie_json_event_t>(
            [kind](dxltie_client_t* c, dxltie_json_fn fn, void* data, dxltie_free_fn free_fn, uint64_t* id) {
                return dxltie_add_json_callback(c, kind, fn, data, free_fn, id);
            },
            std::move(callback));
    }
    // -- the DXL layer (error-returning): events, requests, responses, services --------------
    // A DXL Registration is removed like a TIE one (its topic is unsubscribed when no other
    // callback uses it).

    /// Calls `callback` with each DXL event on `topic` ("" for every event received, a "/#"
    /// suffix for a subtree); with `subscribe`, also subscribes to `topic`.
    Result<Registration> try_on_dxl_event(const std::string& topic, std::function<void(const Message&)> callback,
                                          bool subscribe = true) {
        return add<Message, dxltie_dxl_message_t>(
            [&](dxltie_client_t* c, dxltie_dxl_message_fn fn, void* data, dxltie_free_fn free_fn, uint64_t* id) {
                return dxltie_dxl_add_event_callback(c, topic.c_str(), subscribe, fn, data, free_fn, id);
            },
            std::move(callback));
    }
    /// Calls `callback` with each DXL request on `topic` ("" for all; the topic is not subscribed).
    Result<Registration> try_on_dxl_request(const std::string& topic, std::function<void(const Message&)> callback) {
        return add<Message, dxltie_dxl_message_t>(
            [&](dxltie_client_t* c, dxltie_dxl_message_fn fn, void* data, dxltie_free_fn free_fn, uint64_t* id) {
                return dxltie_dxl_add_request_callback(c, topic.c_str(), fn, data, free_fn, id);
            },
            std::move(callback));
    }
    /// Calls `callback` with each DXL response or error response on `topic` ("" for all).
    Result<Registration> try_on_dxl_response(const std::string& topic, std::function<void(const Message&)> callback) {
        return add<Message, dxltie_dxl_message_t>(
            [&](dxltie_client_t* c, dxltie_dxl_message_fn fn, void* data, dxltie_free_fn free_fn, uint64_t* id) {
                return dxltie_dxl_add_response_callback(c, topic.c_str(), fn, data, free_fn, id);
            },
            std::move(callback));
    }
    Status try_subscribe(const std::string& topic) {
        Status status = live();
        if (!status) return status;
        return detail::check(dxltie_dxl_subscribe(state_->handle, topic.c_str()));
    }
    Status try_unsubscribe(const std::string& topic) {
        Status status = live();
        if (!status) return status;
        return detail::check(dxltie_dxl_unsubscribe(state_->handle, topic.c_str()));
    }
    /// Sends `event` (its type is ignored: an event).
    Status try_send_event(const Message& event) {
        Status status = live();
        if (!status) return status;
        detail::MessageView view(event);
        return detail::check(dxltie_dxl_send_event(state_->handle, &view.c));
    }
    Status try_send_event(const std::string& topic, const std::string& payload) {
        Message event;
        event.topic = topic;
        event.payload = payload;
        return try_send_event(event);
    }
    /// Sends `request` to a service and waits for the answer. Its value is the answer for a
    /// Response and for an ErrorResponse (as Python's sync_request returns it: check
    /// is_error_response(); 0x80000001 when no service serves the topic); other failures
    /// (timeout, not connected) are the status.
    Result<Message> try_sync_request(const Message& request, Timeout timeout = {}) {
        uint32_t ms = 0;
        Status status = live();
        if (status) status = wait_ms(timeout, ms);
        if (!status) return status;
        detail::MessageView view(request);
        dxltie_dxl_message_t* out = nullptr;
        dxltie_result_t rc = dxltie_dxl_sync_request(state_->handle, &view.c, ms, &out);
        if (out) {
            std::unique_ptr<dxltie_dxl_message_t, void (*)(dxltie_dxl_message_t*)> owned(out, dxltie_dxl_message_free);
            return detail::copy(*owned);
        }
        return detail::check(rc);
    }
    /// Sends `request` and returns at once; `callback(DxlResponse&&)` runs once, on the
    /// dispatcher thread, with the outcome.
    template <typename F>
    Status try_async_request(const Message& request, F&& callback, Timeout timeout = {}) {
        using Call = detail::DxlAsyncCall<std::decay_t<F>>;
        std::unique_ptr<Call> user_data(new Call{std::forward<F>(callback)});
        uint32_t ms = 0;
        Status status = live();
        if (status) status = wait_ms(timeout, ms);
        if (!status) return status;
        detail::MessageView view(request);
        status = detail::check(
            dxltie_dxl_async_request(state_->handle, &view.c, ms, &Call::call, user_data.get(), &Call::free));
        if (status) user_data.release();  // the library frees it after the one call
        return status;
    }
    /// Answers `request` (as received) with a Response carrying `payload`.
    Status try_respond(const Message& request, const std::string& payload) {
        Status status = live();
        if (!status) return status;
        detail::MessageView view(request);
        return detail::check(dxltie_dxl_respond(state_->handle, &view.c,
                                                reinterpret_cast<const uint8_t*>(payload.data()), payload.size()));
    }
    /// Answers `request` (as received) with an ErrorResponse.
    Status try_respond_error(const Message& request, uint32_t error_code, const std::string& error_message) {
        Status status = live();
        if (!status) return status;
        detail::MessageView view(request);
        return detail::check(dxltie_dxl_respond_error(state_->handle, &view.c, error_code, error_message.c_str()));
    }
    /// Sends a Response or ErrorResponse described in full (type, topic, request_message_id, ...).
    Status try_send_response(const Message& response) {
        Status status = live();
        if (!status) return status;
        detail::MessageView view(response);
        return detail::check(dxltie_dxl_send_response(state_->handle, &view.c));
    }
    /// Provides a service: `on_request` gets the requests of its topics (answer with
    /// try_respond / try_respond_error); the registry is told now, at every connect and every
    /// TTL. The value is the service's instance id (for try_unregister_service).
    Result<std::string> try_register_service(const std::string& service_type, const std::vector<std::string>& topics,
                                             std::function<void(const Message&)> on_request,
                                             uint32_t ttl_minutes = 0, const std::string& service_id = "") {
        Status status = live();
        if (!status) return status;
        std::vector<const char*> topic_ptrs;
        for (const auto& t : topics) topic_ptrs.push_back(t.c_str());
        dxltie_dxl_service_t service = dxltie_dxl_service_init();
        service.service_type = service_type.c_str();
        service.service_id = service_id.empty() ? nullptr : service_id.c_str();
        service.topics = topic_ptrs.empty() ? nullptr : topic_ptrs.data();
        service.topic_count = topic_ptrs.size();
        service.ttl_minutes = ttl_minutes;
        using T = detail::Trampoline<Message, dxltie_dxl_message_t>;
        std::unique_ptr<T::Function> user_data(new T::Function(std::move(on_request)));
        char* id = nullptr;
        status = detail::check(
            dxltie_dxl_register_service(state_->handle, &service, &T::call, user_data.get(), &T::free, &id));
        if (!status) return status;
        user_data.release();
        return detail::take(id);
    }
    /// Waits until the fabric's registry has acknowledged the service (DXLTIE_E_TIMEOUT on a
    /// plain MQTT broker, which has none).
    Status try_wait_service_registered(const std::string& service_id,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        uint32_t ms = 0;
        Status status = live();
        if (status) status = detail::to_u32(timeout.count(), "timeout ms", ms);
        if (!status) return status;
        return detail::check(dxltie_dxl_wait_service_registered(state_->handle, service_id.c_str(), ms));
    }
    /// Unregisters a service; with a non-zero `wait`, waits that long for the registry.
    Status try_unregister_service(const std::string& service_id,
                                  std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
        uint32_t ms = 0;
        Status status = live();
        if (status) status = detail::to_u32(wait.count(), "wait ms", ms);
        if (!status) return status;
        return detail::check(dxltie_dxl_unregister_service(state_->handle, service_id.c_str(), ms));
    }

    /// Observes connection state changes (DXLTIE_STATE_*) until the client is freed, replacing
    /// the function an earlier call set (which is deleted after its last call).
    Status try_on_state_change(std::function<void(dxltie_connection_state_t)> callback) {
        Status status = live();
        if (!status) return status;
        using T = detail::StateTrampoline;
        std::unique_ptr<T::Function> user_data(new T::Function(std::move(callback)));
        status = detail::check(dxltie_client_set_state_callback(state_->handle, &T::call, user_data.get(), &T::free));
        if (status) user_data.release();  // the library frees it; on failure the caller keeps it
        return status;
    }

#if DXLTIE_HPP_EXCEPTIONS
    // -- the throwing form (not declared without exceptions) ----------------------------------

    /// Connects and waits until every subscription is confirmed (at most `timeout`).
    void connect(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        detail::raise_if(try_connect(timeout));
    }
    void disconnect() { detail::raise_if(try_disconnect()); }
    Stats stats() const { return detail::unwrap(try_stats()); }
    void set_response_timeout(std::chrono::milliseconds timeout) {
        detail::raise_if(try_set_response_timeout(timeout));
    }

    std::vector<Reputation> get_file_reputation(const Hashes& hashes, Timeout timeout = {}) {
        return detail::unwrap(try_get_file_reputation(hashes, timeout));
    }
    /// The providerId map as JSON (keys "1", "3", ...).
    std::string get_file_reputation_json(const Hashes& hashes, Timeout timeout = {}) {
        return detail::unwrap(try_get_file_reputation_json(hashes, timeout));
    }
    void set_file_reputation(int32_t trust_level, const Hashes& hashes, const std::string& filename = "",
                             const std::string& comment = "", Timeout timeout = {}) {
        detail::raise_if(try_set_file_reputation(trust_level, hashes, filename, comment, timeout));
    }
    /// An External provider reputation (a DXL event: no response, no timeout).
    void set_external_file_reputation(int32_t trust_level, const Hashes& hashes, uint64_t file_type = 0,
                                      const std::string& filename = "", const std::string& comment = "") {
        detail::raise_if(try_set_external_file_reputation(trust_level, hashes, file_type, filename, comment));
    }
    std::vector<FirstReference> get_file_first_references(const Hashes& hashes, int64_t query_limit = 500,
                                                          Timeout timeout = {}) {
        return detail::unwrap(try_get_file_first_references(hashes, query_limit, timeout));
    }
    /// The `agents` list as JSON.
    std::string get_file_first_references_json(const Hashes& hashes, int64_t query_limit = 500,
                                               Timeout timeout = {}) {
        return detail::unwrap(try_get_file_first_references_json(hashes, query_limit, timeout));
    }
    /// `public_key_sha1` empty: absent.
    std::vector<Reputation> get_certificate_reputation(const std::string& sha1, const std::string& public_key_sha1 = "",
                                                       Timeout timeout = {}) {
        return detail::unwrap(try_get_certificate_reputation(sha1, public_key_sha1, timeout));
    }
    std::string get_certificate_reputation_json(const std::string& sha1, const std::string& public_key_sha1 = "",
                                                Timeout timeout = {}) {
        return detail::unwrap(try_get_certificate_reputation_json(sha1, public_key_sha1, timeout));
    }
    void set_certificate_reputation(int32_t trust_level, const std::string& sha1,
                                    const std::string& public_key_sha1 = "", const std::string& comment = "",
                                    Timeout timeout = {}) {
        detail::raise_if(try_set_certificate_reputation(trust_level, sha1, public_key_sha1, comment, timeout));
    }
    std::vector<FirstReference> get_certificate_first_references(const std::string& sha1,
                                                                 const std::string& public_key_sha1 = "",
                                                                 int64_t query_limit = 500, Timeout timeout = {}) {
        return detail::unwrap(try_get_certificate_first_references(sha1, public_key_sha1, query_limit, timeout));
    }
    /// The `agents` list as JSON.
    std::string get_certificate_first_references_json(const std::string& sha1, const std::string& public_key_sha1 = "",
                                                      int64_t query_limit = 500, Timeout timeout = {}) {
        return detail::unwrap(try_get_certificate_first_references_json(sha1, public_key_sha1, query_limit, timeout));
    }

    /// The asynchronous requests: as the try_ forms, throwing dxltie::Error (std::out_of_range
    /// for a timeout beyond uint32_t ms) when the request cannot be sent; the callable has then
    /// been destroyed, never called.
    template <typename F>
    void get_file_reputation_async(const Hashes& hashes, F&& callback, Timeout timeout = {}) {
        detail::raise_if(try_get_file_reputation_async(hashes, std::forward<F>(callback), timeout));
    }
    template <typename F>
    void set_file_reputation_async(int32_t trust_level, const Hashes& hashes, F&& callback,
                                   const std::string& filename = "", const std::string& comment = "",
                                   Timeout timeout = {}) {
        detail::raise_if(
            try_set_file_reputation_async(trust_level, hashes, std::forward<F>(callback), filename, comment, timeout));
    }
    template <typename F>
    void get_file_first_references_async(const Hashes& hashes, F&& callback, int64_t query_limit = 500,
                                         Timeout timeout = {}) {
        detail::raise_if(try_get_file_first_references_async(hashes, std::forward<F>(callback), query_limit, timeout));
    }
    template <typename F>
    void get_certificate_reputation_async(const std::string& sha1, F&& callback,
                                          const std::string& public_key_sha1 = "", Timeout timeout = {}) {
        detail::raise_if(
            try_get_certificate_reputation_async(sha1, std::forward<F>(callback), public_key_sha1, timeout));
    }
    template <typename F>
    void set_certificate_reputation_async(int32_t trust_level, const std::string& sha1, F&& callback,
                                          const std::string& public_key_sha1 = "", const std::string& comment = "",
                                          Timeout timeout = {}) {
        detail::raise_if(try_set_certificate_reputation_async(trust_level, sha1, std::forward<F>(callback),
                                                              public_key_sha1, comment, timeout));
    }
    template <typename F>
    void get_certificate_first_references_async(const std::string& sha1, F&& callback,
                                                const std::string& public_key_sha1 = "", int64_t query_limit = 500,
                                                Timeout timeout = {}) {
        detail::raise_if(try_get_certificate_first_references_async(sha1, std::forward<F>(callback), public_key_sha1,
                                                                    query_limit, timeout));
    }

    Registration on_file_detection(std::function<void(const Detection&)> callback) {
        return detail::unwrap(try_on_file_detection(std::move(callback)));
    }
    Registration on_file_first_instance(std::function<void(const FirstInstance&)> callback) {
        return detail::unwrap(try_on_file_first_instance(std::move(callback)));
    }
    Registration on_file_reputation_change(std::function<void(const ReputationChange&)> callback) {
        return detail::unwrap(try_on_file_reputation_change(std::move(callback)));
    }
    Registration on_certificate_reputation_change(std::function<void(const ReputationChange&)> callback) {
        return detail::unwrap(try_on_certificate_reputation_change(std::move(callback)));
    }
    /// Events of `kind` (DXLTIE_EVENT_KIND_*) as the JSON of the dictionary Python receives.
    Registration on_json_event(dxltie_event_kind_t kind, std::function<void(const JsonEvent&)> callback) {
        return detail::unwrap(try_on_json_event(kind, std::move(callback)));
    }
    // The DXL layer, throwing forms (see the try_ forms).
    Registration on_dxl_event(const std::string& topic, std::function<void(const Message&)> callback,
                              bool subscribe = true) {
        return detail::unwrap(try_on_dxl_event(topic, std::move(callback), subscribe));
    }
    Registration on_dxl_request(const std::string& topic, std::function<void(const Message&)> callback) {
        return detail::unwrap(try_on_dxl_request(topic, std::move(callback)));
    }
    void send_event(const Message& event) { detail::raise_if(try_send_event(event)); }
    void send_event(const std::string& topic, const std::string& payload) {
        detail::raise_if(try_send_event(topic, payload));
    }
    Message sync_request(const Message& request, Timeout timeout = {}) {
        return detail::unwrap(try_sync_request(request, timeout));
    }
    void respond(const Message& request, const std::string& payload) {
        detail::raise_if(try_respond(request, payload));
    }
    void respond_error(const Message& request, uint32_t error_code, const std::string& error_message) {
        detail::raise_if(try_respond_error(request, error_code, error_message));
    }
    std::string register_service(const std::string& service_type, const std::vector<std::string>& topics,
                                 std::function<void(const Message&)> on_request, uint32_t ttl_minutes = 0) {
        return detail::unwrap(try_register_service(service_type, topics, std::move(on_request), ttl_minutes));
    }
    void unregister_service(const std::string& service_id,
                            std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
        detail::raise_if(try_unregister_service(service_id, wait));
    }
    /// Observes connection state changes (DXLTIE_STATE_*) until the client is freed.
    void on_state_change(std::function<void(dxltie_connection_state_t)> callback) {
        detail::raise_if(try_on_state_change(std::move(callback)));
    }
#endif

    dxltie_client_t* get() const noexcept { return state_ ? state_->handle : nullptr; }

private:
    explicit Client(std::shared_ptr<detail::ClientState> state) : state_(std::move(state)) {}

    Status live() const {
        if (!state_) return Status(DXLTIE_E_NULL_ARG, "use of a moved-from dxltie::Client");
        return Status();
    }

    Status wait_ms(const Timeout& timeout, uint32_t& ms) const {
        return detail::to_u32((timeout ? *timeout : response_timeout_).count(), "timeout ms", ms);
    }

    /// A request without a result: `fn(handle, timeout_ms)`.
    template <typename Fn>
    Status call(const Timeout& timeout, Fn fn) {
        uint32_t ms = 0;
        Status status = live();
        if (status) status = wait_ms(timeout, ms);
        if (!status) return status;
        return detail::check(fn(state_->handle, ms));
    }

    /// A request with a result the library allocates: `fn(handle, timeout_ms, &out)`; the result is
    /// copied and freed.
    template <typename Out, typename Fn>
    auto request(const Timeout& timeout, Fn fn) -> Result<decltype(detail::take(static_cast<Out*>(nullptr)))> {
        uint32_t ms = 0;
        Status status = live();
        if (status) status = wait_ms(timeout, ms);
        if (!status) return status;
        Out* out = nullptr;
        status = detail::check(fn(state_->handle, ms, &out));
        if (!status) return status;
        return detail::take(out);
    }

    /// An asynchronous request: `send_fn(handle, timeout_ms, callback, user_data, free_user_data)`.
    template <typename F, typename SendFn>
    Status send(F&& callback, const Timeout& timeout, SendFn send_fn) {
        using Function = std::decay_t<F>;
        static_assert(std::is_invocable_v<Function&, Response&&>,
                      "the callback of an asynchronous request must be callable with a dxltie::Response&&");
        using Call = detail::AsyncCall<Function>;
        // The callable is taken either way: on failure it is destroyed here, never called.
        std::unique_ptr<Call> user_data(new Call{std::forward<F>(callback)});
        uint32_t ms = 0;
        Status status = live();
        if (status) status = wait_ms(timeout, ms);
        if (status) status = detail::check(send_fn(state_->handle, ms, &Call::call, user_data.get(), &Call::free));
        // Sent: the library owns it now and frees it through Call::free after the one call.
        // Not sent: the library neither calls nor frees it; the unique_ptr deletes it, after the
        // library's message was read (the callable's destructor may call the library).
        if (status) user_data.release();
        return status;
    }

    template <typename E, typename CEvent, typename AddFn>
    Result<Registration> add(AddFn add_fn, std::function<void(const E&)> callback) {
        Status status = live();
        if (!status) return status;
        using T = detail::Trampoline<E, CEvent>;
        std::unique_ptr<typename T::Function> user_data(new typename T::Function(std::move(callback)));
        uint64_t id = 0;
        status = detail::check(add_fn(state_->handle, &T::call, user_data.get(), &T::free, &id));
        if (!status) return status;  // on failure the caller keeps its user data: deleted here
        user_data.release();
        return Registration(state_, id);
    }

    std::shared_ptr<detail::ClientState> state_;
    std::chrono::milliseconds response_timeout_ = default_response_timeout;
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// "dxltie <version>" of the loaded library.
inline std::string version() { return dxltie_version(); }
/// The loaded library's version numbers (DXLTIE_VERSION_MAJOR/MINOR/PATCH are the header's: a
/// field or function added in minor M is there when version_minor() >= M, same major).
inline uint32_t version_major() noexcept { return dxltie_version_major(); }
inline uint32_t version_minor() noexcept { return dxltie_version_minor(); }
inline uint32_t version_patch() noexcept { return dxltie_version_patch(); }

/// JSON re-formatted as the Python samples print it (sorted keys, four-space indentation).
inline Result<std::string> try_json_pretty(const std::string& json) {
    char* out = nullptr;
    Status status = detail::check(dxltie_json_pretty(json.c_str(), &out));
    if (!status) return status;
    return detail::take(out);
}

/// A packed server version attribute ("73183493944770750" → 1.4.0.190).
inline Result<ServerVersion> try_to_version(const std::string& packed) {
    dxltie_server_version_t v;
    Status status = detail::check(dxltie_to_version(packed.c_str(), &v));
    if (!status) return status;
    return ServerVersion{v.major, v.minor, v.patch, v.build};
}

/// An aggregate attribute (CHILD_FILE_REPS, PARENT_FILE_REPS).
inline Result<dxltie_aggregate_t> try_to_aggregate(const std::string& base64) {
    dxltie_aggregate_t out;
    Status status = detail::check(dxltie_to_aggregate(base64.c_str(), &out));
    if (!status) return status;
    return out;
}

/// An epoch in local time ("%Y-%m-%d %H:%M:%S" unless `format` is given).
inline Result<std::string> try_to_localtime_string(int64_t epoch, const std::string& format = "") {
    char* out = nullptr;
    Status status = detail::check(dxltie_to_localtime_string(epoch, format.empty() ? nullptr : format.c_str(), &out));
    if (!status) return status;
    return detail::take(out);
}

inline bool is_valid_trust_level(int64_t trust_level) { return dxltie_is_valid_trust_level(trust_level); }
inline bool is_valid_file_type(uint64_t file_type) { return dxltie_is_valid_file_type(file_type); }

/// The "definitive reputation" check of the external-reputation sample: true when a provider
/// other than External gives a trust level other than NOT_SET and UNKNOWN.
inline bool has_definitive_reputation(const std::vector<Reputation>& reputations) {
    std::vector<std::vector<dxltie_attribute_t>> attributes;
    std::vector<dxltie_reputation_t> items;
    attributes.reserve(reputations.size());
    items.reserve(reputations.size());
    for (const auto& r : reputations) {
        std::vector<dxltie_attribute_t>& views = attributes.emplace_back();
        for (const auto& a : r.attributes) views.push_back({a.id.c_str(), a.value.c_str()});
        items.push_back({r.provider_id, r.trust_level, r.create_date, views.data(), views.size()});
    }
    const dxltie_reputations_t list{items.data(), items.size(), nullptr};
    return dxltie_has_definitive_reputation(&list);
}

#if DXLTIE_HPP_EXCEPTIONS
inline std::string json_pretty(const std::string& json) { return detail::unwrap(try_json_pretty(json)); }
inline ServerVersion to_version(const std::string& packed) { return detail::unwrap(try_to_version(packed)); }
inline dxltie_aggregate_t to_aggregate(const std::string& base64) { return detail::unwrap(try_to_aggregate(base64)); }
inline std::string to_localtime_string(int64_t epoch, const std::string& format = "") {
    return detail::unwrap(try_to_localtime_string(epoch, format));
}
#endif

// ---------------------------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------------------------

/// Receives one log record of the library: its level (DXLTIE_LOG_*), the module it comes from
/// and the message (copies). Runs on whichever library thread logs.
using LogFunction =
    std::function<void(dxltie_log_level_t level, const std::string& target, const std::string& message)>;

namespace detail {
struct LogSlot {
    std::mutex setting;  // one set_log_callback at a time
    std::mutex mutex;    // guards `function` (never held while calling into the library)
    std::shared_ptr<const LogFunction> function;
};
inline LogSlot& log_slot() {
    // Never destroyed: a library thread may log while the process runs its static destructors.
    static LogSlot* slot = new LogSlot;
    return *slot;
}
inline void log_trampoline(void*, dxltie_log_level_t level, const char* target, const char* message) noexcept {
    std::shared_ptr<const LogFunction> function;
    {
        std::lock_guard<std::mutex> lock(log_slot().mutex);
        function = log_slot().function;
    }
    // A replaced function finishes the calls it started and is deleted after the last one.
    if (function && *function) guarded([&] { (*function)(level, str(target), str(message)); });
}
}  // namespace detail

/// Sends the library's log records up to `max_level` (DXLTIE_LOG_ERROR ... DXLTIE_LOG_TRACE) to
/// `function`, process-wide, replacing the previous one; an empty function stops them. Keep it
/// short, and call no dxltie function from it (not even set_log_callback). An unknown level gives
/// DXLTIE_E_INVALID_ARG and changes nothing.
inline Status try_set_log_callback(LogFunction function, dxltie_log_level_t max_level = DXLTIE_LOG_INFO) {
    detail::LogSlot& slot = detail::log_slot();
    std::lock_guard<std::mutex> setting(slot.setting);
    std::shared_ptr<const LogFunction> next;
    if (function) next = std::make_shared<const LogFunction>(std::move(function));
    Status status = detail::check(
        dxltie_set_log_callback(next ? &detail::log_trampoline : nullptr, nullptr, max_level));
    if (!status) return status;
    std::shared_ptr<const LogFunction> previous;
    {
        std::lock_guard<std::mutex> lock(slot.mutex);
        previous = std::exchange(slot.function, std::move(next));
    }
    return status;  // `previous` goes here, or after its last running call
}

/// Stops sending log records to the function set with set_log_callback.
inline void clear_log_callback() noexcept {
    detail::LogSlot& slot = detail::log_slot();
    std::lock_guard<std::mutex> setting(slot.setting);
    (void)dxltie_set_log_callback(nullptr, nullptr, DXLTIE_LOG_ERROR);
    std::shared_ptr<const LogFunction> previous;
    {
        std::lock_guard<std::mutex> lock(slot.mutex);
        previous.swap(slot.function);
    }
}

#if DXLTIE_HPP_EXCEPTIONS
inline void set_log_callback(LogFunction function, dxltie_log_level_t max_level = DXLTIE_LOG_INFO) {
    detail::raise_if(try_set_log_callback(std::move(function), max_level));
}
#endif

}  // namespace dxltie

#endif  // DXLTIE_HPP
