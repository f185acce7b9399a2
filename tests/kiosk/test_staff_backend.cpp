// Staff mode's backends, with the real parts: the PIN hash (libsodium) and
// its lockout on a manual clock, opening hours in a fixed time zone, the
// local settings file, the USB export (read-only and full sticks are real
// tmpfs mounts in a private mount namespace), the watcher's staff requests
// on real signed packs, and `vitrine staff set-pin` through the binary.
#include "content/fixture.hpp"
#include "content/watcher.hpp"
#include "kiosk/device_info.hpp"
#include "kiosk/hours.hpp"
#include "kiosk/local_settings.hpp"
#include "kiosk/pin.hpp"
#include "kiosk/staff_probe.hpp"
#include "kiosk/usb_export.hpp"
#include "platform/fixture.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <thread>

using namespace vitrine;
using namespace vitrine::test;
using namespace std::chrono_literals;
using content::FoundPack;
using content::PackWatcher;
using content::Relation;
using std::chrono::system_clock;

namespace {

// ---------------------------------------------------------------- helpers

// TZ for the scope of a test, restored after it.
struct TimeZone {
    std::string old;
    bool had = false;
    explicit TimeZone(const char* tz) {
        if (const char* o = std::getenv("TZ")) {
            old = o;
            had = true;
        }
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~TimeZone() {
        if (had)
            ::setenv("TZ", old.c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }
};

system_clock::time_point utc(int y, int mo, int d, int h, int mi) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    return system_clock::from_time_t(::timegm(&tm));
}

// A local time in the current TZ.
system_clock::time_point local(int y, int mo, int d, int h, int mi) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_isdst = -1;
    return system_clock::from_time_t(std::mktime(&tm));
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// An outbox like a kiosk's after a day: pending interest and stats records,
// one sent, one rejected; plus a config for the `vitrine` binary.
struct OutboxFixture {
    TempDir tmp;
    fs::path data = tmp / "data";
    fs::path config = tmp / "vitrine.toml";
    TestKeyPair keys;
    fs::path outbox_file() const { return data / "outbox.db"; }

    explicit OutboxFixture(int interest = 3) {
        fs::create_directories(data);
        write_file(config, "[device]\nid = \"kiosk-07\"\ndata_dir = \"" + data.string() + "\"\n");
        platform::Outbox outbox(outbox_file());
        auto t = kMonday9;
        for (int i = 0; i < interest; ++i)
            outbox.add(sample_interest(keys, t + std::chrono::seconds(i),
                                       "visitor" + std::to_string(i) + "@example.org"));
        outbox.add(sample_stats(t + 1h));
        auto sent = sample_interest(keys, t + 2h);
        auto rejected = sample_interest(keys, t + 3h);
        outbox.add(sent);
        outbox.add(rejected);
        outbox.mark_sent({sent.id}, t + 4h);
        outbox.mark_rejected(rejected.id, "unknown event");
    }
    // Every record with its state, to show that an export changed none.
    std::string records() const {
        platform::Outbox outbox(outbox_file());
        std::string out;
        for (const auto& r : outbox.list()) out += platform::to_json(r).dump() + "\n";
        return out;
    }
};

// `unshare -rm true` must work: the read-only and full stick cases need a
// private mount namespace, and must not pass by being skipped.
void require_unshare() {
    const ProcessResult r = run({"unshare", "-rm", "true"});
    INFO("`unshare -rm true` failed (exit " << r.exit_code << "): " << r.err
                                            << " -- the read-only and full stick tests need a private mount "
                                               "namespace (util-linux unshare, user namespaces or root)");
    REQUIRE(r.exit_code == 0);
}

// Runs the export child over a tmpfs mounted with `mount_options` on
// `stick` inside a private mount namespace. Returns the child's line, its
// exit code and what the stick holds afterwards (as seen inside).
struct ChildExport {
    std::string line;
    int rc = -1;
    std::vector<std::string> left;
};
ChildExport export_in_namespace(const fs::path& outbox, const fs::path& stick, const std::string& mount_options) {
    fs::create_directories(stick);
    const std::string script = "mount -t tmpfs -o " + mount_options +
                               " vitrine-stick \"$1\" || exit 90\n" +
                               shell_command({STAFF_CHILD}) + " export \"$2\" \"$1\" kiosk-07\n"
                               "echo \"rc=$?\"\n"
                               "echo left:; ls -A \"$1\"\n";
    const ProcessResult r = run({"unshare", "-rm", "sh", "-c", script, "sh", stick.string(), outbox.string()});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);  // 90: the tmpfs could not be mounted
    ChildExport out;
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() >= 3);
    out.line = lines[0];
    REQUIRE(lines[1].starts_with("rc="));
    out.rc = std::stoi(lines[1].substr(3));
    REQUIRE(lines[2] == "left:");
    out.left.assign(lines.begin() + 3, lines.end());
    return out;
}

struct WatcherFixture : StoreFixture {
    fs::path media = tmp / "media";
    PackWatcher::Options options(bool auto_install, std::chrono::milliseconds interval = 50ms) {
        PackWatcher::Options o;
        o.dirs = {media};
        o.trusted = keys;
        o.auto_install = auto_install;
        o.interval = interval;
        return o;
    }
    static const FoundPack* find(const content::WatcherStatus& s, const fs::path& p) {
        for (const auto& f : s.packs)
            if (f.path == p) return &f;
        return nullptr;
    }
    // Waits until the watcher has no staff request left; the last status.
    static std::shared_ptr<const content::WatcherStatus> settle(const PackWatcher& w) {
        auto deadline = std::chrono::steady_clock::now() + 120s;
        for (;;) {
            auto s = w.status();
            if (!s->action_pending) return s;
            REQUIRE(std::chrono::steady_clock::now() < deadline);
            std::this_thread::sleep_for(5ms);
        }
    }
};

}  // namespace

// ---------------------------------------------------------------- PIN

