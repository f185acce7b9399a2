#include "platform/sync.hpp"

#include "platform/sodium.hpp"

#include "base/text.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

namespace vitrine::platform {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;

constexpr std::size_t kMaxAnswer = 4 << 20;  // an answer beyond this is not the platform's

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string trim(std::string_view s) { return std::string(base::trim(s)); }

// What a server said, cut and made printable for a status line.
std::string excerpt(std::string_view body) {
    std::string out;
    for (char c : body.substr(0, 120)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
    return trim(out);
}

nlohmann::json time_json(const std::optional<system_clock::time_point>& t) {
    return t ? nlohmann::json(rfc3339(*t)) : nlohmann::json(nullptr);
}

std::optional<system_clock::time_point> time_from(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    system_clock::time_point t;
    if (it == j.end() || !it->is_string() || !parse_rfc3339(it->get<std::string>(), t)) return std::nullopt;
    return t;
}

}  // namespace

// One libcurl easy handle, reused so that the connection to the platform
// stays open between batches, driven by a multi handle so that a request can
// travel while the caller writes the previous batch's marks (start, then
// finish).
struct SyncClient::Http {
    struct Answer {
        CURLcode code = CURLE_OK;
        long status = 0;
        std::string body;
        std::string retry_after;
        std::string date;   // the Date header: the platform's clock
        std::string error;  // "" when an HTTP answer arrived whole
    };

    explicit Http(const SyncSettings& s) : settings(s) {
        static std::once_flag once;
        std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        curl = curl_easy_init();
        multi = curl_multi_init();
        if (!curl || !multi) throw SyncConfigError("libcurl cannot start (out of memory?)");
    }
    ~Http() {
        if (in_flight) curl_multi_remove_handle(multi, curl);
        curl_slist_free_all(headers);
        curl_multi_cleanup(multi);
        curl_easy_cleanup(curl);
    }
    Http(const Http&) = delete;
    Http& operator=(const Http&) = delete;

    Answer post(const std::string& path, std::string body, const std::string& idempotency_key) {
        start(path, std::move(body), idempotency_key);
        return finish();
    }

