// The platform API's schemas (platform/openapi.yaml) against what the device
// really sends: a batch made by batch_body() from sealed interest records and
// an hour of statistics, and the device status document. The other way
// round too: broken documents must be refused, so a schema that lets
// anything through fails here. Checks run through tools/validate-api
// (python3-jsonschema), as a platform team would run them.
#include "platform/outbox.hpp"
#include "platform/record.hpp"
#include "platform/seal.hpp"
#include "platform/stats.hpp"
#include "platform/status.hpp"
#include "platform/sync.hpp"
#include "support/fake_platform.hpp"
#include "support/seal_keys.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const fs::path kSource = VITRINE_SOURCE_DIR;
const std::string kValidator = (kSource / "tools" / "validate-api").string();

// tools/validate-api SCHEMA file... for the given documents, one file each.
ProcessResult validate(const TempDir& dir, const std::string& schema, const std::vector<json>& docs) {
    std::vector<std::string> argv{kValidator, schema};
    for (std::size_t i = 0; i < docs.size(); ++i) {
        const fs::path file = dir / (schema + "-" + std::to_string(i) + ".json");
        write_file(file, docs[i].dump(2));
        argv.push_back(file.string());
    }
    return run(argv);
}

// The validator's lines about one file ("FILE: $.path: message").
std::vector<std::string> lines_about(const std::string& out, const std::string& file) {
    std::vector<std::string> found;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(file + ": ")) found.push_back(line.substr(file.size() + 2));
    return found;
}

RecordContext context() { return {"kiosk-07", "salon-talents-2026", "occitanie", 3}; }
const std::chrono::system_clock::time_point kMonday9{std::chrono::seconds(1767603600)};  // 2026-01-05 09:00 UTC

// What the kiosk's interest flow makes (kiosk/interest.cpp): answers by
// question id, the consent, and the contact sealed as one JSON object only
// when the visitor agreed to be contacted.
Record interest(const TestKeyPair& keys, bool contact, std::chrono::milliseconds after) {
    json payload = {{"answers", {{"job_family", "software"}, {"experience", "5-10"}, {"mobility", "yes"}}},
                    {"consent", {{"contact", contact}, {"share_cv", !contact}, {"notice_version", 2}}}};
    std::map<std::string, Bytes> sealed;
    if (contact) {
        const json clear = {{"name", "Zoë Ångström"}, {"email", "zoe.angstrom@example.org"}, {"badge", "SAL26-004711"}};
        sealed["contact"] = seal(keys.key(), clear.dump());
    }
    return make_interest(context(), kMonday9 + after, "fr", std::move(payload), std::move(sealed));
}

// An hour of statistics from the collector, as the kiosk writes it.
Record stats_hour() {
    ManualClock clock;  // 2026-01-05 09:00:00 UTC
    StatsCollector stats(clock);
    stats.video_started("");
    stats.video_started("");
    stats.showcase_opened("green-aircraft");
    stats.video_started("green-aircraft");
    clock.advance(74500ms);
    stats.video_completed("green-aircraft");
    stats.flow_started("green-aircraft");
    stats.qr_shown();
    stats.flow_completed();
    stats.showcase_opened("rail-twin");
    clock.advance(12250ms);
    stats.showcase_closed();
    stats.flow_started("");
    stats.flow_abandoned();
    clock.advance(1h);
    auto hours = stats.take();
    REQUIRE(hours.size() == 1);
    return make_stats(context(), clock.wall(), hours[0]);
}

}  // namespace

TEST_CASE("the OpenAPI document itself: YAML, references, 2020-12 schemas, its own examples") {
    const ProcessResult r = run({kValidator, "--check"});
    INFO(r.out, r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("all valid") != std::string::npos);
}