TEST_CASE("a PIN is 4 to 8 ASCII digits") {
    for (const char* ok : {"0000", "1234", "12345678", "000000"}) CHECK_MESSAGE(valid_pin(ok), ok);
    for (const char* bad : {"", "123", "123456789", "12a4", "12 4", "１２３４", "-123", "1234\n", "+1234"})
        CHECK_MESSAGE(!valid_pin(bad), bad);
    CHECK_FALSE(valid_pin(std::string_view("12\0" "34", 5)));
    CHECK_THROWS_AS(hash_pin("12a4"), std::invalid_argument);
    CHECK_THROWS_AS(hash_pin("123"), std::invalid_argument);
    CHECK_THROWS_AS(hash_pin(""), std::invalid_argument);
}

TEST_CASE("a PIN hash verifies the right PIN only") {
    const std::string h = hash_pin("4821");
    CHECK(h.starts_with("$argon2id$"));
    CHECK(h.find("4821") == std::string::npos);
    CHECK(looks_like_pin_hash(h));
    CHECK(pin_matches(h, "4821"));
    CHECK_FALSE(pin_matches(h, "4822"));
    CHECK_FALSE(pin_matches(h, "48210"));
    CHECK_FALSE(pin_matches(h, ""));
    // A fresh salt each time: two hashes of one PIN differ, both verify.
    const std::string h2 = hash_pin("4821");
    CHECK(h2 != h);
    CHECK(pin_matches(h2, "4821"));

    SUBCASE("an empty or malformed hash matches nothing") {
        CHECK_FALSE(pin_matches("", "4821"));
        CHECK_FALSE(pin_matches("4821", "4821"));
        CHECK_FALSE(pin_matches("$argon2id$garbage", "4821"));
        CHECK_FALSE(pin_matches(h.substr(0, h.size() - 10), "4821"));
        std::string flipped = h;
        flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
        CHECK_FALSE(pin_matches(flipped, "4821"));
        CHECK_FALSE(looks_like_pin_hash(""));
        CHECK_FALSE(looks_like_pin_hash("$argon2id$garbage"));
        CHECK_FALSE(looks_like_pin_hash("$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"));
    }
}

TEST_CASE("wrong PINs lock the pad: 30 s after the third, doubling, at most 15 min; a right PIN resets") {
    ManualClock clock;
    PinGate gate(clock);
    CHECK_FALSE(gate.locked());
    CHECK(gate.locked_for() == 0s);

    gate.failed();
    gate.failed();
    CHECK(gate.failures() == 2);
    CHECK_FALSE(gate.locked());
    gate.failed();
    CHECK(gate.locked());
    CHECK(gate.locked_for() == 30s);
    clock.advance(29500ms);
    CHECK(gate.locked());
    CHECK(gate.locked_for() == 1s);  // rounded up
    clock.advance(500ms);
    CHECK_FALSE(gate.locked());
    CHECK(gate.locked_for() == 0s);

    const std::chrono::seconds expected[] = {60s, 120s, 240s, 480s, 900s, 900s, 900s};
    for (auto want : expected) {
        gate.failed();
        CAPTURE(gate.failures());
        CHECK(gate.locked());
        CHECK(gate.locked_for() == want);
        clock.advance(want - 1s);
        CHECK(gate.locked());
        clock.advance(1s);
        CHECK_FALSE(gate.locked());
    }
    CHECK(gate.failures() == 10);

    gate.failed();
    CHECK(gate.locked());
    gate.succeeded();
    CHECK(gate.failures() == 0);
    CHECK_FALSE(gate.locked());
    gate.failed();
    gate.failed();
    CHECK_FALSE(gate.locked());  // two free attempts again
    gate.failed();
    CHECK(gate.locked_for() == 30s);
}

// ---------------------------------------------------------------- hours

