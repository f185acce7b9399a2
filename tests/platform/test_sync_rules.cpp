// The sync client's rules that need no server: back-off bounds and jitter,
// Retry-After, the idempotency key, settings and the token file.
#include "content/pack_path.hpp"
#include "platform/outbox.hpp"
#include "platform/sync.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <random>
#include <set>

using namespace vitrine::platform;
using namespace vitrine::test;
using namespace std::chrono;
using namespace std::chrono_literals;

TEST_CASE("back-off: every wait within [0, min(cap, base * 2^(n-1))], spread over the range, reset by a success") {
    std::mt19937 gen(42);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Backoff b(2s, 300s, [&] { return u(gen); });
    CHECK(b.ceiling() == 0ms);
    for (int round = 0; round < 50; ++round) {
        for (int n = 1; n <= 14; ++n) {
            const milliseconds wait = b.next();
            const milliseconds bound = std::min<milliseconds>(300s, milliseconds(2000LL << (n - 1)));
            REQUIRE(b.failures() == n);
            CHECK(b.ceiling() == bound);
            CHECK(wait >= 0ms);
            CHECK(wait <= bound);
        }
        b.reset();
        CHECK(b.failures() == 0);
    }
    // Full jitter with libsodium's randomness: capped waits cover the range, not one value.
    Backoff real(2s, 300s);
    for (int i = 0; i < 12; ++i) real.next();
    std::vector<milliseconds> waits;
    for (int i = 0; i < 200; ++i) waits.push_back(real.next());
    CHECK(real.ceiling() == 300s);
    CHECK(*std::max_element(waits.begin(), waits.end()) <= 300s);
    CHECK(*std::min_element(waits.begin(), waits.end()) < 60s);
    CHECK(*std::max_element(waits.begin(), waits.end()) > 240s);
    CHECK(std::set<milliseconds>(waits.begin(), waits.end()).size() > 150);
}

TEST_CASE("back-off: the extremes of the random source give 0 and exactly the ceiling") {
    double value = 1.0;
    Backoff b(500ms, 4s, [&] { return value; });
    CHECK(b.next() == 500ms);
    CHECK(b.next() == 1000ms);
    CHECK(b.next() == 2000ms);
    CHECK(b.next() == 4000ms);
    CHECK(b.next() == 4000ms);  // capped
    value = 0.0;
    CHECK(b.next() == 0ms);
    value = 7.0;  // out of range: clamped, never beyond the bound
    CHECK(b.next() == 4000ms);
}

TEST_CASE("Retry-After: delay-seconds and HTTP-dates, range-checked") {
    const auto now = system_clock::from_time_t(1767603600);  // 2026-01-05 09:00:00 UTC
    CHECK(parse_retry_after("7", now, 6h) == 7s);
    CHECK(parse_retry_after(" 120 ", now, 6h) == 120s);
    CHECK(parse_retry_after("0", now, 6h) == 0s);
    CHECK(parse_retry_after("Mon, 05 Jan 2026 09:00:30 GMT", now, 6h) == 30s);
    CHECK(parse_retry_after("Monday, 05-Jan-26 09:01:00 GMT", now, 6h) == 60s);  // RFC 850, still valid
    CHECK(parse_retry_after("Mon, 05 Jan 2026 08:00:00 GMT", now, 6h) == 0s);   // in the past: now
    CHECK_FALSE(parse_retry_after("21601", now, 6h).has_value());               // beyond the maximum
    CHECK_FALSE(parse_retry_after("Tue, 06 Jan 2026 09:00:00 GMT", now, 6h).has_value());
    CHECK_FALSE(parse_retry_after("-5", now, 6h).has_value());
    CHECK_FALSE(parse_retry_after("1.5", now, 6h).has_value());
    CHECK_FALSE(parse_retry_after("99999999999999999999999", now, 6h).has_value());
    CHECK_FALSE(parse_retry_after("soon", now, 6h).has_value());
    CHECK_FALSE(parse_retry_after("", now, 6h).has_value());
}

TEST_CASE("the idempotency key: 32 hex digits, the same for the same batch, different for another") {
    const std::string a = idempotency_key({"id-1", "id-2"});
    CHECK(a.size() == 32);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(idempotency_key({"id-1", "id-2"}) == a);
    CHECK(idempotency_key({"id-2", "id-1"}) != a);
    CHECK(idempotency_key({"id-1"}) != a);
    CHECK(idempotency_key({"id-1id-2"}) != idempotency_key({"id-1", "id-2"}));
}

