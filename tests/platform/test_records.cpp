// Records: random ids and tokens, the QR code URL, times, and the JSON the
// platform and `vitrine queue list` see.
#include "fixture.hpp"

#include <regex>
#include <set>

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using nlohmann::json;

namespace {

std::string error_of(const json& j) {
    try {
        record_from_json(j);
    } catch (const std::runtime_error& e) { return e.what(); }
    return "(accepted)";
}

}  // namespace

TEST_CASE("ids are random version-4 UUIDs in lower case") {
    const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    std::set<std::string> seen;
    std::set<char> variants;
    for (int i = 0; i < 2000; ++i) {
        std::string id = new_uuid();
        CAPTURE(id);
        REQUIRE(std::regex_match(id, shape));
        variants.insert(id[19]);
        seen.insert(id);
    }
    CHECK(seen.size() == 2000);
    CHECK(variants == std::set<char>{'8', '9', 'a', 'b'});  // the two variant bits only; the rest is random
}

TEST_CASE("tokens: 16 characters of lower-case base32, 80 random bits") {
    const std::string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    std::set<std::string> seen;
    std::vector<std::set<char>> at(16);
    std::map<char, int> count;
    const int n = 10000;
    for (int i = 0; i < n; ++i) {
        std::string t = new_token();
        CAPTURE(t);
        REQUIRE(t.size() == 16);
        REQUIRE(t.find_first_not_of(alphabet) == std::string::npos);
        for (std::size_t p = 0; p < t.size(); ++p) {
            at[p].insert(t[p]);
            count[t[p]]++;
        }
        seen.insert(t);
    }
    CHECK(seen.size() == static_cast<std::size_t>(n));
    // Every position takes all 32 characters, each about as often: 5 bits of
    // randomness per character, none fixed or biased.
    for (std::size_t p = 0; p < 16; ++p) {
        CAPTURE(p);
        CHECK(at[p].size() == 32);
    }
    for (char c : alphabet) {
        CAPTURE(c);
        CHECK(count[c] > n * 16 / 32 * 8 / 10);
        CHECK(count[c] < n * 16 / 32 * 12 / 10);
    }
}

TEST_CASE("the token shown beside the QR code is in groups of four") {
    CHECK(display_token("abcdefghijklmnop") == "abcd-efgh-ijkl-mnop");
    CHECK(display_token("abcdef") == "abcd-ef");
    CHECK(display_token("") == "");
    const std::string t = new_token();
    std::string joined = display_token(t);
    std::erase(joined, '-');
    CHECK(joined == t);
}

TEST_CASE("the QR code URL: {token} and {event} replaced, the event percent-encoded") {
    const std::string tmpl = "https://platform.example/cv/{token}?e={event}";
    CHECK(expand_qr_url(tmpl, "abcdefghijklmnop", "demo-fair") ==
          "https://platform.example/cv/abcdefghijklmnop?e=demo-fair");
    CHECK(expand_qr_url(tmpl, "abcdefghijklmnop", "salon industrie/2026&x=1") ==
          "https://platform.example/cv/abcdefghijklmnop?e=salon%20industrie%2F2026%26x%3D1");
    CHECK(expand_qr_url(tmpl, "t", "foire-été_2026.v~2") == "https://platform.example/cv/t?e=foire-%C3%A9t%C3%A9_2026.v~2");
    SUBCASE("every occurrence, and nothing else") {
        CHECK(expand_qr_url("{token}/{token}/{event}/{other}", "tok", "ev") == "tok/tok/ev/{other}");
        CHECK(expand_qr_url("https://p.example/cv", "tok", "ev") == "https://p.example/cv");
        CHECK(expand_qr_url("{tok{token}en}", "x", "ev") == "{tokxen}");
    }
    SUBCASE("an event holding a placeholder is not expanded again") {
        CHECK(expand_qr_url("{event}", "tok", "{token}") == "%7Btoken%7D");
    }
}

TEST_CASE("times are RFC 3339 UTC with milliseconds") {
    using namespace std::chrono;
    CHECK(rfc3339(SysTime{}) == "1970-01-01T00:00:00.000Z");
    CHECK(rfc3339(kMonday9) == "2026-01-05T09:00:00.000Z");
    CHECK(rfc3339(kMonday9 + 1h + 2min + 3s + 45ms + 999us) == "2026-01-05T10:02:03.045Z");
    CHECK(rfc3339(SysTime(sys_days(2028y / February / 29) + 23h + 59min + 59s)) == "2028-02-29T23:59:59.000Z");
}

