// Opening the outbox under fault injection, on real SQLite files: a log of
// an unrelated database or of another outbox beside it, its own log torn,
// the database truncated, another program's database, a newer schema, a
// read-only partition. For each: the file is never written to; the reading
// commands' path (read_outbox, hand_over) reads what is there; the device's
// path (OnDamage::Quarantine) moves the set aside whole and carries every
// readable pending and rejected record into a new outbox.
#include "fixture.hpp"
#include "platform/outbox_files.hpp"

#include <cstdlib>
#include <random>
#include <set>

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using nlohmann::json;
using Cause = OutboxError::Cause;

namespace {

constexpr int kRecords = 402;  // as in the reports of these faults

OutboxOptions device_options() {
    OutboxOptions o;
    o.on_damage = OutboxOptions::OnDamage::Quarantine;
    return o;
}

fs::path wal_of(const fs::path& db) { return db.string() + "-wal"; }

struct Files {
    TempDir tmp;
    TestKeyPair keys;
    fs::path file = tmp / "data/outbox.db";

    // kRecords pending records, closed cleanly (no log left). Returns their ids.
    std::set<std::string> fill(const fs::path& db, int n = kRecords, SysTime t0 = kMonday9) {
        std::set<std::string> ids;
        Outbox outbox(db);
        for (int i = 0; i < n; ++i) {
            Record r = i % 10 == 9 ? sample_stats(t0 + std::chrono::seconds(i))
                                   : sample_interest(keys, t0 + std::chrono::seconds(i));
            outbox.add(r);
            ids.insert(r.id);
        }
        return ids;
    }

    // An outbox of `n` records as a power cut leaves it: the database and a
    // log holding the last commits, copied to `to` while it was open.
    std::set<std::string> fill_and_cut(const fs::path& work, const fs::path& to, int n) {
        std::set<std::string> ids;
        Outbox outbox(work);
        for (int i = 0; i < n; ++i) {
            Record r = sample_interest(keys, kMonday9 + std::chrono::hours(1) + std::chrono::seconds(i));
            outbox.add(r);
            ids.insert(r.id);
        }
        REQUIRE(fs::file_size(wal_of(work)) > 0);
        fs::create_directories(to.parent_path());
        fs::copy_file(work, to, fs::copy_options::overwrite_existing);
        fs::copy_file(wal_of(work), wal_of(to), fs::copy_options::overwrite_existing);
        return ids;
    }

    std::set<std::string> ids_in(const fs::path& db) {
        std::set<std::string> out;
        for (const auto& r : read_outbox(db).records) out.insert(r.id);
        return out;
    }

    std::set<std::string> pending_in(Outbox& outbox) {
        std::set<std::string> out;
        for (const auto& r : outbox.list({State::Pending})) out.insert(r.record.id);
        return out;
    }
};

// The quarantined set holds the files exactly as they were.
void check_set_aside(const Quarantine& q, const fs::path& file, const std::string& db_before,
                     const std::string& wal_before) {
    CHECK(q.dir.parent_path() == file.parent_path() / "quarantine");
    CHECK(read_file(q.dir / "outbox.db") == db_before);
    if (wal_before.empty())  // none, or the empty one a reader may have made
        CHECK((!fs::exists(q.dir / "outbox.db-wal") || fs::file_size(q.dir / "outbox.db-wal") == 0));
    else
        CHECK(read_file(q.dir / "outbox.db-wal") == wal_before);
    CHECK(fs::exists(q.dir / "reason.txt"));
    const auto listed = quarantined(file);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].dir == q.dir);
    CHECK(listed[0].verdict == q.verdict);
    CHECK(listed[0].why == q.why);
    CHECK(listed[0].when.has_value());
}

}  // namespace