TEST_CASE("settings: https only unless allowed, a token, a CA file that exists, a URL-safe device id") {
    SyncSettings s;
    s.base_url = "https://platform.example/api";
    s.device_id = "kiosk-01";
    s.token = "t";
    CHECK_NOTHROW(check(s));
    auto refused = [](SyncSettings bad, const std::string& words) {
        try {
            check(bad);
        } catch (const SyncConfigError& e) {
            CHECK_MESSAGE(std::string(e.what()).find(words) != std::string::npos, e.what());
            return;
        }
        FAIL("accepted: " << bad.base_url);
    };
    SyncSettings http = s;
    http.base_url = "http://127.0.0.1:1";
    refused(http, "allow_insecure_http");
    http.allow_insecure_http = true;
    CHECK_NOTHROW(check(http));
    SyncSettings ftp = s;
    ftp.base_url = "ftp://platform.example";
    refused(ftp, "must start with https://");
    SyncSettings none = s;
    none.base_url = "";
    refused(none, "base_url is empty");
    SyncSettings no_token = s;
    no_token.token = "";
    refused(no_token, "no device token");
    SyncSettings ca = s;
    ca.ca_file = "/nonexistent/ca.pem";
    refused(ca, "ca_file /nonexistent/ca.pem");
    SyncSettings id = s;
    id.device_id = "../admin";
    refused(id, "[device] id");
    SyncSettings batch = s;
    batch.batch_size = 0;
    refused(batch, "batch_size");
}

TEST_CASE("the token file: mode 0600, one word, white space trimmed; errors say what to do") {
    TempDir dir;
    const auto file = dir / "token";
    auto refused = [&](const std::string& words) {
        try {
            read_token_file(file);
        } catch (const SyncConfigError& e) {
            CHECK_MESSAGE(std::string(e.what()).find(words) != std::string::npos, e.what());
            CHECK(std::string(e.what()).find("s3cret") == std::string::npos);  // never the token itself
            return;
        }
        FAIL("accepted");
    };
    refused("does not exist");
    write_file(file, "s3cret-token\n");
    ::chmod(file.c_str(), 0644);
    refused("chmod 600");
    ::chmod(file.c_str(), 0600);
    CHECK(read_token_file(file) == "s3cret-token");
    write_file(file, "  \n");
    ::chmod(file.c_str(), 0600);
    refused("is empty");
    write_file(file, "s3cret one\n");
    ::chmod(file.c_str(), 0600);
    refused("more than one word");
    // What would go into the Authorization header as it is: visible ASCII only.
    for (const std::string& bad : {std::string("s3cret\xff"), std::string("s3\x0b" "cret"), std::string("s3\x0c" "cret"),
                                   std::string("s3cr\x01t"), std::string("s3cr\x7ft"), std::string("s3cr\xc3\xa9t")}) {
        CAPTURE(bad);
        write_file(file, bad + "\n");
        ::chmod(file.c_str(), 0600);
        refused("a byte that is not visible ASCII");
    }
    write_file(file, "\x0b" "s3cret-token\x0c\n");  // white space around is trimmed, as a newline is
    ::chmod(file.c_str(), 0600);
    CHECK(read_token_file(file) == "s3cret-token");
}

TEST_CASE("a platform's reason is kept bounded, and shown without its control characters") {
    TempDir dir;
    Outbox outbox(dir / "outbox.db");
    Record r;
    r.id = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed";
    r.kind = Kind::Stats;
    r.created = system_clock::from_time_t(1767603600);
    r.device_id = "kiosk-01";
    outbox.add(r);
    std::string reason = "bad\x1b[2J\x07\nfake row\r";
    reason += std::string(3 << 20, 'x');
    outbox.mark_rejected(r.id, reason);
    const std::string kept = outbox.find(r.id)->last_error;
    CHECK(kept.size() == kMaxReasonBytes);
    CHECK(kept.starts_with("bad\x1b[2J"));
    CHECK(kept.ends_with("..."));
    // Cut before a character, never inside one.
    outbox.add([&] { Record o = r; o.id = "2b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"; return o; }());
    std::string accents;
    while (accents.size() < 2000) accents += "\xc3\xa9";  // é
    outbox.note_failure({"2b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"}, "x" + accents);
    const std::string cut = outbox.find("2b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed")->last_error;
    CHECK(cut.size() <= kMaxReasonBytes);
    CHECK(nlohmann::json(cut).dump().size() > 0);  // still valid UTF-8: dump() would throw
    CHECK(vitrine::content::printable("a\x1b[2Jb\x07\n\xc2\x9b" "c\xc3\xa9") == "a\\x1b[2Jb\\x07\\x0a\\xc2\\x9bc\xc3\xa9");
}

TEST_CASE("the batch body and the sync status as JSON") {
    Record r;
    r.id = "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed";
    r.kind = Kind::Stats;
    r.created = system_clock::from_time_t(1767603600);
    r.device_id = "kiosk-01";
    const auto body = batch_body("kiosk-01", {r});
    CHECK(body["device_id"] == "kiosk-01");
    REQUIRE(body["records"].size() == 1);
    CHECK(body["records"][0] == to_json(r));

    SyncStatus s;
    s.configured = true;
    s.authorised = false;
    s.last_success = system_clock::from_time_t(1767603600);
    s.last_error = "device not authorised";
    const auto j = to_json(s);
    CHECK(j["last_success"] == "2026-01-05T09:00:00.000Z");
    CHECK(j["last_attempt"].is_null());
    CHECK(j["authorised"] == false);
    const SyncStatus back = sync_status_from(j);
    CHECK(back.authorised == false);
    CHECK(back.last_success == s.last_success);
    CHECK(back.last_error == s.last_error);
    CHECK_FALSE(back.last_attempt.has_value());
    CHECK(sync_status_from(nlohmann::json::object()).authorised);  // nothing saved: nothing known against it
}
