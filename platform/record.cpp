#include "platform/record.hpp"
#include "platform/sodium.hpp"

#include <sodium.h>

#include <cstdio>
#include <stdexcept>

namespace vitrine::platform {
namespace {

using namespace std::chrono;

void random_bytes(unsigned char* out, std::size_t n) {
    sodium_ready();
    randombytes_buf(out, n);
}

bool unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

std::string percent_encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        if (unreserved(c)) {
            out += c;
        } else {
            auto u = static_cast<unsigned char>(c);
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}


Record base_record(const RecordContext& ctx, Kind kind, system_clock::time_point created) {
    Record r;
    r.id = new_uuid();
    r.kind = kind;
    r.created = floor<milliseconds>(created);
    r.device_id = ctx.device_id;
    r.event = ctx.event;
    r.pack_id = ctx.pack_id;
    r.pack_version = ctx.pack_version;
    return r;
}

}  // namespace

void sodium_ready() {
    static const bool ready = [] {
        if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised (no random source?)");
        return true;
    }();
    (void)ready;
}

std::string to_base64(const Bytes& b) {
    std::string out(sodium_base64_encoded_len(b.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

std::optional<Bytes> from_base64(std::string_view s) {
    Bytes out(s.size() / 4 * 3 + 3);
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != s.data() + s.size())
        return std::nullopt;
    out.resize(len);
    return out;
}

const char* kind_name(Kind k) { return k == Kind::Interest ? "interest" : "stats"; }

std::string new_uuid() {
    unsigned char b[16];
    random_bytes(b, sizeof b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
    char out[37];
    std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                  b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return out;
}

std::string new_token() {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    unsigned char b[10];
    random_bytes(b, sizeof b);
    std::string out;
    for (int group = 0; group < 2; ++group) {  // 5 bytes -> 8 characters
        std::uint64_t v = 0;
        for (int i = 0; i < 5; ++i) v = v << 8 | b[group * 5 + i];
        for (int i = 7; i >= 0; --i) out += alphabet[(v >> (i * 5)) & 31];
    }
    return out;
}

std::string display_token(std::string_view token) {
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (i && i % 4 == 0) out += '-';
        out += token[i];
    }
    return out;
}

std::string expand_qr_url(std::string_view tmpl, std::string_view token, std::string_view event) {
    std::string out;
    for (std::size_t i = 0; i < tmpl.size();) {
        if (tmpl.substr(i).starts_with("{token}")) {
            out += percent_encode(token);
            i += 7;
        } else if (tmpl.substr(i).starts_with("{event}")) {
            out += percent_encode(event);
            i += 7;
        } else {
            out += tmpl[i++];
        }
    }
    return out;
}

Record make_interest(const RecordContext& ctx, system_clock::time_point created, const std::string& language,
                     nlohmann::json payload, std::map<std::string, Bytes> sealed) {
    Record r = base_record(ctx, Kind::Interest, created);
    r.language = language;
    r.token = new_token();
    r.payload = std::move(payload);
    r.sealed = std::move(sealed);
    return r;
}

Record make_stats(const RecordContext& ctx, system_clock::time_point created, nlohmann::json payload) {
    Record r = base_record(ctx, Kind::Stats, created);
    r.payload = std::move(payload);
    return r;
}

nlohmann::json to_json(const Record& r) {
    nlohmann::json sealed = nlohmann::json::object();
    for (const auto& [field, bytes] : r.sealed) sealed[field] = to_base64(bytes);
    nlohmann::json j = {{"id", r.id},
                        {"kind", kind_name(r.kind)},
                        {"created", rfc3339(r.created)},
                        {"device_id", r.device_id},
                        {"event", r.event},
                        {"pack_id", r.pack_id},
                        {"pack_version", r.pack_version},
                        {"language", r.language},
                        {"payload", r.payload},
                        {"sealed", sealed}};
    if (r.kind == Kind::Interest) j["token"] = r.token;
    return j;
}

Record record_from_json(const nlohmann::json& j) {
    auto bad = [](const std::string& field, const std::string& what) {
        return std::runtime_error("record: " + field + ": " + what);
    };
    if (!j.is_object()) throw bad("(record)", "must be a JSON object");
    auto str = [&](const char* field, bool required = true) -> std::string {
        auto it = j.find(field);
        if (it == j.end()) {
            if (required) throw bad(field, "missing");
            return {};
        }
        if (!it->is_string()) throw bad(field, "must be a string");
        return it->get<std::string>();
    };
    Record r;
    r.id = str("id");
    const std::string kind = str("kind");
    if (kind == "interest")
        r.kind = Kind::Interest;
    else if (kind == "stats")
        r.kind = Kind::Stats;
    else
        throw bad("kind", "must be \"interest\" or \"stats\"");
    if (!parse_rfc3339(str("created"), r.created))
        throw bad("created", "must be an RFC 3339 UTC time like 2026-01-05T09:00:00.000Z");
    r.device_id = str("device_id");
    r.event = str("event");
    r.pack_id = str("pack_id");
    auto version = j.find("pack_version");
    if (version == j.end() || !version->is_number_integer()) throw bad("pack_version", "must be an integer");
    r.pack_version = version->get<std::int64_t>();
    r.language = str("language");
    r.token = str("token", r.kind == Kind::Interest);
    if (auto p = j.find("payload"); p != j.end()) {
        if (!p->is_object()) throw bad("payload", "must be an object");
        r.payload = *p;
    }
    if (auto s = j.find("sealed"); s != j.end()) {
        if (!s->is_object()) throw bad("sealed", "must be an object");
        for (const auto& [field, value] : s->items()) {
            std::optional<Bytes> bytes = value.is_string() ? from_base64(value.get<std::string>()) : std::nullopt;
            if (!bytes) throw bad("sealed." + field, "must be standard base64");
            r.sealed[field] = std::move(*bytes);
        }
    }
    return r;
}

}  // namespace vitrine::platform