    // Sends the request; finish() waits for the answer.
    void start(const std::string& path, std::string body_text, const std::string& idempotency_key) {
        answer = Answer();
        body = std::move(body_text);
        errbuf[0] = 0;
        curl_slist_free_all(headers);
        headers = nullptr;
        curl_easy_reset(curl);
        url = base() + path;
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, settings.allow_insecure_http ? "http,https" : "https");
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout.count()));
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.total_timeout.count()));
        curl_easy_setopt(curl, CURLOPT_USERAGENT, settings.user_agent.c_str());
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
        if (!settings.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings.ca_file.c_str());
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        if (abort) {
            curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(curl, CURLOPT_XFERINFODATA, abort);
            curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION,
                             +[](void* flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
                                 return static_cast<const std::atomic<bool>*>(flag)->load() ? 1 : 0;
                             });
        }

        const std::string auth = "Authorization: Bearer " + settings.token;
        headers = curl_slist_append(headers, auth.c_str());
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Accept: application/json");
        headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for large batches
        key_header.clear();
        if (!idempotency_key.empty()) {
            key_header = "Idempotency-Key: " + idempotency_key;
            headers = curl_slist_append(headers, key_header.c_str());
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t size, size_t n, void* user) -> size_t {
            auto* answer = static_cast<Answer*>(user);
            if (answer->body.size() + size * n > kMaxAnswer) return 0;  // ends the transfer with an error
            answer->body.append(p, size * n);
            return size * n;
        });
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, +[](char* p, size_t size, size_t n, void* user) -> size_t {
            auto* answer = static_cast<Answer*>(user);
            std::string_view line(p, size * n);
            auto value_of = [&](std::string_view name, std::string& into) {
                if (line.size() <= name.size() || line.size() > 200) return;
                std::string head(line.substr(0, name.size()));
                std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
                if (head == name) into = trim(line.substr(name.size()));
            };
            value_of("retry-after:", answer->retry_after);
            value_of("date:", answer->date);
            return size * n;
        });
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);

        curl_multi_add_handle(multi, curl);
        in_flight = true;
        // Until the whole request is out: the platform can then work on it
        // while the caller does its own work. libcurl enforces the timeouts.
        for (int running = 1; running;) {
            if (curl_multi_perform(multi, &running) != CURLM_OK) break;
            curl_off_t sent = 0;
            curl_easy_getinfo(curl, CURLINFO_SIZE_UPLOAD_T, &sent);
            if (sent >= static_cast<curl_off_t>(body.size())) break;
            if (running) curl_multi_poll(multi, nullptr, 0, 200, nullptr);
        }
    }

    // Waits for the answer of start()'s request.
    Answer finish() {
        int running = 1;
        while (running) {
            if (curl_multi_perform(multi, &running) != CURLM_OK) break;
            if (running) curl_multi_poll(multi, nullptr, 0, 200, nullptr);
        }
        CURLcode code = CURLE_RECV_ERROR;
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi, &left))
            if (m->msg == CURLMSG_DONE && m->easy_handle == curl) code = m->data.result;
        curl_multi_remove_handle(multi, curl);
        in_flight = false;
        Answer a = std::move(answer);
        a.code = code;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
        if (a.code != CURLE_OK) a.error = describe(a.code, errbuf);
        return a;
    }

    std::string base() const {
        std::string b = settings.base_url;
        while (!b.empty() && b.back() == '/') b.pop_back();
        return b;
    }

    // A line staff can act on; never holds the token.
    std::string describe(CURLcode code, const char* errbuf) const {
        std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(code);
        switch (code) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return "cannot resolve the platform's host name (no network or no DNS?): " + detail;
        case CURLE_COULDNT_CONNECT: return "cannot connect to the platform: " + detail;
        case CURLE_OPERATION_TIMEDOUT: return "the platform did not answer in time: " + detail;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
            return "TLS: the platform's certificate is not trusted or the secure connection failed (for a "
                   "private platform, set [platform] ca_file): " + detail;
        case CURLE_UNSUPPORTED_PROTOCOL:
            return "the platform URL's scheme is not allowed (https:// only unless allow_insecure_http): " + detail;
        case CURLE_WRITE_ERROR: return "the platform's answer is too large (over 4 MiB)";
        case CURLE_ABORTED_BY_CALLBACK: return "stopped while talking to the platform";
        default: return "network error talking to the platform: " + detail;
        }
    }

    const SyncSettings& settings;
    CURL* curl = nullptr;
    CURLM* multi = nullptr;
    const std::atomic<bool>* abort = nullptr;
    // What a request in flight uses: libcurl keeps pointers to them.
    bool in_flight = false;
    std::string url, body, key_header;
    curl_slist* headers = nullptr;
    char errbuf[CURL_ERROR_SIZE] = "";
    Answer answer;
};

void check(const SyncSettings& s) {
    if (s.base_url.empty()) throw SyncConfigError("no platform configured: [platform] base_url is empty");
    const bool https = starts_with(s.base_url, "https://");
    const bool http = starts_with(s.base_url, "http://");
    if (!https && !http)
        throw SyncConfigError("[platform] base_url must start with https:// (it is \"" + s.base_url + "\")");
    if (http && !s.allow_insecure_http)
        throw SyncConfigError("[platform] base_url is plain http:// (\"" + s.base_url +
                              "\"): use https://, or set allow_insecure_http = true for a test platform");
    if (s.device_id.empty() || s.device_id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789._-") != std::string::npos)
        throw SyncConfigError("[device] id \"" + s.device_id +
                              "\" must be letters, digits, '.', '_' or '-' (it goes into the heartbeat's URL)");
    if (s.token.empty()) throw SyncConfigError("no device token: the platform needs one to accept records");
    if (!s.ca_file.empty() && !fs::is_regular_file(s.ca_file))
        throw SyncConfigError("[platform] ca_file " + s.ca_file.string() + " does not exist or is not a file");
    if (s.batch_size < 1 || s.batch_size > 1000)
        throw SyncConfigError("[platform] batch_size must be between 1 and 1000 (it is " +
                              std::to_string(s.batch_size) + ")");
}

std::string read_token_file(const fs::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        throw SyncConfigError("the device token file " + file.string() +
                              " does not exist: ask the platform team for this device's token and write it there "
                              "(mode 0600)");
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        throw SyncConfigError("the device token file " + file.string() +
                              " can be read or written by other users: make it mode 0600 (chmod 600 " +
                              file.string() + ")");
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) throw SyncConfigError("cannot read the device token file " + file.string());
    std::string token = trim(text.str());
    if (token.empty()) throw SyncConfigError("the device token file " + file.string() + " is empty");
    if (token.find_first_of("\r\n\t ") != std::string::npos)
        throw SyncConfigError("the device token file " + file.string() + " holds more than one word: put the token alone in it");
    for (std::size_t i = 0; i < token.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(token[i]);
        if (c < 0x21 || c > 0x7e)
            throw SyncConfigError("the device token file " + file.string() + " holds a byte that is not visible ASCII (" +
                                  std::to_string(c) + " at byte " + std::to_string(i + 1) +
                                  "): write the token exactly as the platform team issued it");
    }
    return token;
}