TEST_CASE_FIXTURE(Files, "an unrelated database's log beside the outbox: never checkpointed into it") {
    const auto ids = fill(file);
    const std::string db_before = read_file(file);
    REQUIRE_FALSE(fs::exists(wal_of(file)));
    const std::string foreign = unrelated_wal(tmp.path);
    write_file(wal_of(file), foreign);

    // What SQLite alone shows through that log: another program's table.
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(("file:" + file.string() + "?mode=ro").c_str(), &db,
                                SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) == SQLITE_OK);
        sqlite3_stmt* s = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'photos'", -1, &s, nullptr) ==
                SQLITE_OK);
        REQUIRE(sqlite3_step(s) == SQLITE_ROW);
        CHECK(sqlite3_column_int(s, 0) == 1);
        sqlite3_finalize(s);
        sqlite3_close(db);
    }

    SUBCASE("the reading path sees the outbox's records, and writes nothing") {
        const OutboxRead read = read_outbox(file);
        CHECK(read.inspection.verdict == Verdict::Foreign);
        CHECK(read.inspection.why.find("another program's tables") != std::string::npos);
        std::set<std::string> got;
        for (const auto& r : read.records) got.insert(r.id);
        CHECK(got == ids);
        CHECK(hand_over(file).records == kRecords);
        CHECK(read_file(file) == db_before);
        CHECK(read_file(wal_of(file)) == foreign);
    }
    SUBCASE("a connection that refuses: Foreign, the files as they were") {
        OutboxError e = outbox_error_of([&] { Outbox outbox(file); });
        CHECK(e.cause == Cause::Foreign);
        CHECK(std::string(e.what()).starts_with("the outbox " + file.string() + " is not an outbox of this kiosk ("));
        CHECK(std::string(e.what()).find("nothing in it was changed") != std::string::npos);
        CHECK(read_file(file) == db_before);
        CHECK(read_file(wal_of(file)) == foreign);
    }
    SUBCASE("the device: the set aside whole, a new outbox with every record") {
        Outbox outbox(file, device_options());
        REQUIRE(outbox.opening().quarantined);
        const Quarantine q = *outbox.opening().quarantined;
        CHECK(q.verdict == Verdict::Foreign);
        check_set_aside(q, file, db_before, foreign);
        CHECK(outbox.opening().restored == kRecords);
        CHECK(outbox.opening().left == 0);
        CHECK(pending_in(outbox) == ids);
        CHECK(outbox.schema_version() == Outbox::kSchemaVersion);
        CHECK(RawDb(file).value("PRAGMA integrity_check") == "ok");
        CHECK(describe(outbox.opening()).starts_with("the outbox was foreign ("));
        // The records are the outbox's own: the hand-over lists each once.
        const HandOver h = hand_over(file);
        CHECK(h.records == kRecords);
        CHECK(h.from_quarantine == 0);
    }
}

TEST_CASE_FIXTURE(Files, "another outbox's log beside the outbox: never checkpointed into it") {
    const auto ids = fill(file);
    const std::string db_before = read_file(file);
    const fs::path other = tmp / "other/outbox.db";
    const auto others = fill_and_cut(tmp / "other-work/outbox.db", other, 60);
    const std::string foreign = read_file(wal_of(other));
    write_file(wal_of(file), foreign);

    const OutboxRead read = read_outbox(file);
    CHECK((read.inspection.verdict == Verdict::Foreign || read.inspection.verdict == Verdict::Damaged));
    std::set<std::string> got;
    for (const auto& r : read.records) got.insert(r.id);
    for (const auto& id : ids) CHECK(got.count(id));
    CHECK(read_file(file) == db_before);

    CHECK(outbox_error_of([&] { Outbox outbox(file); }).cause != Cause::Other);
    CHECK(read_file(file) == db_before);

    Outbox outbox(file, device_options());
    REQUIRE(outbox.opening().quarantined);
    check_set_aside(*outbox.opening().quarantined, file, db_before, foreign);
    const auto pending = pending_in(outbox);
    for (const auto& id : ids) CHECK(pending.count(id));
    CHECK(RawDb(file).value("PRAGMA integrity_check") == "ok");
}

TEST_CASE_FIXTURE(Files, "the log of the same outbox from a moment ago: its own, so it is used") {
    // A log taken while this very outbox was open: the same identity.
    const auto first = fill_and_cut(file, tmp / "copy/outbox.db", 50);
    const std::string log = read_file(wal_of(tmp / "copy/outbox.db"));
    {
        Outbox outbox(file);  // closing checkpoints: the database holds the 50
    }
    REQUIRE_FALSE(fs::exists(wal_of(file)));
    write_file(wal_of(file), log);
    CHECK(inspect(file, true).verdict == Verdict::Sound);
    Outbox outbox(file, device_options());
    CHECK_FALSE(outbox.opening().quarantined);
    CHECK(pending_in(outbox) == first);
}

TEST_CASE_FIXTURE(Files, "its own log torn by a power cut: opened as it is, every whole commit kept") {
    const fs::path cut = tmp / "cut/outbox.db";
    const auto ids = fill_and_cut(tmp / "work/outbox.db", cut, kRecords);
    const std::string db = read_file(cut), log = read_file(wal_of(cut));
    std::mt19937 rng(7);
    for (int trial = 0; trial < 12; ++trial) {
        const std::size_t keep = 32 + rng() % (log.size() - 32);
        CAPTURE(keep);
        const fs::path f = tmp / ("torn-" + std::to_string(trial) + "/outbox.db");
        fs::create_directories(f.parent_path());
        write_file(f, db);
        write_file(wal_of(f), log.substr(0, keep));
        CHECK(inspect(f, true).verdict == Verdict::Sound);
        Outbox outbox(f, device_options());
        CHECK_FALSE(outbox.opening().quarantined);
        const auto got = pending_in(outbox);
        for (const auto& id : got) CHECK(ids.count(id));
        // Records were committed one by one, in order: what is kept is a beginning of them.
        for (const auto& r : outbox.list()) {
            const auto nth = std::chrono::duration_cast<std::chrono::seconds>(r.record.created - kMonday9 - 1h).count();
            CHECK(nth < static_cast<long>(got.size()));
        }
        CHECK(RawDb(f).value("PRAGMA integrity_check") == "ok");
    }
}