TEST_CASE("opening hours in local time (TZ=Europe/Paris)") {
    TimeZone tz("Europe/Paris");

    SUBCASE("no hours: always open, never changes") {
        const OpeningHours h = parse_hours("", "");
        CHECK(h.always());
        CHECK(parse_hours("00:00", "24:00").always());
        for (int hour : {0, 3, 12, 23}) CHECK(is_open(h, local(2026, 1, 5, hour, 59)));
        CHECK(next_change(h, local(2026, 1, 5, 12, 0)) == system_clock::time_point::max());
    }
    SUBCASE("a day window") {
        const OpeningHours h = parse_hours("08:30", "19:00");
        CHECK_FALSE(h.always());
        CHECK_FALSE(is_open(h, local(2026, 1, 5, 8, 29)));
        CHECK(is_open(h, local(2026, 1, 5, 8, 30)));
        CHECK(is_open(h, local(2026, 1, 5, 18, 59)));
        CHECK_FALSE(is_open(h, local(2026, 1, 5, 19, 0)));
        CHECK_FALSE(is_open(h, local(2026, 1, 5, 0, 0)));
        CHECK(next_change(h, local(2026, 1, 5, 7, 0)) == local(2026, 1, 5, 8, 30));
        CHECK(next_change(h, local(2026, 1, 5, 8, 30)) == local(2026, 1, 5, 19, 0));
        CHECK(next_change(h, local(2026, 1, 5, 12, 0)) == local(2026, 1, 5, 19, 0));
        CHECK(next_change(h, local(2026, 1, 5, 20, 0)) == local(2026, 1, 6, 8, 30));
        CHECK(next_change(h, local(2026, 1, 5, 19, 0) - 1s) == local(2026, 1, 5, 19, 0));
    }
    SUBCASE("local time, not UTC") {
        // 09:00 UTC is 10:00 in Paris in winter, 11:00 in summer.
        const OpeningHours h = parse_hours("09:30", "10:30");
        CHECK(is_open(h, utc(2026, 1, 5, 9, 0)));
        CHECK_FALSE(is_open(h, utc(2026, 1, 5, 9, 30)));
        CHECK_FALSE(is_open(h, utc(2026, 7, 6, 9, 0)));
        CHECK(is_open(h, utc(2026, 7, 6, 8, 0)));
        CHECK(next_change(h, utc(2026, 1, 5, 7, 0)) == utc(2026, 1, 5, 8, 30));
    }
    SUBCASE("open past midnight") {
        const OpeningHours h = parse_hours("18:00", "02:00");
        CHECK_FALSE(is_open(h, local(2026, 1, 5, 17, 59)));
        CHECK(is_open(h, local(2026, 1, 5, 18, 0)));
        CHECK(is_open(h, local(2026, 1, 5, 23, 59)));
        CHECK(is_open(h, local(2026, 1, 6, 0, 0)));
        CHECK(is_open(h, local(2026, 1, 6, 1, 59)));
        CHECK_FALSE(is_open(h, local(2026, 1, 6, 2, 0)));
        CHECK(next_change(h, local(2026, 1, 5, 23, 0)) == local(2026, 1, 6, 2, 0));
        CHECK(next_change(h, local(2026, 1, 6, 1, 0)) == local(2026, 1, 6, 2, 0));
        CHECK(next_change(h, local(2026, 1, 6, 3, 0)) == local(2026, 1, 6, 18, 0));
    }
    SUBCASE("until 24:00") {
        const OpeningHours h = parse_hours("09:00", "24:00");
        CHECK(h.close_min == 24 * 60);
        CHECK(is_open(h, local(2026, 1, 5, 23, 59)));
        CHECK_FALSE(is_open(h, local(2026, 1, 6, 0, 0)));
        CHECK_FALSE(is_open(h, local(2026, 1, 6, 8, 59)));
        CHECK(next_change(h, local(2026, 1, 5, 12, 0)) == local(2026, 1, 6, 0, 0));
        CHECK(next_change(h, local(2026, 1, 6, 0, 0)) == local(2026, 1, 6, 9, 0));
        const OpeningHours from_midnight = parse_hours("00:00", "06:00");
        CHECK(is_open(from_midnight, local(2026, 1, 6, 0, 0)));
        CHECK(next_change(from_midnight, local(2026, 1, 5, 23, 0)) == local(2026, 1, 6, 0, 0));
        CHECK(next_change(from_midnight, local(2026, 1, 6, 0, 0)) == local(2026, 1, 6, 6, 0));
    }
    SUBCASE("across the daylight saving changes") {
        const OpeningHours h = parse_hours("08:00", "20:00");
        // 2026-03-29: 02:00 CET becomes 03:00 CEST; the day after, 08:00 is 06:00 UTC.
        CHECK(next_change(h, local(2026, 3, 28, 21, 0)) == utc(2026, 3, 29, 6, 0));
        // 2026-10-25: 03:00 CEST becomes 02:00 CET; 08:00 is 07:00 UTC.
        CHECK(next_change(h, local(2026, 10, 24, 21, 0)) == utc(2026, 10, 25, 7, 0));
        CHECK(next_change(h, utc(2026, 10, 25, 12, 0)) == utc(2026, 10, 25, 19, 0));
    }
    SUBCASE("malformed hours are refused with a clear message") {
        struct Case {
            const char *open, *close, *message;
        };
        const Case cases[] = {
            {"8:30", "19:00", "the opening time \"8:30\" is not a time like \"08:30\""},
            {"08:3", "19:00", "the opening time \"08:3\""},
            {"25:00", "19:00", "the opening time \"25:00\""},
            {"08:60", "19:00", "the opening time \"08:60\""},
            {"24:00", "19:00", "the opening time \"24:00\" is not a time like \"08:30\" (00:00 to 23:59)"},
            {" 08:30", "19:00", "the opening time \" 08:30\""},
            {"08-30", "19:00", "the opening time \"08-30\""},
            {"ab:cd", "19:00", "the opening time \"ab:cd\""},
            {"08:30", "24:01", "the closing time \"24:01\" is not a time like \"19:00\" (00:00 to 24:00)"},
            {"08:30", "19h00", "the closing time \"19h00\""},
            {"08:30", "", "an opening time without a closing time"},
            {"", "19:00", "a closing time without an opening time"},
            {"08:30", "08:30", "the opening and closing times are the same"},
            {"00:00", "00:00", "the opening and closing times are the same"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.open);
            CAPTURE(c.close);
            CHECK_THROWS_WITH_AS(parse_hours(c.open, c.close), doctest::Contains(c.message), std::invalid_argument);
        }
    }
}

// ---------------------------------------------------------------- local settings