Backoff::Backoff(milliseconds base, milliseconds cap, std::function<double()> uniform01)
    : base_(base), cap_(cap), uniform01_(std::move(uniform01)) {
    if (!uniform01_) uniform01_ = [] {
        sodium_ready();
        return randombytes_uniform(1'000'001) / 1e6;
    };
}

milliseconds Backoff::ceiling() const {
    if (failures_ == 0) return milliseconds(0);
    milliseconds c = base_;
    for (int i = 1; i < failures_ && c < cap_; ++i) c *= 2;
    return std::min(c, cap_);
}

milliseconds Backoff::next() {
    ++failures_;
    const double u = std::clamp(uniform01_(), 0.0, 1.0);
    return milliseconds(static_cast<milliseconds::rep>(u * static_cast<double>(ceiling().count())));
}

void Backoff::reset() { failures_ = 0; }

std::optional<seconds> parse_retry_after(std::string_view value, system_clock::time_point now, seconds max) {
    const std::string v = trim(value);
    if (v.empty()) return std::nullopt;
    if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
        long long n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || end != v.data() + v.size() || seconds(n) > max) return std::nullopt;
        return seconds(n);
    }
    // An HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT"); libcurl parses it.
    // In seconds: a date far ahead (curl_getdate takes five-digit years)
    // would overflow system_clock's nanoseconds.
    const time_t when = curl_getdate(v.c_str(), nullptr);
    if (when == -1) return std::nullopt;
    const std::int64_t now_s = duration_cast<seconds>(now.time_since_epoch()).count();
    if (when > now_s + max.count()) return std::nullopt;
    return seconds(std::max<std::int64_t>(0, when - now_s));
}

std::string idempotency_key(const std::vector<std::string>& ids) {
    sodium_ready();
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, 16);
    for (const auto& id : ids) {
        crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(id.data()), id.size());
        crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>("\n"), 1);
    }
    unsigned char out[16];
    crypto_generichash_final(&st, out, sizeof out);
    char hex[33];
    sodium_bin2hex(hex, sizeof hex, out, sizeof out);
    return hex;
}

nlohmann::json batch_body(const std::string& device_id, const std::vector<Record>& records) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : records) list.push_back(to_json(r));
    return {{"device_id", device_id}, {"records", std::move(list)}};
}

BatchAnswer parse_batch_answer(std::string_view body, const std::vector<std::string>& sent_ids) {
    BatchAnswer out;
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    const bool shaped = j.is_object() && j.contains("accepted") && j["accepted"].is_array() &&
                        (!j.contains("rejected") || j["rejected"].is_array());
    if (!shaped) {
        out.error = "the platform's answer is not the expected JSON: " + excerpt(body);
        out.missing = sent_ids;
        return out;
    }
    const std::set<std::string, std::less<>> in_batch(sent_ids.begin(), sent_ids.end());
    std::set<std::string, std::less<>> accounted;
    for (const auto& id : j["accepted"])
        if (id.is_string() && in_batch.count(id.get_ref<const std::string&>()) &&
            accounted.insert(id.get<std::string>()).second)
            out.accepted.push_back(id.get<std::string>());
    if (j.contains("rejected"))
        for (const auto& r : j["rejected"]) {
            if (!r.is_object() || !r.contains("id") || !r["id"].is_string()) continue;
            const std::string& id = r["id"].get_ref<const std::string&>();
            if (!in_batch.count(id) || !accounted.insert(id).second) continue;
            std::string reason = r.contains("reason") && r["reason"].is_string() ? r["reason"].get<std::string>()
                                                                               : std::string();
            out.rejected.emplace_back(id, reason.empty() ? "rejected by the platform (no reason given)" : reason);
        }
    for (const auto& id : sent_ids)
        if (!accounted.count(id)) out.missing.push_back(id);
    return out;
}

nlohmann::json to_json(const SyncStatus& s) {
    return {{"configured", s.configured},
            {"authorised", s.authorised},
            {"online", s.online},
            {"last_success", time_json(s.last_success)},
            {"last_attempt", time_json(s.last_attempt)},
            {"last_error", s.last_error},
            {"next_attempt", time_json(s.next_attempt)}};
}