TEST_CASE_FIXTURE(Files, "a truncated database: refused untouched, or set aside with what can be read carried over") {
    const auto ids = fill(file);
    std::string data = read_file(file);
    data.resize(data.size() / 2);
    write_file(file, data);

    CHECK(inspect(file, true).verdict == Verdict::Damaged);
    const OutboxError e = outbox_error_of([&] { Outbox outbox(file); });
    CHECK(e.cause == Cause::Corrupt);
    CHECK(read_file(file) == data);

    const OutboxRead read = read_outbox(file);
    INFO(read.records.size() << " read; notes: " << (read.notes.empty() ? "" : read.notes[0]));
    CHECK(read.records.size() > 50);
    CHECK(read.unreadable > 0);
    for (const auto& r : read.records) CHECK(ids.count(r.id));

    Outbox outbox(file, device_options());
    REQUIRE(outbox.opening().quarantined);
    check_set_aside(*outbox.opening().quarantined, file, data, "");
    CHECK(outbox.opening().restored == static_cast<std::int64_t>(read.records.size()));
    CHECK(outbox.opening().left == read.unreadable);
    CHECK(describe(outbox.opening()).find("could not be carried") != std::string::npos);
}

TEST_CASE_FIXTURE(Files, "another program's database: no outbox tables added to it") {
    fs::create_directories(file.parent_path());
    {
        RawDb other(file);
        other.exec("CREATE TABLE contacts (name TEXT, phone TEXT); INSERT INTO contacts VALUES ('a', '1')");
    }
    const std::string before = read_file(file);
    auto tables = [&] { return RawDb(file).value("SELECT group_concat(name) FROM sqlite_master"); };
    REQUIRE(tables() == "contacts");

    CHECK(inspect(file, true).verdict == Verdict::Foreign);
    const OutboxError e = outbox_error_of([&] { Outbox outbox(file); });
    CHECK(e.cause == Cause::Foreign);
    CHECK(std::string(e.what()).find("it holds another program's tables (contacts)") != std::string::npos);
    CHECK(tables() == "contacts");
    CHECK(read_file(file) == before);

    SUBCASE("another program's application id") {
        RawDb(file).exec("PRAGMA application_id = 1234");
        CHECK(inspect(file, true).why == "it belongs to another program (application id 1234)");
    }
    SUBCASE("the device") {
        Outbox outbox(file, device_options());
        REQUIRE(outbox.opening().quarantined);
        CHECK(outbox.opening().restored == 0);
        CHECK(RawDb(outbox.opening().quarantined->dir / "outbox.db").value("SELECT group_concat(name) FROM sqlite_master") ==
              "contacts");
        CHECK(outbox.status(kMonday9).total == 0);
    }
}

TEST_CASE_FIXTURE(Files, "a newer schema: set aside, and its records that this version reads carried over") {
    const auto ids = fill(file, 20);
    {
        RawDb raw(file);
        raw.exec("PRAGMA user_version = 9; ALTER TABLE records ADD COLUMN shiny TEXT");
        // A kind this version does not know, written by the newer one.
        raw.exec("PRAGMA ignore_check_constraints = ON;"
                 "INSERT INTO records (id, kind, created, body, state) VALUES ('m1', 'meeting', 0, "
                 "'{\"id\": \"m1\", \"kind\": \"meeting\"}', 'pending')");
    }
    CHECK(inspect(file, true).verdict == Verdict::Newer);
    CHECK(outbox_error_of([&] { Outbox outbox(file); }).cause == Cause::Newer);

    Outbox outbox(file, device_options());
    REQUIRE(outbox.opening().quarantined);
    CHECK(outbox.opening().quarantined->verdict == Verdict::Newer);
    CHECK(outbox.opening().restored == 20);
    CHECK(outbox.opening().left == 1);
    CHECK(pending_in(outbox) == ids);
    // The one it cannot read is still handed over, marked as coming from the quarantined set.
    const HandOver h = hand_over(file);
    CHECK(h.records == 21);
    CHECK(h.from_quarantine == 1);
    CHECK(h.text.find("\"quarantine\":\"" + outbox.opening().quarantined->dir.filename().string() + "\"") !=
          std::string::npos);
}