TEST_CASE("local settings: round trip, apply, malformed files, atomic replace") {
    TempDir tmp;
    const fs::path data = tmp / "data";
    const fs::path file = data / "settings.json";

    SUBCASE("no file: nothing set, no error, nothing created") {
        std::string error = "untouched";
        error.clear();
        const LocalSettings s = load_local_settings(data, &error);
        CHECK(s.empty());
        CHECK(error == "");
        CHECK_FALSE(fs::exists(data));
    }
    SUBCASE("round trip, and applied over the config") {
        save_local_settings(data, {"salon-2027", "en", 40});
        const LocalSettings s = load_local_settings(data);
        CHECK(s.event == "salon-2027");
        CHECK(s.default_language == "en");
        CHECK(s.volume == 40);
        CHECK(nlohmann::json::parse(read_file(file)) ==
              nlohmann::json{{"event", "salon-2027"}, {"default_language", "en"}, {"volume", 40}});
        Config c;
        apply(c, s);
        CHECK(c.device.event == "salon-2027");
        CHECK(c.device.default_language == "en");
        CHECK(c.device.volume == 40);
        CHECK(c.device.id == "kiosk-01");  // untouched
    }
    SUBCASE("only what was set is applied") {
        save_local_settings(data, {std::nullopt, std::nullopt, 0});
        const LocalSettings s = load_local_settings(data);
        CHECK_FALSE(s.event);
        CHECK_FALSE(s.default_language);
        CHECK(s.volume == 0);
        Config c;
        c.device.volume = 70;
        c.device.event = "from-config";
        apply(c, s);
        CHECK(c.device.volume == 0);
        CHECK(c.device.event == "from-config");
    }
    SUBCASE("a malformed file: nothing applied, the reason given, never a throw") {
        fs::create_directories(data);
        struct Case {
            std::string text, reason;
        };
        const Case cases[] = {
            {"not json", "settings.json: "},
            {"[1, 2]", "not a JSON object"},
            {"{\"volume\": 150}", "volume: must be an integer between 0 and 100"},
            {"{\"volume\": \"loud\"}", "volume: must be an integer"},
            {"{\"event\": 3}", "event: must be a string"},
            {"{\"event\": \"a b\"}", "event id \"a b\""},
            {"{\"default_language\": \"French\"}", "a language code like \"fr\""},
            {"", "settings.json: "},
        };
        for (const auto& c : cases) {
            CAPTURE(c.text);
            write_file(file, c.text);
            std::string error;
            const LocalSettings s = load_local_settings(data, &error);
            CHECK(s.empty());
            CHECK(error.find(file.string()) != std::string::npos);
            CHECK(error.find(c.reason) != std::string::npos);
            CHECK_NOTHROW(load_local_settings(data));
        }
    }
    SUBCASE("values the config would refuse are not saved") {
        save_local_settings(data, {"salon-2027", std::nullopt, std::nullopt});
        const std::string before = read_file(file);
        CHECK_THROWS_AS(save_local_settings(data, {"no spaces", std::nullopt, std::nullopt}), std::invalid_argument);
        CHECK_THROWS_AS(save_local_settings(data, {std::nullopt, "EN", std::nullopt}), std::invalid_argument);
        CHECK_THROWS_AS(save_local_settings(data, {std::nullopt, std::nullopt, 101}), std::invalid_argument);
        CHECK_THROWS_AS(save_local_settings(data, {std::nullopt, std::nullopt, -1}), std::invalid_argument);
        CHECK(read_file(file) == before);
    }
    SUBCASE("a save replaces the file by a rename and leaves no temporary file") {
        save_local_settings(data, {"first", std::nullopt, std::nullopt});
        struct stat a{}, b{};
        REQUIRE(::stat(file.c_str(), &a) == 0);
        save_local_settings(data, {"second", "de", 10});
        REQUIRE(::stat(file.c_str(), &b) == 0);
        CHECK(a.st_ino != b.st_ino);  // a new file renamed over the old one, not rewritten in place
        CHECK(entries(data) == std::vector<std::string>{"settings.json"});
        CHECK(load_local_settings(data).event == "second");
    }
    SUBCASE("a failed save says why and keeps the old file whole") {
        save_local_settings(data, {"kept", std::nullopt, std::nullopt});
        const std::string before = read_file(file);
        {
            std::string error;
            with_file_size_limit(8, [&] {
                try {
                    save_local_settings(data, {"lost", std::nullopt, std::nullopt});
                } catch (const std::runtime_error& e) {
                    error = e.what();
                }
            });
            CHECK(error.starts_with("cannot save the staff settings: cannot write " + data.string() + "/.settings.json."));
            CHECK(error.find(std::strerror(EFBIG)) != std::string::npos);
        }
        CHECK(read_file(file) == before);
        CHECK(entries(data) == std::vector<std::string>{"settings.json"});  // no temporary file left
        write_file(tmp / "not-a-dir", "x");
        CHECK_THROWS_WITH_AS(save_local_settings(tmp / "not-a-dir", {"x", std::nullopt, std::nullopt}),
                             doctest::Contains("not-a-dir"), std::runtime_error);
    }
}