SyncStatus sync_status_from(const nlohmann::json& j) {
    SyncStatus s;
    // Not json::value(), which throws on a value of another type.
    auto flag = [&j](const char* key, bool otherwise) {
        auto it = j.find(key);
        return it != j.end() && it->is_boolean() ? it->get<bool>() : otherwise;
    };
    s.configured = flag("configured", false);
    s.authorised = flag("authorised", true);
    s.online = flag("online", false);
    s.last_success = time_from(j, "last_success");
    s.last_attempt = time_from(j, "last_attempt");
    s.next_attempt = time_from(j, "next_attempt");
    if (auto it = j.find("last_error"); it != j.end() && it->is_string()) s.last_error = *it;
    return s;
}

SyncClient::SyncClient(SyncSettings settings, Outbox& outbox, const Clock& clock)
    : settings_(std::move(settings)),
      outbox_(outbox),
      clock_(clock),
      backoff_(settings_.backoff_base, settings_.backoff_cap),
      batch_limit_(settings_.batch_size) {
    check(settings_);
    http_ = std::make_unique<Http>(settings_);
    // What the previous run knew (last success, last error) until this one knows better.
    if (auto saved = outbox_.sync_state()) {
        SyncStatus before = sync_status_from(*saved);
        status_.last_success = before.last_success;
        status_.last_attempt = before.last_attempt;
        status_.last_error = before.last_error;
    }
    status_.configured = true;
}

SyncClient::~SyncClient() = default;

void SyncClient::stop_unauthorised(long http_status, const char* to_what) {
    status_.authorised = false;
    status_.last_error = "device not authorised: the platform answered HTTP " + std::to_string(http_status) + to_what +
                         "; check [platform] token_file and the token the platform team issued";
    status_.next_attempt.reset();
}

void SyncClient::abort_when(const std::atomic<bool>* flag) { http_->abort = flag; }

void SyncClient::learn_time(const std::string& date_header) {
    if (date_header.empty()) return;
    const std::time_t t = curl_getdate(date_header.c_str(), nullptr);
    if (t < 946684800 || t > 7258118400) return;  // before 2000 or after 2200: not a platform's clock
    const system_clock::time_point date = system_clock::from_time_t(t);
    platform_time_ = {date, clock_.now()};
    status_.clock_offset = floor<seconds>(clock_.wall() - date);
}

std::optional<system_clock::time_point> SyncClient::trusted_now() const {
    if (!platform_time_) return std::nullopt;
    return platform_time_->first + duration_cast<system_clock::duration>(clock_.now() - platform_time_->second);
}

std::optional<Clock::time_point> SyncClient::next_attempt() const {
    if (!status_.authorised) return std::nullopt;
    return not_before_.value_or(clock_.now());
}

SyncStatus SyncClient::status() const {
    SyncStatus s = status_;
    const OutboxStatus q = outbox_.status(clock_.wall());
    s.pending = q.count(State::Pending);
    s.oldest_pending_age = q.oldest_pending_age;
    return s;
}