TEST_CASE_FIXTURE(Files, "a log without its database: set aside, a new outbox started") {
    const std::string foreign = unrelated_wal(tmp.path);
    fs::create_directories(file.parent_path());
    write_file(wal_of(file), foreign);
    CHECK(inspect(file, true).verdict == Verdict::Foreign);
    Outbox outbox(file, device_options());
    REQUIRE(outbox.opening().quarantined);
    CHECK(read_file(outbox.opening().quarantined->dir / "outbox.db-wal") == foreign);
    CHECK_FALSE(fs::exists(outbox.opening().quarantined->dir / "outbox.db"));
    CHECK(RawDb(file).value("SELECT count(*) FROM sqlite_master WHERE name = 'photos'") == "0");
}

TEST_CASE_FIXTURE(Files, "a second connection does not take the files for itself while the first has them open") {
    fill(file, 10);
    OutboxOptions waits = device_options();
    waits.wait_alone = std::chrono::milliseconds(400);
    Outbox first(file, device_options());
    first.add(sample_stats(kMonday9 + std::chrono::days(1)));  // the log in use
    REQUIRE(fs::file_size(wal_of(file)) > 0);
    {
        const auto t0 = std::chrono::steady_clock::now();
        Outbox beside(file, device_options());  // shares them at once
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(300));
        CHECK_FALSE(beside.opening().quarantined);
    }
    const auto t0 = std::chrono::steady_clock::now();
    Outbox second(file, waits);  // waits for the files alone, in vain, then shares them
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(400));
    CHECK_FALSE(second.opening().quarantined);
    CHECK(second.status(kMonday9).total == 11);
    CHECK(read_outbox(file).inspection.verdict == Verdict::Sound);
}

TEST_CASE_FIXTURE(Files, "read-only partition: the reading path works, with and without a log; writers refuse") {
    if (::geteuid() != 0) return skip_suite("mounting a tmpfs read-only needs root");
    Tmpfs part(tmp / "part", "16m");
    REQUIRE(part.mounted);
    const fs::path clean = part.dir / "clean/outbox.db";
    const auto ids = fill(clean);
    const fs::path logged = part.dir / "logged/outbox.db";
    const auto logged_ids = fill_and_cut(tmp / "work/outbox.db", logged, 30);
    const fs::path with_shm = part.dir / "shm/outbox.db";
    fill_and_cut(tmp / "work2/outbox.db", with_shm, 30);
    {
        const OutboxRead r = read_outbox(with_shm);  // makes the -shm while it can
        REQUIRE(fs::exists(with_shm.string() + "-shm"));
    }
    REQUIRE(part.remount(true));

    CHECK(ids_in(clean) == ids);
    CHECK(ids_in(logged) == logged_ids);
    CHECK(ids_in(with_shm).size() == 30);
    CHECK(hand_over(clean).records == kRecords);
    CHECK(read_outbox(logged).inspection.verdict == Verdict::Sound);
    CHECK(status_of(read_outbox(clean).records, kMonday9).count(State::Pending) == kRecords);
    for (const fs::path& f : {clean, logged}) {
        CAPTURE(f);
        CHECK(outbox_error_of([&] { Outbox outbox(f, device_options()); }).cause == Cause::ReadOnly);
    }
    // The commands staff run, through the binary.
    for (const fs::path& f : {clean, logged}) {
        CAPTURE(f);
        write_file(tmp / "vitrine.toml", "[device]\ndata_dir = \"" + f.parent_path().string() + "\"\n");
        auto vitrine = [&](std::vector<std::string> args) {
            args.insert(args.begin(), {vitrine_bin(), "--config", (tmp / "vitrine.toml").string()});
            return run(args);
        };
        auto st = vitrine({"queue", "status", "--json"});
        INFO(st.err);
        CHECK(st.exit_code == 0);
        CHECK(json::parse(st.out)["condition"] == "sound");
        auto list = vitrine({"queue", "list", "--json"});
        CHECK(list.exit_code == 0);
        CHECK(json::parse(list.out)["records"].size() == (f == clean ? kRecords : 30u));
        auto ex = vitrine({"queue", "export", (tmp / "handed.jsonl").string(), "--json"});
        CHECK(ex.exit_code == 0);
        CHECK(json::parse(ex.out)["records"] == (f == clean ? kRecords : 30));
        CHECK(vitrine({"status"}).exit_code == 0);
    }
    REQUIRE(part.remount(false));
    CHECK(quarantined(clean).empty());
}
