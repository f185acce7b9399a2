// Records sent to the talent platform (DESIGN "Records and the outbox").
// A record never holds personal data in clear: contact fields arrive here
// already sealed (platform/seal.hpp).
#pragma once
#include "base/text.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine::platform {

enum class Kind { Interest, Stats };
const char* kind_name(Kind k);  // "interest", "stats"

using Bytes = std::vector<unsigned char>;

struct Record {
    std::string id;  // random UUID (version 4), lower case
    Kind kind = Kind::Interest;
    std::chrono::system_clock::time_point created;  // UTC, whole milliseconds
    std::string device_id, event;
    std::string pack_id;
    std::int64_t pack_version = 0;
    std::string language;  // the UI language when it was made
    std::string token;     // interest only: the handle in the QR code URL
    nlohmann::json payload = nlohmann::json::object();  // kind-specific, no personal data
    std::map<std::string, Bytes> sealed;  // field name ("name", "email", "badge") -> crypto_box_seal output
};

// Who makes records: the same on every record of a visit.
struct RecordContext {
    std::string device_id, event, pack_id;
    std::int64_t pack_version = 0;
};

std::string new_uuid();   // from libsodium's randombytes
std::string new_token();  // 16 characters of lower-case RFC 4648 base32: 80 random bits, URL-safe

// The token as shown beside the QR code for typing: "abcd-efgh-ijkl-mnop".
std::string display_token(std::string_view token);

// `tmpl` with {token} and {event} replaced (the event percent-encoded).
std::string expand_qr_url(std::string_view tmpl, std::string_view token, std::string_view event);

// An interest record: `payload` = {"answers": {...}, "consent": {...}}.
Record make_interest(const RecordContext& ctx, std::chrono::system_clock::time_point created,
                     const std::string& language, nlohmann::json payload, std::map<std::string, Bytes> sealed);
// A statistics record: `payload` from StatsCollector.
Record make_stats(const RecordContext& ctx, std::chrono::system_clock::time_point created, nlohmann::json payload);

// The record as the platform API and `vitrine queue list` show it: sealed
// parts as standard base64, `created` as RFC 3339 UTC with milliseconds.
nlohmann::json to_json(const Record& r);
// The inverse; throws std::runtime_error naming the bad field.
Record record_from_json(const nlohmann::json& j);

// RFC 3339 times as the API writes and reads them (base/text.hpp).
using base::parse_rfc3339;
using base::rfc3339;

}  // namespace vitrine::platform