TEST_CASE("`vitrine status` applies the local settings over the config") {
    TempDir tmp;
    const fs::path data = tmp / "data";
    const fs::path config = tmp / "vitrine.toml";
    write_file(config, "[device]\nevent = \"from-config\"\ndata_dir = \"" + data.string() + "\"\n");
    auto event_of = [&] {
        const ProcessResult r = run({vitrine_bin(), "--config", config.string(), "status", "--json"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return nlohmann::json::parse(r.out).at("event").get<std::string>();
    };
    CHECK(event_of() == "from-config");
    save_local_settings(data, {"set-by-staff", std::nullopt, std::nullopt});
    CHECK(event_of() == "set-by-staff");
    write_file(data / "settings.json", "{broken");
    const ProcessResult r = run({vitrine_bin(), "--config", config.string(), "status", "--json"});
    CHECK(r.exit_code == 0);  // a damaged settings file never stops the kiosk
    CHECK(nlohmann::json::parse(r.out).at("event") == "from-config");
    CHECK(r.err.find("staff settings ignored") != std::string::npos);
}

// ---------------------------------------------------------------- USB export

TEST_CASE("export to a stick: the records as `vitrine queue export` writes them, and a checksum") {
    OutboxFixture fx;
    const std::string before = fx.records();
    const fs::path stick = fx.tmp / "media/STICK";
    fs::create_directories(stick);

    const ExportResult r = export_queue(fx.outbox_file(), stick, "kiosk-07", utc(2026, 1, 5, 9, 3));
    const std::string name = "vitrine-export-kiosk-07-20260105T090300Z.jsonl";
    CHECK(r.file == stick / name);
    CHECK(r.checksum_file == stick / (name + ".sha256"));
    CHECK(r.records == 5);  // 3 interest + 1 stats pending, 1 rejected; not the sent one
    CHECK(entries(stick) == std::vector<std::string>{name, name + ".sha256"});
    const std::string exported = read_file(r.file);
    CHECK(r.bytes == exported.size());
    CHECK(lines_of(exported).size() == 5);

    // Byte for byte what `vitrine queue export` writes.
    const fs::path by_cli = fx.tmp / "cli.jsonl";
    const ProcessResult cli =
        run({vitrine_bin(), "--config", fx.config.string(), "queue", "export", by_cli.string()});
    INFO(cli.err);
    REQUIRE(cli.exit_code == 0);
    CHECK(exported == read_file(by_cli));
    // Sealed parts stay sealed: no e-mail in clear.
    CHECK(exported.find("@example.org") == std::string::npos);
    CHECK(exported.find("\"sealed\"") != std::string::npos);

    // sha256sum checks it on any computer.
    const std::string sum = read_file(r.checksum_file);
    CHECK(sum.size() == 64 + 2 + name.size() + 1);
    CHECK(sum.substr(64) == "  " + name + "\n");
    const std::string check = "cd " + shell_quote(stick.string()) + " && sha256sum -c " + shell_quote(name + ".sha256");
    const ProcessResult ok = run({"sh", "-c", check});
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find(name + ": OK") != std::string::npos);
    flip_byte(r.file, 10);  // and would notice a damaged copy
    CHECK(run({"sh", "-c", check}).exit_code != 0);

    CHECK(fx.records() == before);  // no record changed state
}

TEST_CASE("export refusals a staff member can act on") {
    OutboxFixture fx;
    const std::string before = fx.records();
    const auto now = utc(2026, 1, 5, 9, 3);

    SUBCASE("the stick is gone") {
        CHECK_THROWS_WITH_AS(export_queue(fx.outbox_file(), fx.tmp / "media/GONE", "kiosk-07", now),
                             doctest::Contains("is gone: plug it in again"), ExportError);
    }
    SUBCASE("not a directory") {
        write_file(fx.tmp / "media/file", "x");
        CHECK_THROWS_WITH_AS(export_queue(fx.outbox_file(), fx.tmp / "media/file", "kiosk-07", now),
                             doctest::Contains("is not a directory"), ExportError);
    }
    SUBCASE("nothing recorded yet: no outbox is created") {
        fs::create_directories(fx.tmp / "stick");
        const fs::path none = fx.tmp / "empty/outbox.db";
        CHECK_THROWS_WITH_AS(export_queue(none, fx.tmp / "stick", "kiosk-07", now),
                             doctest::Contains("nothing to export"), ExportError);
        CHECK_FALSE(fs::exists(none));
        CHECK(entries(fx.tmp / "stick").empty());
    }
    CHECK(fx.records() == before);
}

TEST_CASE("a read-only stick and a full stick are refused, nothing left behind (private mount namespace)") {
    require_unshare();
    OutboxFixture fx(200);  // about 130 KB of records: more than a 64 KiB stick holds
    const std::string before = fx.records();
    const fs::path stick = fx.tmp / "media/STICK";

    SUBCASE("a good tmpfs stick: the control case") {
        const ChildExport r = export_in_namespace(fx.outbox_file(), stick, "size=4m");
        CHECK(r.rc == 0);
        CHECK(r.line.starts_with("ok\t" + stick.string() + "/vitrine-export-kiosk-07-"));
        CHECK(r.line.find("\t202\t") != std::string::npos);  // 201 pending, 1 rejected
        CHECK(r.left.size() == 2);
    }
    SUBCASE("read-only") {
        const ChildExport r = export_in_namespace(fx.outbox_file(), stick, "ro,size=4m");
        CHECK(r.rc == 1);
        CHECK(r.line == "error\t" + stick.string() + " is read-only: unlock the stick or use another one");
        CHECK(r.left.empty());
    }
    SUBCASE("full: refused before writing") {
        const ChildExport r = export_in_namespace(fx.outbox_file(), stick, "size=64k");
        CHECK(r.rc == 1);
        // About 140 kB of records (and a 4 kB page each for the two files) on a 64 KiB stick.
        unsigned needed = 0, free = 0;
        CHECK(std::sscanf(r.line.c_str(), "error\tthe stick is full: %u kB needed, %u kB free.", &needed, &free) == 2);
        CHECK(needed > 100);
        CHECK(needed < 300);
        CHECK(free == 65);
        CHECK(r.line.ends_with(" kB free. Free some space on it or use another stick"));
        CHECK(r.left.empty());
    }
    SUBCASE("full while writing: the records are written, the checksum file is not -- both removed") {
        // Space enough, but room for one file only (the tmpfs root is one inode).
        const ChildExport r = export_in_namespace(fx.outbox_file(), stick, "size=4m,nr_inodes=2");
        CHECK(r.rc == 1);
        CHECK(r.line == "error\tthe stick is full: it cannot hold another file. Free some space on it or use "
                        "another stick");
        CHECK(r.left.empty());
    }
    CHECK(entries(stick).empty());  // nothing written outside the namespace either
    CHECK(fx.records() == before);
}

TEST_CASE("the sticks the export offers") {
    TempDir tmp;
    const fs::path media = tmp / "media";
    fs::create_directories(media / "STICK-A/photos");
    fs::create_directories(media / "STICK-B");
    write_file(media / "STICK-B/notes.txt", "x");
    fs::create_directories(media / "left-behind");  // an empty mount point with no stick on it
    fs::create_directories(media / ".hidden/x");
    const fs::path plain = tmp / "plain";  // a watch dir that is itself a stick (holds files)
    fs::create_directories(plain);
    write_file(plain / "readme.txt", "x");
    const auto sticks = writable_sticks({media, plain, tmp / "absent"});
    CHECK(sticks == std::vector<fs::path>{media / "STICK-A", media / "STICK-B", plain});

    SUBCASE("mounted sticks, even empty or read-only, one level down or two (/run/media/<user>/<stick>)") {
        require_unshare();
        fs::create_directories(media / "EMPTY-MOUNTED");
        fs::create_directories(tmp / "run-media/user/STICK");
        const ProcessResult r = run({"unshare", "-rm", "sh", "-c",
                                     "mount -t tmpfs -o size=1m t \"$1\" && mount -t tmpfs -o ro,size=1m t \"$2\" && " +
                                         shell_command({STAFF_CHILD}) + " sticks \"$3\" \"$4\"",
                                     "sh", (media / "EMPTY-MOUNTED").string(), (tmp / "run-media/user/STICK").string(),
                                     media.string(), (tmp / "run-media").string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(lines_of(r.out) == std::vector<std::string>{(media / "EMPTY-MOUNTED").string(),
                                                          (media / "STICK-A").string(), (media / "STICK-B").string(),
                                                          (tmp / "run-media/user/STICK").string()});
    }
}

// ---------------------------------------------------------------- the staff screen's probe

TEST_CASE("the staff probe gathers snapshots on its own thread, once a second while watched") {
    OutboxFixture fx(3);
    Config config = load_config(fx.config);
    config.packs.watch_dirs = {fx.tmp / "media"};
    fs::create_directories(fx.tmp / "media/STICK");
    write_file(fx.tmp / "media/STICK/notes.txt", "x");
    content::PackStore store(fx.data);
    StaffProbe probe(config, store);
    const auto now = kMonday9 + 5h;
    CHECK(probe.latest() == nullptr);  // nothing gathered before anyone watches

    probe.watch(now, true);
    REQUIRE(eventually([&] { return probe.latest() != nullptr; }));
    const auto first = probe.latest();
    REQUIRE(first->queue);
    CHECK(first->queue->count(platform::State::Pending) == 4);  // 3 interest, 1 stats
    CHECK(first->queue->count(platform::State::Sent) == 1);
    CHECK(first->queue->count(platform::State::Rejected) == 1);
    CHECK(first->queue_error.empty());
    CHECK(first->device.device_id == "kiosk-07");
    CHECK(first->sticks == std::vector<fs::path>{fx.tmp / "media/STICK"});
    CHECK_FALSE(first->current);

    // A record added meanwhile shows in a later snapshot, not in the one held.
    platform::Outbox(fx.outbox_file()).add(sample_stats(kMonday9 + 2h));
    for (int i = 0; i < 30 && probe.latest() == first; ++i) {
        probe.watch(now, true);
        std::this_thread::sleep_for(100ms);
    }
    REQUIRE(probe.latest() != first);
    CHECK(probe.latest()->queue->count(platform::State::Pending) == 5);
    CHECK(first->queue->count(platform::State::Pending) == 4);  // immutable

    // Unwatched, it gathers nothing more.
    std::this_thread::sleep_for(1500ms);
    const auto idle = probe.latest();
    std::this_thread::sleep_for(1500ms);
    CHECK(probe.latest() == idle);

    // Forgotten: the held snapshot is dropped and a new one comes at once,
    // as of the last watch (the kiosk has no outbox open: no counts).
    probe.watch(now, false);
    probe.refresh(true);
    REQUIRE(eventually([&] { return probe.latest() != nullptr && probe.latest() != idle; }));
    CHECK_FALSE(probe.latest()->queue);
}

TEST_CASE("the staff probe says why the counts cannot be read") {
    TempDir tmp;
    const fs::path data = tmp / "data";
    fs::create_directories(data);
    write_file(data / "outbox.db", std::string(8192, 'x'));  // not a database
    Config config;
    config.device.id = "kiosk-07";
    config.device.data_dir = data;
    content::PackStore store(data);
    StaffProbe probe(config, store);
    probe.watch(kMonday9, true);
    REQUIRE(eventually([&] { return probe.latest() != nullptr; }));
    CHECK_FALSE(probe.latest()->queue);
    CHECK(probe.latest()->queue_error.find("outbox") != std::string::npos);
    CHECK(read_file(data / "outbox.db") == std::string(8192, 'x'));  // a reader: never set aside or changed
}

// ---------------------------------------------------------------- network addresses

TEST_CASE("network addresses: interface and address, no loopback") {
    for (const auto& a : network_addresses()) {
        CAPTURE(a);
        const auto space = a.find(' ');
        REQUIRE(space != std::string::npos);
        const std::string name = a.substr(0, space), addr = a.substr(space + 1);
        CHECK(fs::exists("/sys/class/net/" + name));
        unsigned char buf[16];
        CHECK((::inet_pton(AF_INET, addr.c_str(), buf) == 1 || ::inet_pton(AF_INET6, addr.c_str(), buf) == 1));
        CHECK(name != "lo");
        CHECK_FALSE(addr.starts_with("127."));
        CHECK(addr != "::1");
    }

    SUBCASE("in a network namespace of its own: exactly the addresses given") {
        require_unshare();
        const ProcessResult r = run({"unshare", "-rn", "sh", "-c",
                                     "ip link set lo up && ip link add v0 type veth peer name v1 && "
                                     "ip addr add 192.0.2.7/24 dev v0 && ip -6 addr add 2001:db8::7/64 dev v0 nodad && "
                                     "ip link set v0 up && ip link set v1 up && " +
                                         shell_command({STAFF_CHILD, "addresses"})});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        auto got = lines_of(r.out);
        std::sort(got.begin(), got.end());
        // lo's 127.0.0.1 and ::1 and every fe80:: address are left out; v1 is up with none.
        CHECK(got == std::vector<std::string>{"v0 192.0.2.7", "v0 2001:db8::7"});
    }
    SUBCASE("an interface that is down is left out") {
        const ProcessResult r = run({"unshare", "-rn", "sh", "-c",
                                     "ip link add v0 type veth peer name v1 && ip addr add 192.0.2.7/24 dev v0 && " +
                                         shell_command({STAFF_CHILD, "addresses"})});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out == "");
    }
}

// ---------------------------------------------------------------- watcher requests

TEST_CASE_FIXTURE(WatcherFixture, "staff install an older pack from a stick, with auto_install off") {
    install(pack("v1", 1));
    install(pack("v2", 2));
    // Big enough for several progress snapshots.
    make_signed_pack(media / "STICK/old", key, PackSpec{.version = 1, .file_size = 256 * 1024, .extra_files = 24});
    PackWatcher w(store, options(false));
    w.start();
    auto found = [&] {
        auto s = w.status();
        auto* f = find(*s, media / "STICK/old");
        return f && f->state == FoundPack::State::Ready;
    };
    for (int i = 0; i < 2000 && !found(); ++i) std::this_thread::sleep_for(5ms);
    REQUIRE(found());
    CHECK(find(*w.status(), media / "STICK/old")->relation == Relation::Older);
    CHECK(current_version() == 2);  // auto_install off, and older anyway

    SUBCASE("refused without allow_downgrade") {
        w.request_install(media / "STICK/old", false);
        auto s = settle(w);
        CHECK(s->last_action_done == "");
        CHECK(s->last_action_error.find("older than the installed version 2") != std::string::npos);
        CHECK(s->last_action_error.find("confirm the downgrade") != std::string::npos);
        CHECK(s->installed_count == 0);
        CHECK(current_version() == 2);
    }
    SUBCASE("installed with allow_downgrade, progress shown, then rolled back") {
        std::atomic<bool> done{false};
        std::atomic<int> installing_seen{0};
        std::atomic<std::uint64_t> max_bytes{0};
        std::thread watch([&] {
            while (!done) {
                auto s = w.status();
                if (auto* f = find(*s, media / "STICK/old"); f && f->state == FoundPack::State::Installing) {
                    ++installing_seen;
                    if (f->progress.bytes_done > max_bytes) max_bytes = f->progress.bytes_done;
                }
            }
        });
        w.request_install(media / "STICK/old", true);
        CHECK(w.status()->action_pending);
        auto s = settle(w);
        done = true;
        watch.join();
        CHECK(s->last_action_error == "");
        CHECK(s->last_action_done == "installed test-pack-1");
        CHECK(s->installed_count == 1);
        CHECK(current_version() == 1);
        check_current_intact();
        auto* f = find(*s, media / "STICK/old");
        REQUIRE(f);
        CHECK(f->state == FoundPack::State::Installed);
        CHECK(f->relation == Relation::Same);
        CHECK(f->progress.bytes_total > 6'000'000u);
        CHECK(f->progress.bytes_done == f->progress.bytes_total);
        CHECK(installing_seen > 0);
        CHECK(max_bytes > 0u);

        w.request_rollback();
        s = settle(w);
        CHECK(s->last_action_error == "");
        CHECK(s->last_action_done == "back to test-pack version 2");
        CHECK(s->installed_count == 2);  // the kiosk reloads the current pack after a rollback too
        CHECK(current_version() == 2);
        CHECK(find(*s, media / "STICK/old")->relation == Relation::Older);
        // The rolled-back pack is not installed again by itself.
        std::this_thread::sleep_for(300ms);
        CHECK(current_version() == 2);
        CHECK(w.status()->installed_count == 2);
    }
}

TEST_CASE_FIXTURE(WatcherFixture, "with auto_install on, a rollback is not undone by the stick, a later version installs") {
    install(pack("v1", 1));
    install(pack("v2", 2));
    make_signed_pack(media / "STICK-2", key, PackSpec{.version = 2});
    PackWatcher w(store, options(true));
    w.start();
    for (int i = 0; i < 2000 && w.status()->packs.empty(); ++i) std::this_thread::sleep_for(5ms);
    REQUIRE(w.status()->packs.size() == 1);
    CHECK(w.status()->packs[0].relation == Relation::Same);
    w.request_rollback();
    auto s = settle(w);
    CHECK(s->last_action_done == "back to test-pack version 1");
    CHECK(s->installed_count == 1);
    std::this_thread::sleep_for(500ms);  // ten scans
    CHECK(current_version() == 1);
    CHECK(w.status()->packs[0].relation == Relation::Newer);
    CHECK(w.status()->installed_count == 1);

    make_signed_pack(media / "STICK-3", key, PackSpec{.version = 3});
    for (int i = 0; i < 2000 && current_version() != 3; ++i) std::this_thread::sleep_for(5ms);
    CHECK(current_version() == 3);
    w.stop();
    CHECK(w.status()->installed_count == 2);
}

TEST_CASE_FIXTURE(WatcherFixture, "a staff request wakes the watcher at once, not at its next scan") {
    install(pack("v1", 1));
    make_signed_pack(media / "STICK", key, PackSpec{.version = 2});
    PackWatcher w(store, options(false, 60s));  // a scan a minute
    w.start();
    for (int i = 0; i < 2000 && w.status()->packs.empty(); ++i) std::this_thread::sleep_for(5ms);
    REQUIRE(w.status()->packs.size() == 1);
    const auto t0 = std::chrono::steady_clock::now();
    w.request_install(media / "STICK", false);
    auto s = settle(w);
    CHECK(std::chrono::steady_clock::now() - t0 < 30s);
    CHECK(s->last_action_done == "installed test-pack-2");
    CHECK(current_version() == 2);
    CHECK(s->installed_count == 1);
    w.stop();
}

TEST_CASE_FIXTURE(WatcherFixture, "staff requests that cannot be done say why") {
    install(pack("v1", 1));
    make_pack(media / "UNSIGNED", PackSpec{.version = 5});
    make_signed_pack(media / "SAME", key, PackSpec{.version = 1});
    PackWatcher w(store, options(false));
    w.scan_now();  // the requests also run in a scan on the caller's thread
    const std::string before = state();

    SUBCASE("a pack that is not on a stick any more") {
        w.request_install(media / "GONE", true);
        w.scan_now();
        CHECK(w.status()->last_action_error.find("no pack at " + (media / "GONE").string()) != std::string::npos);
    }
    SUBCASE("an invalid pack") {
        w.request_install(media / "UNSIGNED", true);
        w.scan_now();
        CHECK(w.status()->last_action_error.find("cannot be installed") != std::string::npos);
        CHECK(w.status()->last_action_error.find("not signed") != std::string::npos);
    }
    SUBCASE("the installed version again, unconfirmed") {
        w.request_install(media / "SAME", false);
        w.scan_now();
        CHECK(w.status()->last_action_error.find("is already installed") != std::string::npos);
    }
    SUBCASE("a rollback with nothing to go back to") {
        w.request_rollback();
        w.scan_now();
        CHECK(w.status()->last_action_error.find("no previous pack") != std::string::npos);
    }
    auto s = w.status();
    CHECK_FALSE(s->action_pending);
    CHECK(s->last_action_done == "");
    CHECK(s->installed_count == 0);
    CHECK(state() == before);
}

// ---------------------------------------------------------------- vitrine staff set-pin

TEST_CASE("`vitrine staff set-pin` writes the PIN's hash into the config, keeping every other line") {
    TempDir tmp;
    const fs::path config = tmp / "vitrine.toml";
    const std::string pin = "486213";

    SUBCASE("no [staff] table yet: added at the end") {
        const std::string original = "# the stand B12 kiosk\n[device]\nid = \"kiosk-07\"   # on the stand\n\n"
                                     "[hours]\nopen = \"08:30\"\nclose = \"19:00\"\n";
        write_file(config, original);
        ::chmod(config.c_str(), 0640);
        REQUIRE(::chown(config.c_str(), 1234, 5678) == 0);
        const ProcessResult r = run({vitrine_bin(), "--config", config.string(), "staff", "set-pin"}, pin + "\n");
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find(config.string()) != std::string::npos);
        CHECK(r.out.find(pin) == std::string::npos);
        CHECK(r.err.find(pin) == std::string::npos);
        const std::string now = read_file(config);
        CHECK(now.starts_with(original));
        CHECK(now.find(pin) == std::string::npos);
        const Config c = load_config(config);
        CHECK(c.device.id == "kiosk-07");
        CHECK(c.hours.open == "08:30");
        CHECK(pin_matches(c.staff.pin_hash, pin));
        CHECK_FALSE(pin_matches(c.staff.pin_hash, "486214"));
        struct stat st{};
        REQUIRE(::stat(config.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0640);
        CHECK(st.st_uid == 1234u);
        CHECK(st.st_gid == 5678u);
        CHECK(entries(tmp.path) == std::vector<std::string>{"vitrine.toml"});  // no temporary file left
    }
    SUBCASE("an existing pin_hash is replaced in place, through the subcommand's --config too") {
        const std::string old_hash = hash_pin("1111");
        const std::string original = "[staff]   # staff mode\n  pin_hash = \"" + old_hash +
                                     "\"  # old one\nidle_timeout_s = 90 # seconds\n\n[device]\nvolume = 20\n";
        write_file(config, original);
        const ProcessResult r = run({vitrine_bin(), "staff", "set-pin", "--config", config.string()}, pin + "\n");
        INFO(r.err);
        CHECK(r.exit_code == 0);
        auto before = lines_of(original), after = lines_of(read_file(config));
        REQUIRE(after.size() == before.size());
        for (std::size_t i = 0; i < before.size(); ++i)
            if (i != 1) CHECK(after[i] == before[i]);
        CHECK(after[1].starts_with("  pin_hash = \"$argon2id$"));
        const Config c = load_config(config);
        CHECK(pin_matches(c.staff.pin_hash, pin));
        CHECK_FALSE(pin_matches(c.staff.pin_hash, "1111"));
        CHECK(c.staff.idle_timeout_s == 90);
        CHECK(c.device.volume == 20);
    }
    SUBCASE("a [staff] table without pin_hash gets it first") {
        write_file(config, "[staff]\nidle_timeout_s = 30\n[packs]\nauto_install = false\n");
        const ProcessResult r = run({vitrine_bin(), "--config", config.string(), "staff", "set-pin"}, pin);
        CHECK(r.exit_code == 0);
        auto after = lines_of(read_file(config));
        REQUIRE(after.size() == 5);
        CHECK(after[0] == "[staff]");
        CHECK(after[1].starts_with("pin_hash = \"$argon2id$"));
        CHECK(after[2] == "idle_timeout_s = 30");
        CHECK(pin_matches(load_config(config).staff.pin_hash, pin));
    }
    SUBCASE("no file yet: a new one") {
        const fs::path fresh = tmp / "new.toml";
        const ProcessResult r = run({vitrine_bin(), "--config", fresh.string(), "staff", "set-pin"}, "2468\n");
        CHECK(r.exit_code == 0);
        CHECK(pin_matches(load_config(fresh).staff.pin_hash, "2468"));
    }
}

TEST_CASE("`vitrine staff set-pin` on a terminal asks twice") {
    TempDir tmp;
    const fs::path config = tmp / "vitrine.toml";
    write_file(config, "[device]\nid = \"kiosk-07\"\n");
    // script(1) gives the command a terminal, fed from our input.
    const std::string cmd = shell_command({vitrine_bin(), "--config", config.string(), "staff", "set-pin"});
    SUBCASE("the same PIN twice") {
        const ProcessResult r = run({"script", "-qec", cmd, "/dev/null"}, "7391\n7391\n");
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("new staff PIN (4 to 8 digits): ") != std::string::npos);
        CHECK(r.out.find("the same PIN again: ") != std::string::npos);
        CHECK(pin_matches(load_config(config).staff.pin_hash, "7391"));
    }
    SUBCASE("two different PINs: nothing written") {
        const ProcessResult r = run({"script", "-qec", cmd, "/dev/null"}, "7391\n7392\n");
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("the two PINs differ; nothing was written") != std::string::npos);
        CHECK(read_file(config) == "[device]\nid = \"kiosk-07\"\n");
    }
}