TEST_CASE("what the device sends is valid: a batch of interest and stats records, the status document") {
    TempDir dir;
    TestKeyPair keys;
    const Record with_contact = interest(keys, true, 37min + 42ms);
    const Record without_contact = interest(keys, false, 41min);
    const Record hour = stats_hour();
    const json batch = batch_body("kiosk-07", {with_contact, without_contact, hour});
    REQUIRE(batch["records"].size() == 3);
    // The shapes the schema must carry: the sealed contact, and a stats record's empty language.
    REQUIRE(batch["records"][0]["sealed"].contains("contact"));
    REQUIRE(batch["records"][1]["sealed"].empty());
    REQUIRE(batch["records"][2]["language"] == "");

    SUBCASE("RecordsBatch, and each record alone as a Record") {
        ProcessResult r = validate(dir, "RecordsBatch", {batch});
        INFO(r.out, r.err);
        CHECK(r.exit_code == 0);
        r = validate(dir, "Record", {batch["records"][0], batch["records"][1], batch["records"][2]});
        INFO(r.out, r.err);
        CHECK(r.exit_code == 0);
    }

    SUBCASE("the sealed contact opens with the platform's key to a SealedContact") {
        const std::string b64 = batch["records"][0]["sealed"]["contact"];
        const auto clear = keys.open_base64(b64);
        REQUIRE(clear);
        const json contact = json::parse(*clear);
        CHECK(contact["email"] == "zoe.angstrom@example.org");
        const ProcessResult r = validate(dir, "SealedContact", {contact});
        INFO(r.out, r.err);
        CHECK(r.exit_code == 0);
    }

    SUBCASE("DeviceStatus: a kiosk backing off with a real outbox, and a fresh one with nothing known") {
        Outbox outbox(dir / "outbox.db");
        outbox.add(with_contact);
        outbox.add(without_contact);
        outbox.add(hour);
        outbox.mark_sent({hour.id}, kMonday9 + 2h);
        outbox.mark_rejected(without_contact.id, "pack_id: pack occitanie is not known to this platform");
        const auto now = kMonday9 + 2h + 5min;

        DeviceInfo device{"kiosk-07", "salon-talents-2026", "0.1.0", "occitanie", 3, 19325s, 12884901888ull};
        SyncStatus sync;
        sync.configured = true;
        sync.online = true;
        sync.last_attempt = now - 40s;
        sync.last_success = now - 20min;
        sync.last_error = "the platform answered HTTP 503: {\"error\": \"maintenance\"}";
        sync.next_attempt = now + 90s;
        const json busy = device_status(device, outbox.status(now), sync, now);
        REQUIRE(busy["queue"]["pending"] == 1);
        REQUIRE(busy["queue"]["oldest_pending_age_s"].is_number_integer());

        DeviceInfo bare{"kiosk-07", "salon-talents-2026", "0.1.0", "", 0, 0s, std::nullopt};
        const json fresh = device_status(bare, OutboxStatus::none(), SyncStatus{}, now);
        REQUIRE(fresh["pack"].is_null());
        REQUIRE(fresh["sync"]["last_success"].is_null());

        const ProcessResult r = validate(dir, "DeviceStatus", {busy, fresh});
        INFO(r.out, r.err);
        CHECK(r.exit_code == 0);
    }

    SUBCASE("BatchAnswer: what the platform answers for this batch") {
        const json answer = {
            {"accepted", {with_contact.id, hour.id}},
            {"rejected", {{{"id", without_contact.id}, {"reason", "pack_id: pack occitanie is not known"}}}}};
        const ProcessResult r =
            validate(dir, "BatchAnswer", {answer, json{{"accepted", json::array()}, {"rejected", json::array()}}});
        INFO(r.out, r.err);
        CHECK(r.exit_code == 0);
    }
}

