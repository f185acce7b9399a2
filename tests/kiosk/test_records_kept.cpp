// The three ways a kiosk once lost records or failed a visitor, reproduced
// through the real binary and its commands only (so that VITRINE_TEST_BIN
// can point at another build): a foreign -wal beside the outbox, a wrong
// wall clock at start, a QR URL too long for a QR code. The outboxes are
// written as schema 3, which every version reads.
#include "platform/fixture.hpp"
#include "rendered.hpp"
#include "support/fake_platform.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <set>

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using nlohmann::json;

namespace {

const fs::path kDemo = VITRINE_DEMO_DIR;
constexpr int kRecords = 402;

struct Device {
    TempDir tmp;
    TestKeyPair keys;
    fs::path config = tmp / "vitrine.toml";
    fs::path data = tmp / "data";
    fs::path db = data / "outbox.db";
    std::string platform_section;

    Device() {
        write_config();
        auto r = vitrine({"pack", "install", (kDemo / "pack").string()});
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        write_file(tmp / "token", "test-token\n");
        ::chmod((tmp / "token").c_str(), 0600);
    }
    void write_config(const std::string& extra_platform = "", const std::string& event = "demo-fair") {
        write_file(config, "[device]\ndata_dir = \"data\"\nevent = \"" + event + "\"\n[packs]\ntrusted_keys = [\"" +
                               minisign_key_line(kDemo / "keys/demo.pub") + "\"]\nwatch_dirs = []\n[platform]\n" +
                               "seal_public_key = \"" + keys.public_base64() + "\"\ntoken_file = \"token\"\n" +
                               extra_platform);
    }
    ProcessResult vitrine(std::vector<std::string> args, const std::vector<std::string>& before = {}) {
        args.insert(args.begin(), {vitrine_bin(), "--config", config.string()});
        args.insert(args.begin(), before.begin(), before.end());
        return run(args);
    }
    ProcessResult kiosk(const std::string& script, const std::vector<std::string>& before = {}) {
        write_file(tmp / "script.txt", script);
        ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
        return vitrine({"run", "--windowed", "960x540", "--script", (tmp / "script.txt").string()}, before);
    }
    // Pending interest records (the kiosk adds a stats record of its own when it stops).
    std::int64_t pending() {
        auto r = vitrine({"queue", "status", "--json"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out)["counts"]["pending"]["interest"].get<std::int64_t>();
    }

    // An outbox of schema 3, as versions before 4 write it: `n` pending
    // interest records made at `created`, closed cleanly.
    std::set<std::string> schema3_outbox(int n, SysTime created) {
        fs::create_directories(db.parent_path());
        std::set<std::string> ids;
        RawDb raw(db);
        raw.exec("PRAGMA journal_mode = WAL");
        for (int v = 0; v < 3; ++v) raw.exec(std::string(Outbox::migrations().at(static_cast<std::size_t>(v))));
        raw.exec("PRAGMA user_version = 3; BEGIN");
        for (int i = 0; i < n; ++i) {
            const Record r = sample_interest(keys, created + std::chrono::seconds(i));
            sqlite3_stmt* s = nullptr;
            REQUIRE(sqlite3_prepare_v2(raw.db, "INSERT INTO records (id, kind, created, body) VALUES (?, 'interest', ?, ?)",
                                       -1, &s, nullptr) == SQLITE_OK);
            const std::string body = to_json(r).dump();
            sqlite3_bind_text(s, 1, r.id.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(s, 2, std::chrono::duration_cast<std::chrono::milliseconds>(
                                         (created + std::chrono::seconds(i)).time_since_epoch()).count());
            sqlite3_bind_text(s, 3, body.c_str(), -1, SQLITE_TRANSIENT);
            REQUIRE(sqlite3_step(s) == SQLITE_DONE);
            sqlite3_finalize(s);
            ids.insert(r.id);
        }
        raw.exec("COMMIT");
        return ids;
    }
};

// The flow to its QR code, in French, skipping the contact details.
const std::string kToQr = "tap Touchez l’écran pour découvrir\n"
                          "tap Travailler en Occitanie ?\n"
                          "tap Développement logiciel\n"
                          "tap 2 à 5 ans\n"
                          "tap D’ici 6 mois\n"
                          "tap En Occitanie\n"
                          "expect On reste en contact ? (facultatif)\n"
                          "tap Passer\n"
                          "tap Afficher mon QR code\n"
                          "expect Déposez votre CV depuis votre téléphone\n";

}  // namespace

TEST_CASE_FIXTURE(Device, "a foreign -wal beside 402 pending records: none lost, the outbox never rewritten") {
    const auto ids = schema3_outbox(kRecords, std::chrono::system_clock::now() - std::chrono::hours(2));
    const std::string before = read_file(db);
    write_file(db.string() + "-wal", unrelated_wal(tmp.path));

    CHECK(pending() == kRecords);
    CHECK(read_file(db) == before);

    // The kiosk starts on it, and staff look again.
    auto r = kiosk("wait 500\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(pending() == kRecords);
    std::set<std::string> listed;
    const json list = json::parse(vitrine({"queue", "list", "--json"}).out);
    for (const auto& rec : list["records"])
        if (rec["kind"] == "interest") listed.insert(rec["id"].get<std::string>());
    CHECK(listed == ids);
    // The files it would not write to are kept as they were.
    REQUIRE(fs::is_directory(data / "quarantine"));
    const auto aside = entries(data / "quarantine");
    REQUIRE(aside.size() == 1);
    CHECK(read_file(data / "quarantine" / aside[0] / "outbox.db") == before);
}

TEST_CASE_FIXTURE(Device, "a kiosk started under a 2038 clock with the platform unreachable keeps every pending record") {
    schema3_outbox(kRecords, std::chrono::system_clock::now() - std::chrono::hours(2));
    write_config("base_url = \"http://127.0.0.1:9\"\nallow_insecure_http = true\n");
    ::setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
    auto r = kiosk("wait 3000\n", {"faketime", "2038-01-01 08:00:00"});
    ::unsetenv("FAKETIME_DONT_FAKE_MONOTONIC");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("cannot connect to the platform") != std::string::npos);  // it did try
    CHECK(pending() == kRecords);
}

TEST_CASE_FIXTURE(Device, "records made under a 1970 clock reach the platform at the next start, none purged first") {
    FakePlatform server;
    server.set_clock([] { return std::chrono::system_clock::now(); });
    const auto ids = schema3_outbox(kRecords, SysTime(std::chrono::hours(30)));  // 1970-01-02
    write_config("base_url = \"" + server.base_url() + "\"\nallow_insecure_http = true\n");
    auto r = kiosk("wait 4000\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    std::set<std::string> got;
    for (const auto& [id, rec] : server.records())
        if (rec["kind"] == "interest") got.insert(id);
    CHECK(got == ids);
    CHECK(pending() == 0);
}

TEST_CASE_FIXTURE(Device, "a QR URL too long for a QR code is refused when the config loads, naming the key") {
    const std::string url = "https://talents.example/cv/{token}?e={event}&campaign=" + std::string(2400, 'x');
    write_config("qr_url = \"" + url + "\"\n");
    auto st = vitrine({"queue", "status"});
    CHECK(st.exit_code == 1);
    CHECK(st.err.find("platform.qr_url: is too long for a QR code a phone reads from the screen") != std::string::npos);
    auto r = kiosk(kToQr);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("platform.qr_url: is too long") != std::string::npos);
    CHECK(r.err.find("QR code: the text is too long") == std::string::npos);  // it never got that far
}

TEST_CASE_FIXTURE(Device, "a QR code that cannot be made: the visitor reads the code to type, the kiosk goes on") {
    write_config("qr_url = \"https://talents.example/cv/{token}\"\n");
    const char* before = std::getenv("LD_PRELOAD");
    const std::string preload = std::string(VITRINE_QR_FAULT) + (before && *before ? std::string(":") + before : "");
    ::setenv("LD_PRELOAD", preload.c_str(), 1);
    auto r = kiosk(kToQr +
                   "expect Le QR code ne peut pas s’afficher. Saisissez ce code sur le site emploi :\n"
                   "expect-not QR code\n"
                   "tap Terminé\n"
                   "expect Touchez l’écran pour découvrir\n");
    if (before) ::setenv("LD_PRELOAD", before, 1); else ::unsetenv("LD_PRELOAD");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("the QR code cannot be drawn, the visitor sees the code instead: QR code: cannot encode") !=
          std::string::npos);
    CHECK(pending() == 1);  // the record was saved before
}

TEST_CASE_FIXTURE(Device, "the longest QR URL the config takes: drawn, and read by a phone whole") {
    const std::string event(64, 'e');
    std::string url = "https://talents.example/cv/{token}?e={event}&c=";
    url += std::string(213 - (url.size() - 14 + 16 + 64), 'q');
    write_config("qr_url = \"" + url + "\"\n", event);
    auto r = kiosk(kToQr + "expect QR code\nshot " + (tmp / "qr.png").string() + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json list = json::parse(vitrine({"queue", "list", "--json"}).out);
    std::string token;
    for (const auto& rec : list["records"])
        if (rec["kind"] == "interest") token = rec["token"];
    REQUIRE(token.size() == 16);
    auto z = run({"zbarimg", "--raw", "-q", (tmp / "qr.png").string()});
    INFO(z.err);
    CHECK(z.exit_code == 0);
    std::string expected = url;
    expected.replace(expected.find("{token}"), 7, token);
    expected.replace(expected.find("{event}"), 7, event);
    CHECK(z.out == expected + "\n");
    CHECK(expected.size() == 213);
}