TEST_CASE("`vitrine staff set-pin` refuses a bad PIN and changes nothing") {
    TempDir tmp;
    const fs::path config = tmp / "vitrine.toml";
    const std::string original = "[device]\nid = \"kiosk-07\"\n";
    write_file(config, original);
    for (const std::string bad : {"12a4\n", "123\n", "123456789\n", "\n", "", " 1234\n"}) {
        CAPTURE(bad);
        const ProcessResult r = run({vitrine_bin(), "--config", config.string(), "staff", "set-pin"}, bad);
        CHECK(r.exit_code == 1);
        CHECK(((r.err.find("a PIN is 4 to 8 digits") != std::string::npos) ||
               (r.err.find("no PIN on standard input") != std::string::npos)));
        CHECK(r.err.find("nothing was written") != std::string::npos);
        CHECK(read_file(config) == original);
    }
    SUBCASE("a config that would not load is not made worse") {
        write_file(config, "[device]\nidle_timeout_s = 1\n");
        const ProcessResult r = run({vitrine_bin(), "--config", config.string(), "staff", "set-pin"}, "1234\n");
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("device.idle_timeout_s") != std::string::npos);
        CHECK(read_file(config) == "[device]\nidle_timeout_s = 1\n");
    }
    SUBCASE("usage errors") {
        CHECK(run({vitrine_bin(), "staff"}).exit_code == 2);
        CHECK(run({vitrine_bin(), "staff", "check-pin"}).exit_code == 2);  // deliberately not a command
        CHECK(run({vitrine_bin(), "--config", config.string(), "staff", "set-pin", "1234"}).exit_code == 2);
    }
}
