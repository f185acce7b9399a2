// The sync client: sends the outbox's pending records to the talent
// platform (platform/API.md) with libcurl, and the device's heartbeat.
// Nothing is ever deleted because of a failure: a failed batch stays
// pending and is retried after a back-off.
#pragma once
#include "platform/clock.hpp"
#include "platform/outbox.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine::platform {

// A setting the client cannot work with (bad URL, token file missing or
// readable by others, CA file missing): staff must change the config.
class SyncConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SyncSettings {
    std::string base_url;  // "https://platform.example/api" (no trailing slash needed)
    std::string user_agent = "vitrine";
    std::string device_id;
    std::string token;                // the device's bearer token (read_token_file)
    std::filesystem::path ca_file;    // empty: the system's CAs
    bool allow_insecure_http = false; // plain http:// only when true
    int batch_size = 100;
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds total_timeout{std::chrono::seconds(30)};  // one request, answer included
    std::chrono::milliseconds backoff_base{std::chrono::seconds(2)};
    std::chrono::milliseconds backoff_cap{std::chrono::minutes(5)};
    std::chrono::seconds heartbeat_interval{std::chrono::minutes(5)};
    std::chrono::seconds max_retry_after{std::chrono::hours(6)};  // a longer Retry-After is ignored
};

// Throws SyncConfigError unless `s` can be used: base_url is https:// (or
// http:// with allow_insecure_http), a token is there, the CA file exists.
void check(const SyncSettings& s);

// The token in `file` (surrounding white space dropped). Throws
// SyncConfigError when it is missing, empty, or readable or writable by
// group or others (it must be mode 0600 or stricter).
std::string read_token_file(const std::filesystem::path& file);

// Exponential back-off with full jitter: after the n-th consecutive failure
// (n = 1, 2, ...) the wait is uniform in [0, min(cap, base * 2^(n-1))].
class Backoff {
public:
    // `uniform01` returns a number in [0, 1]; default: libsodium's randombytes.
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
            std::function<double()> uniform01 = {});
    std::chrono::milliseconds next();  // one more failure: the wait before the next try
    void reset();                      // a success
    int failures() const { return failures_; }
    std::chrono::milliseconds ceiling() const;  // min(cap, base * 2^(failures-1)); 0 before any failure

private:
    std::chrono::milliseconds base_, cap_;
    std::function<double()> uniform01_;
    int failures_ = 0;
};

// A Retry-After header value: delay-seconds or an HTTP-date (RFC 9110),
// relative to `now`. None when it does not parse or is beyond `max` (a date
// in the past is 0 s).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds max);

// The Idempotency-Key of a batch: derived from its record ids, so a retry of
// the same batch carries the same key (32 hex digits).
std::string idempotency_key(const std::vector<std::string>& ids);

// The body of POST /v1/records:batch.
nlohmann::json batch_body(const std::string& device_id, const std::vector<Record>& records);

// What a 200 answer to a batch says about the records sent in it
// (`sent_ids`). Only the sent ids count: an id named twice counts once
// (the first mention wins), an id that was not sent is ignored. Never
// throws on any body.
struct BatchAnswer {
    std::string error;  // "" when the body is {accepted: [...], rejected: [...]}; else what it is, for the status line
    std::vector<std::string> accepted;
    std::vector<std::pair<std::string, std::string>> rejected;  // id, reason (never empty)
    std::vector<std::string> missing;  // sent but named nowhere: to send again (all of them when error is set)
};
BatchAnswer parse_batch_answer(std::string_view body, const std::vector<std::string>& sent_ids);

// What the sync knows, for the staff screen, the heartbeat and `vitrine
// status`. A copy; the worker publishes a new one after each change.
struct SyncStatus {
    bool configured = false;   // a base URL is set
    bool authorised = true;    // false after a 401/403, until the settings change
    bool online = false;       // the last request got an HTTP answer from the platform
    std::optional<std::chrono::system_clock::time_point> last_success, last_attempt;
    std::string last_error;    // "" after a success
    std::int64_t pending = 0;  // records waiting in the outbox
    std::optional<std::chrono::seconds> oldest_pending_age;
    std::optional<std::chrono::system_clock::time_point> next_attempt;  // after a failure: not before
    std::int64_t sent = 0, rejected = 0;  // since this client started
    // The device's clock minus the platform's, from the Date of the last
    // answer that had one (to the second); none before.
    std::optional<std::chrono::seconds> clock_offset;
};
// {configured, authorised, online, last_success, last_attempt, last_error,
// next_attempt}: times as RFC 3339 or null. The counts are the outbox's.
nlohmann::json to_json(const SyncStatus& s);
// The inverse, for a state saved in the outbox: what is missing or
// unreadable keeps its default.
SyncStatus sync_status_from(const nlohmann::json& j);

// One pass: what happened.
struct PassResult {
    enum class Outcome {
        Done,          // nothing pending any more
        Remaining,     // stopped by a failure (network, server, partial answer); retry at next_attempt
        Unauthorised,  // 401/403: stopped until the settings change
    };
    Outcome outcome = Outcome::Done;
    std::int64_t sent = 0, rejected = 0, remaining = 0;
    std::string last_error;
    std::optional<std::chrono::milliseconds> wait;  // Remaining: the back-off or Retry-After before the next pass
};

class SyncClient {
public:
    // `outbox` and `clock` must outlive the client. Throws SyncConfigError
    // for unusable settings (check()).
    SyncClient(SyncSettings settings, Outbox& outbox, const Clock& clock);
    ~SyncClient();
    SyncClient(const SyncClient&) = delete;
    SyncClient& operator=(const SyncClient&) = delete;

    // Sends pending records, oldest first, in batches until none remain or a
    // batch fails. Never throws for network or server trouble (it is in the
    // result and the status); an OutboxError from the outbox is passed on.
    PassResult pass();

    // POST /v1/devices/{id}/heartbeat with `document`. False on any failure
    // (noted in the status; a 401/403 makes the client unauthorised).
    bool heartbeat(const nlohmann::json& document);

    // The next time pass() is worth calling: now when nothing failed, after
    // the back-off or Retry-After otherwise, never while unauthorised.
    std::optional<Clock::time_point> next_attempt() const;

    SyncStatus status() const;  // with the outbox's current pending count
    // The platform's time now: the Date of its last answer, moved on by the
    // monotonic clock since. A wrong or jumping device clock does not
    // change it. None before an answer that carried a Date.
    std::optional<std::chrono::system_clock::time_point> trusted_now() const;
    bool authorised() const { return status_.authorised; }
    // While *flag is true, a transfer in progress stops at once (a failure
    // like any other). For a worker that is asked to stop.
    void abort_when(const std::atomic<bool>* flag);
    const SyncSettings& settings() const { return settings_; }

private:
    void stop_unauthorised(long http_status, const char* to_what);
    void learn_time(const std::string& date_header);

    struct Http;
    SyncSettings settings_;
    Outbox& outbox_;
    const Clock& clock_;
    Backoff backoff_;
    std::unique_ptr<Http> http_;
    SyncStatus status_;
    std::optional<Clock::time_point> not_before_;
    int batch_limit_;  // batch_size, halved after each 413 (too large) until the client restarts
    // The platform's Date and the monotonic time it arrived.
    std::optional<std::pair<std::chrono::system_clock::time_point, Clock::time_point>> platform_time_;
};

}  // namespace vitrine::platform