TEST_CASE("make_interest and make_stats fill a record from the context") {
    TestKeyPair keys;
    const SysTime created = kMonday9 + 1234567us;
    Record r = sample_interest(keys, created);
    CHECK(r.kind == Kind::Interest);
    CHECK(r.id.size() == 36);
    CHECK(r.token.size() == 16);
    CHECK(r.created == kMonday9 + 1234ms);  // whole milliseconds
    CHECK(r.device_id == "kiosk-07");
    CHECK(r.event == "salon-2026");
    CHECK(r.pack_id == "test-pack");
    CHECK(r.pack_version == 3);
    CHECK(r.language == "fr");
    CHECK(r.payload["answers"]["sector"] == "aerospace");
    CHECK(keys.open(r.sealed.at("email")) == "jeanne.dupont@example.org");

    Record s = sample_stats(created);
    CHECK(s.kind == Kind::Stats);
    CHECK(s.token.empty());
    CHECK(s.sealed.empty());
    CHECK(s.id != r.id);
    CHECK(sample_interest(keys, created).token != r.token);
}

TEST_CASE("JSON: what the platform receives, and back") {
    TestKeyPair keys;
    Record r = sample_interest(keys, kMonday9 + 42ms);
    r.sealed["badge"] = Bytes{0xfb, 0xff, 0x00, 0x3e};  // standard base64 has '+' and '/'
    const json j = to_json(r);
    CHECK(j["id"] == r.id);
    CHECK(j["kind"] == "interest");
    CHECK(j["created"] == "2026-01-05T09:00:00.042Z");
    CHECK(j["device_id"] == "kiosk-07");
    CHECK(j["event"] == "salon-2026");
    CHECK(j["pack_id"] == "test-pack");
    CHECK(j["pack_version"] == 3);
    CHECK(j["language"] == "fr");
    CHECK(j["token"] == r.token);
    CHECK(j["payload"] == r.payload);
    CHECK(j["sealed"]["badge"] == "+/8APg==");
    CHECK(j["sealed"]["email"] == base64(r.sealed["email"].data(), r.sealed["email"].size()));
    CHECK(j.dump().find("jeanne") == std::string::npos);

    const Record back = record_from_json(json::parse(j.dump()));
    CHECK(back.id == r.id);
    CHECK(back.kind == r.kind);
    CHECK(back.created == r.created);
    CHECK(back.device_id == r.device_id);
    CHECK(back.event == r.event);
    CHECK(back.pack_id == r.pack_id);
    CHECK(back.pack_version == r.pack_version);
    CHECK(back.language == r.language);
    CHECK(back.token == r.token);
    CHECK(back.payload == r.payload);
    CHECK(back.sealed == r.sealed);
    CHECK(keys.open(back.sealed.at("email")) == "jeanne.dupont@example.org");
    CHECK(to_json(back) == j);

    SUBCASE("a statistics record has no token") {
        const json s = to_json(sample_stats(kMonday9));
        CHECK_FALSE(s.contains("token"));
        CHECK(s["sealed"] == json::object());
        CHECK(to_json(record_from_json(s)) == s);
    }
}

TEST_CASE("record_from_json names the field it refuses") {
    TestKeyPair keys;
    const json good = to_json(sample_interest(keys, kMonday9));
    struct Case {
        std::string field;
        json value;  // null: removed
        std::string message;
    };
    const Case cases[] = {
        {"id", nullptr, "record: id: missing"},
        {"id", 12, "record: id: must be a string"},
        {"kind", "visit", "record: kind: must be \"interest\" or \"stats\""},
        {"created", "2026-01-05 09:00:00Z", "record: created: must be an RFC 3339 UTC time"},
        {"created", "2026-13-05T09:00:00.000Z", "record: created: "},
        {"created", "2026-02-30T09:00:00.000Z", "record: created: "},
        {"created", "2026-01-05T09:00:00.000+01:00", "record: created: "},
        {"created", "+026-01-05T09:00:00.000Z", "record: created: "},
        {"created", "2026-01-05T09:00:00.Z", "record: created: "},
        {"pack_version", "3", "record: pack_version: must be an integer"},
        {"token", nullptr, "record: token: missing"},
        {"payload", json::array(), "record: payload: must be an object"},
        {"sealed", json{{"email", "not base64!"}}, "record: sealed.email: must be standard base64"},
        {"sealed", json{{"email", "-_8APg=="}}, "record: sealed.email: must be standard base64"},
        {"sealed", json{{"email", 3}}, "record: sealed.email: must be standard base64"},
    };
    for (const auto& c : cases) {
        json j = good;
        if (c.value.is_null())
            j.erase(c.field);
        else
            j[c.field] = c.value;
        CAPTURE(j.dump());
        CHECK(error_of(j).starts_with(c.message));
    }
    CHECK(error_of(json::array()) == "record: (record): must be a JSON object");

    SUBCASE("accepted variants of the time") {
        json j = good;
        j["created"] = "2026-01-05T09:00:00Z";
        CHECK(record_from_json(j).created == kMonday9);
        j["created"] = "2026-01-05T09:00:00.5Z";
        CHECK(record_from_json(j).created == kMonday9 + 500ms);
        j["created"] = "2026-01-05T09:00:00.123456Z";
        CHECK(record_from_json(j).created == kMonday9 + 123ms);
    }
}