PassResult SyncClient::pass() {
    PassResult result;
    auto remaining = [&] { return status().pending; };
    auto save = [&] {
        try {
            outbox_.save_sync_state(to_json(status_));
        } catch (const OutboxError&) {
            // Only informative; the records' own states are what matter.
        }
    };
    auto fail = [&](const std::vector<std::string>& ids, const std::string& error,
                    std::optional<seconds> retry_after = std::nullopt) {
        outbox_.note_failure(ids, error);
        milliseconds wait = backoff_.next();
        if (retry_after) wait = *retry_after;
        not_before_ = clock_.now() + wait;
        status_.next_attempt = clock_.wall() + wait;
        status_.last_error = error;
        result.outcome = PassResult::Outcome::Remaining;
        result.last_error = error;
        result.wait = wait;
    };

    if (!status_.authorised) {
        result.outcome = PassResult::Outcome::Unauthorised;
        result.last_error = status_.last_error;
        result.remaining = remaining();
        return result;
    }
    status_.last_attempt = clock_.wall();
    result.rejected += outbox_.reject_unsendable();

    // The marks of a batch the platform fully answered are written while the
    // next batch travels; that next batch starts after it in the order.
    struct Marks {
        std::vector<std::string> accepted;
        std::vector<std::pair<std::string, std::string>> rejected;  // id, reason
    };
    std::optional<Marks> deferred;
    std::optional<std::pair<std::int64_t, std::int64_t>> after;
    auto write_marks = [&](const Marks& m) {
        const auto trusted = trusted_now();
        outbox_.mark_sent(m.accepted, trusted.value_or(clock_.wall()), trusted.has_value());
        for (const auto& [id, reason] : m.rejected) outbox_.mark_rejected(id, reason);
        result.sent += static_cast<std::int64_t>(m.accepted.size());
        result.rejected += static_cast<std::int64_t>(m.rejected.size());
        status_.sent += static_cast<std::int64_t>(m.accepted.size());
        status_.rejected += static_cast<std::int64_t>(m.rejected.size());
    };
    auto write_deferred = [&] {
        if (deferred) write_marks(*deferred);
        deferred.reset();
    };

    for (;;) {
        const auto batch = outbox_.pending_texts(static_cast<std::size_t>(batch_limit_), after);
        if (batch.empty()) {
            write_deferred();
            if (after) {  // a record older than the last batch may have arrived meanwhile
                after.reset();
                continue;
            }
            backoff_.reset();
            not_before_.reset();
            status_.next_attempt.reset();
            status_.last_error.clear();
            status_.last_success = clock_.wall();
            result.outcome = PassResult::Outcome::Done;
            break;
        }
        // batch_body() of the records, spliced from their stored JSON: parsing
        // and printing them again was most of the client's time.
        std::vector<std::string> ids;
        ids.reserve(batch.size());
        std::string body = "{\"device_id\":" + nlohmann::json(settings_.device_id).dump() + ",\"records\":[";
        for (const auto& r : batch) {
            ids.push_back(r.id);
            if (body.back() != '[') body += ',';
            body += r.json;
        }
        body += "]}";

        http_->start("/v1/records:batch", std::move(body), idempotency_key(ids));
        write_deferred();
        const Http::Answer a = http_->finish();
        status_.online = a.error.empty();
        if (!a.error.empty()) {
            fail(ids, a.error);
            break;
        }
        learn_time(a.date);
        if (a.status == 401 || a.status == 403) {
            stop_unauthorised(a.status, "");
            outbox_.note_failure(ids, status_.last_error);
            result.outcome = PassResult::Outcome::Unauthorised;
            result.last_error = status_.last_error;
            break;
        }
        if (a.status < 200 || a.status > 299) {
            std::string error = "the platform answered HTTP " + std::to_string(a.status);
            if (!a.body.empty()) error += ": " + excerpt(a.body);
            std::optional<seconds> retry_after;
            if (a.status == 413 && batch_limit_ > 1) {
                batch_limit_ = std::max(1, batch_limit_ / 2);
                error += " (batches of " + std::to_string(batch_limit_) + " from now on)";
            }
            if ((a.status == 429 || a.status == 503) && !a.retry_after.empty())
                // An HTTP-date is on the platform's clock, not on the device's.
                retry_after = parse_retry_after(a.retry_after, trusted_now().value_or(clock_.wall()),
                                                settings_.max_retry_after);
            fail(ids, error, retry_after);
            break;
        }

        // 200: {accepted, rejected}; anything else is not an answer.
        BatchAnswer answer = parse_batch_answer(a.body, ids);
        if (!answer.error.empty()) {
            fail(ids, answer.error);
            break;
        }
        if (answer.missing.empty()) {
            deferred = Marks{std::move(answer.accepted), std::move(answer.rejected)};
            after = batch.back().position;
        } else {
            write_marks({std::move(answer.accepted), std::move(answer.rejected)});
            fail(answer.missing, "the platform's answer does not account for " + std::to_string(answer.missing.size()) +
                                     " of " + std::to_string(ids.size()) + " records; they will be sent again");
            break;
        }
        backoff_.reset();
    }
    result.remaining = remaining();
    save();
    return result;
}

bool SyncClient::heartbeat(const nlohmann::json& document) {
    if (!status_.authorised) return false;
    const Http::Answer a =
        http_->post("/v1/devices/" + settings_.device_id + "/heartbeat", document.dump(), std::string());
    status_.online = a.error.empty();
    if (!a.error.empty()) {
        status_.last_error = a.error;
        return false;
    }
    learn_time(a.date);
    if (a.status == 401 || a.status == 403) {
        stop_unauthorised(a.status, " to the heartbeat");
        return false;
    }
    return a.status >= 200 && a.status <= 299;
}

}  // namespace vitrine::platform