TEST_CASE("what goes over the wire is valid: the sync client's requests as the fake platform received them") {
    TempDir dir;
    TestKeyPair keys;
    ManualClock clock;
    Outbox outbox(dir / "outbox.db");
    outbox.add(interest(keys, true, 1s));
    outbox.add(interest(keys, false, 2s));
    outbox.add(stats_hour());
    FakePlatform server;
    SyncSettings s;
    s.base_url = server.base_url();
    s.allow_insecure_http = true;
    s.device_id = "kiosk-07";
    s.token = "test-token";
    s.batch_size = 2;
    SyncClient client(s, outbox, clock);
    REQUIRE(client.pass().outcome == PassResult::Outcome::Done);
    DeviceInfo device{"kiosk-07", "salon-talents-2026", "0.1.0", "occitanie", 3, 3600s, 1u << 30};
    REQUIRE(client.heartbeat(device_status(device, outbox.status(clock.wall()), client.status(), clock.wall())));

    std::vector<json> batches, beats;
    for (const auto& q : server.requests()) (q.path == "/v1/records:batch" ? batches : beats).push_back(json::parse(q.body));
    REQUIRE(batches.size() == 2);
    REQUIRE(beats.size() == 1);
    ProcessResult r = validate(dir, "RecordsBatch", batches);
    INFO(r.out, r.err);
    CHECK(r.exit_code == 0);
    r = validate(dir, "DeviceStatus", beats);
    INFO(r.out, r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE("vitrine status --json prints a valid DeviceStatus") {
    TempDir dir;
    TestKeyPair keys;
    {
        Outbox outbox(dir / "data" / "outbox.db");
        outbox.add(interest(keys, true, 37min));
        outbox.add(stats_hour());
    }
    write_file(dir / "vitrine.toml", "[device]\nid = \"kiosk-07\"\nevent = \"salon-talents-2026\"\ndata_dir = \"" +
                                         (dir / "data").string() + "\"\n");
    const ProcessResult status = run({vitrine_bin(), "--config", (dir / "vitrine.toml").string(), "status", "--json"});
    INFO(status.out, status.err);
    REQUIRE(status.exit_code == 0);
    const json doc = json::parse(status.out);
    CHECK(doc["queue"]["pending"] == 2);
    const ProcessResult r = validate(dir, "DeviceStatus", {doc});
    INFO(r.out, r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE("broken batches are refused, each error naming where it is") {
    TempDir dir;
    TestKeyPair keys;
    const json good = batch_body("kiosk-07", {interest(keys, true, 37min + 42ms), stats_hour()});

    struct Case {
        std::string what, where;  // `where`: the JSON path the validator must name
        std::function<void(json&)> change;
    };
    const std::vector<Case> batches = {
        {"an id that is not a UUID v4", "$.records[0].id",
         [](json& b) { b["records"][0]["id"] = "1b9d6bcd-bbfd-1b2d-9b5d-ab8dfbbd4bed"; }},
        {"an id in upper case", "$.records[1].id",
         [](json& b) { b["records"][1]["id"] = "1B9D6BCD-BBFD-4B2D-9B5D-AB8DFBBD4BED"; }},
        {"an extra field in a record", "$.records[0]", [](json& b) { b["records"][0]["email"] = "zoe@example.org"; }},
        {"an extra field in the batch", "$", [](json& b) { b["sent_at"] = "2026-01-05T10:00:00.000Z"; }},
        {"a missing field", "$.records[0]", [](json& b) { b["records"][0].erase("token"); }},
        {"a missing payload field", "$.records[1].payload.flows",
         [](json& b) { b["records"][1]["payload"]["flows"].erase("qr_shown"); }},
        {"a time without milliseconds", "$.records[0].created",
         [](json& b) { b["records"][0]["created"] = "2026-01-05T09:37:00Z"; }},
        {"a time not in UTC", "$.records[0].created",
         [](json& b) { b["records"][0]["created"] = "2026-01-05T10:37:00.042+01:00"; }},
        {"a day that does not exist", "$.records[1].created",
         [](json& b) { b["records"][1]["created"] = "2026-02-30T10:00:00.000Z"; }},
        {"a token outside base32", "$.records[0].token",
         [](json& b) { b["records"][0]["token"] = "abcdefgh01234567"; }},
        {"a token on a stats record", "$.records[1]", [](json& b) { b["records"][1]["token"] = "abcdefghijklmnop"; }},
        {"an unknown kind", "$.records[0].kind", [](json& b) { b["records"][0]["kind"] = "cv"; }},
        {"a contact without consent to be contacted", "$.records[0].sealed",
         [](json& b) { b["records"][0]["payload"]["consent"]["contact"] = false; }},
        {"a sealed field other than contact", "$.records[0].sealed",
         [](json& b) { b["records"][0]["sealed"]["email"] = b["records"][0]["sealed"]["contact"]; }},
        {"a sealed part that is not base64", "$.records[0].sealed.contact",
         [](json& b) {
             b["records"][0]["sealed"]["contact"] =
                 "{\"name\": \"Zoë Ångström\", \"email\": \"zoe.angstrom@example.org\"}";
         }},
        {"a negative count", "$.records[1].payload.showcases[\"green-aircraft\"].views",
         [](json& b) { b["records"][1]["payload"]["showcases"]["green-aircraft"]["views"] = -1; }},
        {"no records", "$.records", [](json& b) { b["records"] = json::array(); }},
        {"more than 1000 records", "$.records",
         [](json& b) {
             const json r = b["records"][1];
             b["records"] = json::array();
             for (int i = 0; i < 1001; ++i) b["records"].push_back(r);
         }},
    };
    std::vector<json> docs;
    for (const auto& c : batches) {
        json b = good;
        c.change(b);
        docs.push_back(b);
    }
    docs.push_back(good);  // the control: valid as it is
    const ProcessResult r = validate(dir, "RecordsBatch", docs);
    INFO(r.out, r.err);
    CHECK(r.exit_code == 1);
    for (std::size_t i = 0; i < batches.size(); ++i) {
        CAPTURE(batches[i].what);
        const auto lines = lines_about(r.out, (dir / ("RecordsBatch-" + std::to_string(i) + ".json")).string());
        REQUIRE_FALSE(lines.empty());
        bool named = false;
        for (const auto& line : lines) named = named || line.starts_with(batches[i].where + ": ");
        CHECK_MESSAGE(named, "expected an error at " << batches[i].where);
        CHECK(lines[0].find("valid RecordsBatch") == std::string::npos);
    }
    const auto control =
        lines_about(r.out, (dir / ("RecordsBatch-" + std::to_string(batches.size()) + ".json")).string());
    CHECK(control == std::vector<std::string>{"valid RecordsBatch"});
}

TEST_CASE("broken status documents and answers are refused; an unknown schema is a usage error") {
    TempDir dir;
    SUBCASE("a status document with an extra, a missing or a badly shaped field") {
        const auto now = kMonday9 + 2h;
        json status = device_status({"kiosk-07", "salon-talents-2026", "0.1.0", "occitanie", 3, 60s, 1000000},
                                    OutboxStatus::none(), SyncStatus{}, now);
        std::vector<json> bad(4, status);
        bad[0]["visitors_today"] = 12;
        bad[1]["sync"].erase("next_attempt");
        bad[2]["time"] = "2026-01-05 11:00:00";
        bad[3]["pack"] = {{"id", "occitanie"}};
        const ProcessResult s = validate(dir, "DeviceStatus", bad);
        INFO(s.out, s.err);
        CHECK(s.exit_code == 1);
        for (std::size_t i = 0; i < bad.size(); ++i) {
            CAPTURE(i);
            const auto lines = lines_about(s.out, (dir / ("DeviceStatus-" + std::to_string(i) + ".json")).string());
            REQUIRE_FALSE(lines.empty());
            CHECK(lines[0].find("valid DeviceStatus") == std::string::npos);
        }
    }

    SUBCASE("an answer that leaves out its lists or names a record by something else than its id") {
        const ProcessResult s = validate(
            dir, "BatchAnswer",
            {json{{"accepted", json::array()}}, json{{"accepted", {"kiosk-07/1"}}, {"rejected", json::array()}}});
        INFO(s.out, s.err);
        CHECK(s.exit_code == 1);
        CHECK(lines_about(s.out, (dir / "BatchAnswer-0.json").string()).size() == 1);
        CHECK(lines_about(s.out, (dir / "BatchAnswer-1.json").string()).size() >= 1);
    }

    SUBCASE("an unknown schema name is a usage error") {
        write_file(dir / "batch.json", "{}");
        const ProcessResult s = run({kValidator, "Batch", (dir / "batch.json").string()});
        CHECK(s.exit_code == 2);
        CHECK(s.err.find("RecordsBatch") != std::string::npos);  // the list of names
    }
}

TEST_CASE("--check refuses a document with a dangling reference or a schema that is not 2020-12") {
    TempDir dir;
    fs::create_directories(dir / "tools");
    fs::create_directories(dir / "platform");
    fs::copy_file(kValidator, dir / "tools" / "validate-api");
    const std::string yaml = read_file(kSource / "platform" / "openapi.yaml");

    auto check_with = [&](const std::string& from, const std::string& to) {
        const auto at = yaml.find(from);
        REQUIRE(at != std::string::npos);
        std::string broken = yaml;
        broken.replace(at, from.size(), to);
        write_file(dir / "platform" / "openapi.yaml", broken);
        return run({(dir / "tools" / "validate-api").string(), "--check"});
    };
    ProcessResult r =
        check_with("$ref: \"#/components/schemas/SealedPart\"", "$ref: \"#/components/schemas/SealPart\"");
    INFO(r.out, r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("'#/components/schemas/SealPart' does not resolve") != std::string::npos);

    r = check_with("minLength: 68", "minLength: -68");
    INFO(r.out, r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("components.schemas.SealedPart: not a valid JSON Schema 2020-12") != std::string::npos);
}
