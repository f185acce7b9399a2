// The outbox on real SQLite files: the queue operations, purge and export,
// the pragmas it promises, the migration from schema 1, no clear personal
// data on disk, and what a full disk, a read-only file system and a damaged
// file give (a cause and a message staff can act on).
#include "fixture.hpp"
#include "platform/outbox_files.hpp"

#include <fcntl.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using nlohmann::json;
using Cause = OutboxError::Cause;

namespace {

struct OutboxFixture {
    TempDir tmp;
    TestKeyPair keys;
    fs::path file = tmp / "data/outbox.db";

    std::vector<std::string> ids(const std::vector<StoredRecord>& v) {
        std::vector<std::string> out;
        for (const auto& r : v) out.push_back(r.record.id);
        return out;
    }
    std::vector<std::string> ids(const std::vector<Record>& v) {
        std::vector<std::string> out;
        for (const auto& r : v) out.push_back(r.id);
        return out;
    }
};

// What `vitrine queue export` does: the hand-over of `outbox_file` written to `target`.
std::int64_t export_to(const fs::path& outbox_file, const fs::path& target) {
    const HandOver h = hand_over(outbox_file);
    write_whole(target, h.text);
    return h.records;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool file_contains(const fs::path& p, const std::string& needle) {
    return fs::exists(p) && read_file(p).find(needle) != std::string::npos;
}

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen() & 0xff);
    return s;
}

// Fills the file system holding `dir` until a write fails; returns the file.
fs::path fill_up(const fs::path& dir) {
    fs::path filler = dir / "filler";
    int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    REQUIRE(fd >= 0);
    const std::string chunk(4096, 'x');
    while (::write(fd, chunk.data(), chunk.size()) > 0) {
    }
    const std::string small(64, 'x');
    while (::write(fd, small.data(), small.size()) > 0) {
    }
    ::close(fd);
    return filler;
}

void check_corrupt_message(const OutboxError& e, const fs::path& file, const std::string& why) {
    const std::string m = e.what();
    CAPTURE(m);
    CHECK(e.cause == Cause::Corrupt);
    CHECK(m.starts_with("the outbox " + file.string() + " is damaged (" + why));
    CHECK(m.find("nothing in it was changed") != std::string::npos);
    CHECK(m.find("Restart the kiosk: it sets the file aside") != std::string::npos);
}

}  // namespace

TEST_CASE_FIXTURE(OutboxFixture, "a new outbox: WAL, synchronous FULL, foreign keys, short busy timeout, schema 4") {
    Outbox outbox(file);
    CHECK(fs::exists(file));
    CHECK(fs::exists(file.string() + ".lock"));
    CHECK(outbox.file() == file);
    CHECK_FALSE(outbox.opening().quarantined);
    CHECK(outbox.schema_version() == Outbox::kSchemaVersion);
    CHECK(outbox.schema_version() == 4);
    CHECK(outbox.pragma("journal_mode") == "wal");
    CHECK(outbox.pragma("synchronous") == "2");
    CHECK(outbox.pragma("foreign_keys") == "1");
    CHECK(outbox.pragma("busy_timeout") == "250");
    CHECK(outbox.pragma("user_version") == "4");
    CHECK(outbox.pragma("application_id") == std::to_string(Outbox::kApplicationId));
    CHECK_THROWS_AS(outbox.pragma("journal_mode = DELETE"), OutboxError);
    CHECK(outbox.pragma("journal_mode") == "wal");
    RawDb raw(file);
    CHECK(raw.value("PRAGMA journal_mode") == "wal");  // in the file, for every connection
    CHECK(raw.value("PRAGMA user_version") == "4");
    CHECK(raw.value("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL") ==
          "records_state_created");
    // Each outbox has an identity of its own, so that no other outbox's log is taken for its own.
    const std::string identity = raw.value("SELECT value FROM outbox_meta WHERE key = 'identity'");
    CHECK(identity.size() == 32);
    Outbox other(tmp / "other/outbox.db");
    CHECK(RawDb(tmp / "other/outbox.db").value("SELECT value FROM outbox_meta WHERE key = 'identity'") != identity);
    const OutboxStatus st = outbox.status(kMonday9);
    CHECK(st.total == 0);
    CHECK_FALSE(st.oldest_pending_age);
    CHECK(st.counts.size() == 3);
    CHECK(st.counts.at("pending").at("interest") == 0);
    // The sync side's own connection, and only it, may trade the last marks for speed.
    OutboxOptions relaxed;
    relaxed.relaxed_marks = true;
    Outbox sync_side(file, relaxed);
    CHECK(sync_side.pragma("synchronous") == "1");
    CHECK(outbox.pragma("synchronous") == "2");
}

TEST_CASE_FIXTURE(OutboxFixture, "add, find, list, status and pending") {
    Outbox outbox(file);
    const Record a = sample_interest(keys, kMonday9 + 1s);
    const Record b = sample_stats(kMonday9 + 2s);
    const Record c = sample_interest(keys, kMonday9 + 3s, "c@example.org");
    const Record early = sample_interest(keys, kMonday9, "early@example.org");  // made first, saved last
    for (const Record* r : {&a, &b, &c, &early}) outbox.add(*r);

    CHECK(ids(outbox.list()) == std::vector<std::string>{early.id, a.id, b.id, c.id});
    CHECK(ids(outbox.list({}, 2)) == std::vector<std::string>{early.id, a.id});
    CHECK(ids(outbox.pending(3)) == std::vector<std::string>{early.id, a.id, b.id});

    auto found = outbox.find(c.id);
    REQUIRE(found);
    CHECK(to_json(found->record) == to_json(c));
    CHECK(found->state == State::Pending);
    CHECK(found->attempts == 0);
    CHECK(found->last_error == "");
    CHECK_FALSE(found->sent_at);
    CHECK(keys.open(found->record.sealed.at("email")) == "c@example.org");
    CHECK_FALSE(outbox.find("00000000-0000-4000-8000-000000000000"));

    const OutboxStatus st = outbox.status(kMonday9 + 1h + 500ms);
    CHECK(st.total == 4);
    CHECK(st.counts.at("pending").at("interest") == 3);
    CHECK(st.counts.at("pending").at("stats") == 1);
    CHECK(st.counts.at("sent").at("interest") == 0);
    REQUIRE(st.oldest_pending_age);
    CHECK(*st.oldest_pending_age == 3600s);

    SUBCASE("records survive closing and opening again") {
        Outbox again(file);
        CHECK(ids(again.list()) == std::vector<std::string>{early.id, a.id, b.id, c.id});
        CHECK(to_json(*again.find(a.id)) == to_json(*outbox.find(a.id)));
    }
    SUBCASE("the same id twice is refused, and the outbox goes on") {
        OutboxError e = outbox_error_of([&] { outbox.add(a); });
        CHECK(e.cause == Cause::Other);
        CHECK(std::string(e.what()).find("already holds a record with the id " + a.id) != std::string::npos);
        const Record d = sample_stats(kMonday9 + 4s);
        outbox.add(d);
        CHECK(outbox.status(kMonday9).total == 5);
    }
}

TEST_CASE_FIXTURE(OutboxFixture, "the sync side: sent, rejected, failures") {
    Outbox outbox(file);
    std::vector<Record> r;
    for (int i = 0; i < 5; ++i) {
        r.push_back(sample_interest(keys, kMonday9 + std::chrono::seconds(i)));
        outbox.add(r.back());
    }
    outbox.note_failure({r[0].id, r[1].id, r[2].id}, "connection refused");
    outbox.note_failure({r[0].id}, "HTTP 503");
    CHECK(outbox.find(r[0].id)->attempts == 2);
    CHECK(outbox.find(r[0].id)->last_error == "HTTP 503");
    CHECK(outbox.find(r[1].id)->attempts == 1);
    CHECK(outbox.find(r[3].id)->attempts == 0);

    const SysTime when = kMonday9 + 2h + 7ms;
    outbox.mark_sent({r[0].id, r[1].id, "00000000-0000-4000-8000-000000000000"}, when);  // an unknown id is ignored
    outbox.mark_rejected(r[2].id, "consent version 1 is no longer accepted");
    auto sent = outbox.find(r[0].id);
    CHECK(sent->state == State::Sent);
    CHECK(sent->sent_at == when);
    CHECK(sent->last_error == "");
    CHECK(sent->attempts == 2);
    auto rejected = outbox.find(r[2].id);
    CHECK(rejected->state == State::Rejected);
    CHECK(rejected->last_error == "consent version 1 is no longer accepted");
    CHECK_FALSE(rejected->sent_at);

    CHECK(ids(outbox.pending(10)) == std::vector<std::string>{r[3].id, r[4].id});
    CHECK(ids(outbox.list({State::Sent})) == std::vector<std::string>{r[0].id, r[1].id});
    CHECK(ids(outbox.list({State::Rejected, State::Pending})) == std::vector<std::string>{r[2].id, r[3].id, r[4].id});

    // Only pending records change: a late acknowledgement or failure does not
    // undo a rejection, nor touch a sent record.
    outbox.mark_sent({r[2].id}, when);
    outbox.note_failure({r[0].id, r[2].id}, "timeout");
    outbox.mark_rejected(r[1].id, "late");
    CHECK(outbox.find(r[2].id)->state == State::Rejected);
    CHECK(outbox.find(r[2].id)->attempts == 1);
    CHECK(outbox.find(r[0].id)->attempts == 2);
    CHECK(outbox.find(r[1].id)->state == State::Sent);

    const OutboxStatus st = outbox.status(kMonday9 + 1h);
    CHECK(st.counts.at("pending").at("interest") == 2);
    CHECK(st.counts.at("sent").at("interest") == 2);
    CHECK(st.counts.at("rejected").at("interest") == 1);
    CHECK(*st.oldest_pending_age == 3600s - 3s);

    json j = to_json(*outbox.find(r[0].id));
    CHECK(j["state"] == "sent");
    CHECK(j["attempts"] == 2);
    CHECK(j["sent_at"] == "2026-01-05T11:00:00.007Z");
    CHECK_FALSE(to_json(*outbox.find(r[3].id)).contains("sent_at"));
}

TEST_CASE_FIXTURE(OutboxFixture, "the sync state: none at first, the last saved object afterwards, kept across opens") {
    {
        Outbox outbox(file);
        CHECK_FALSE(outbox.sync_state().has_value());
        outbox.save_sync_state(json{{"last_error", "first"}});
        outbox.save_sync_state(json{{"last_error", "second"}, {"authorised", false}});
    }
    Outbox outbox(file);
    REQUIRE(outbox.sync_state().has_value());
    CHECK(*outbox.sync_state() == json{{"last_error", "second"}, {"authorised", false}});
    RawDb raw(file);
    CHECK(raw.value("SELECT count(*) FROM sync_state") == "1");
}

TEST_CASE_FIXTURE(OutboxFixture, "purge: sent records only, by a trusted time, never a pending or rejected one") {
    OutboxOptions opt;
    opt.retention_days = 30;
    Outbox outbox(file, opt);
    const Record sent_early = sample_interest(keys, kMonday9);
    const Record sent_late = sample_interest(keys, kMonday9);
    const Record sent_untrusted = sample_interest(keys, kMonday9);
    const Record pending = sample_interest(keys, kMonday9 + 1s);
    const Record rejected = sample_stats(kMonday9 + 2s);
    for (const Record* r : {&sent_early, &sent_late, &sent_untrusted, &pending, &rejected}) outbox.add(*r);
    outbox.mark_sent({sent_early.id}, kMonday9 + 1h, true);
    outbox.mark_sent({sent_late.id}, kMonday9 + std::chrono::days(10), true);
    // Acknowledged by a platform that gave no time: the device's clock said 2038.
    outbox.mark_sent({sent_untrusted.id}, SysTime(std::chrono::seconds(2145916800)), false);
    outbox.mark_rejected(rejected.id, "malformed");
    RawDb raw(file);
    CHECK(raw.value("SELECT retain_from FROM records WHERE id = ?", sent_early.id) ==
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>((kMonday9 + 1h).time_since_epoch()).count()));
    CHECK(raw.value("SELECT retain_from IS NULL FROM records WHERE id = ?", sent_untrusted.id) == "1");

    // No trusted time: nothing at all, whatever the device's clock says.
    CHECK(outbox.purge(std::nullopt) == 0);
    CHECK(outbox.status(kMonday9).total == 5);
    CHECK(raw.value("SELECT retain_from IS NULL FROM records WHERE id = ?", sent_untrusted.id) == "1");

    const SysTime retention = kMonday9 + 1h + std::chrono::days(30);
    CHECK(outbox.purge(retention) == 0);  // exactly 30 days after it was sent: kept
    // The record sent under the wrong clock starts its retention now.
    CHECK(raw.value("SELECT retain_from FROM records WHERE id = ?", sent_untrusted.id) ==
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(retention.time_since_epoch()).count()));
    CHECK(outbox.purge(retention + 1ms) == 1);
    CHECK_FALSE(outbox.find(sent_early.id));
    CHECK(outbox.find(sent_late.id));  // the retention runs from when it was sent
    CHECK(outbox.purge(kMonday9 + std::chrono::days(40)) == 0);
    CHECK(outbox.purge(kMonday9 + std::chrono::days(40) + 1ms) == 1);
    CHECK_FALSE(outbox.find(sent_late.id));
    CHECK(outbox.find(sent_untrusted.id));
    CHECK(outbox.purge(retention + std::chrono::days(30) + 1ms) == 1);
    CHECK_FALSE(outbox.find(sent_untrusted.id));

    // Pending and rejected records stay, however late it is.
    CHECK(outbox.purge(kMonday9 + std::chrono::days(365 * 100)) == 0);
    CHECK(outbox.find(pending.id));
    CHECK(outbox.find(rejected.id));
    CHECK(outbox.status(kMonday9).total == 2);

    SUBCASE("a trusted time earlier than a record's start deletes nothing of it") {
        const Record r = sample_interest(keys, kMonday9);
        outbox.add(r);
        outbox.mark_sent({r.id}, kMonday9 + std::chrono::days(500), true);
        CHECK(outbox.purge(kMonday9) == 0);
        CHECK(outbox.find(r.id));
    }
}

TEST_CASE_FIXTURE(OutboxFixture, "export: pending and rejected records as complete JSON lines, replacing the file") {
    Outbox outbox(file);
    std::vector<Record> r;
    for (int i = 0; i < 4; ++i) {
        r.push_back(i == 3 ? sample_stats(kMonday9 + std::chrono::seconds(i))
                           : sample_interest(keys, kMonday9 + std::chrono::seconds(i)));
        outbox.add(r.back());
    }
    outbox.mark_sent({r[0].id}, kMonday9 + 1h);
    outbox.mark_rejected(r[1].id, "unknown event");
    outbox.note_failure({r[2].id}, "timeout");

    const fs::path target = tmp / "stick/export.jsonl";
    fs::create_directories(target.parent_path());
    write_file(target, "an older export that is longer than the new one will be, so that a partial overwrite shows "
                       + std::string(100000, '.'));
    CHECK(export_to(file, target) == 3);
    CHECK(entries(target.parent_path()) == std::vector<std::string>{"export.jsonl"});  // no temporary left
    CHECK((fs::status(target).permissions() & fs::perms::others_read) == fs::perms::none);
    const std::string text = read_file(target);
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() == '\n');
    const auto lines = lines_of(text);
    REQUIRE(lines.size() == 3);
    std::vector<std::string> got;
    for (const auto& line : lines) {
        const json j = json::parse(line);
        const Record back = record_from_json(j);
        got.push_back(back.id);
        const auto stored = outbox.find(back.id);
        REQUIRE(stored);
        CHECK(j == to_json(*stored));
        CHECK(back.sealed == stored->record.sealed);
    }
    CHECK(got == std::vector<std::string>{r[1].id, r[2].id, r[3].id});
    const json rejected = json::parse(lines[0]);
    CHECK(rejected["state"] == "rejected");
    CHECK(rejected["last_error"] == "unknown event");
    CHECK(json::parse(lines[1])["attempts"] == 1);
    CHECK(keys.open(record_from_json(json::parse(lines[1])).sealed.at("email")) == "jeanne.dupont@example.org");
    CHECK(text.find("jeanne") == std::string::npos);

    SUBCASE("nothing pending or rejected gives an empty file") {
        outbox.mark_sent({r[2].id, r[3].id}, kMonday9 + 1h, true);
        outbox.purge(kMonday9 + std::chrono::days(800));
        CHECK(export_to(file, target) == 1);  // the rejected record stays until staff delete it
        RawDb(file).exec("DELETE FROM records WHERE state = 'rejected'");
        CHECK(export_to(file, target) == 0);
        CHECK(read_file(target).empty());
    }
    SUBCASE("a directory that does not exist: an error naming the file, nothing written") {
        const fs::path bad = tmp / "no-such-stick/export.jsonl";
        OutboxError e = outbox_error_of([&] { export_to(file, bad); });
        CHECK(e.cause == Cause::Other);
        CHECK(std::string(e.what()) ==
              "cannot create a temporary file beside " + bad.string() + ": No such file or directory");
        CHECK_FALSE(fs::exists(bad.parent_path()));
    }
}

TEST_CASE_FIXTURE(OutboxFixture, "no personal data in clear on disk: the database and its write-ahead log") {
    const std::string email = "jeanne.dupont@example.org", name = "Jeanne Dupont";
    Outbox outbox(file);
    Record r = sample_interest(keys, kMonday9, email);
    r.payload["answers"]["marker"] = "control-marker-4711";  // not personal: must be found, showing the search works
    for (int i = 0; i < 20; ++i) outbox.add(i == 7 ? r : sample_interest(keys, kMonday9 + std::chrono::seconds(i), email));
    const fs::path wal = file.string() + "-wal";
    REQUIRE(fs::exists(wal));
    CHECK(fs::file_size(wal) > 0);
    CHECK((file_contains(file, "control-marker-4711") || file_contains(wal, "control-marker-4711")));
    for (const fs::path& p : {file, wal}) {
        CAPTURE(p);
        CHECK_FALSE(file_contains(p, email));
        CHECK_FALSE(file_contains(p, name));
        CHECK_FALSE(file_contains(p, "jeanne"));
    }
    // It really was in the record, sealed.
    CHECK(keys.open(outbox.find(r.id)->record.sealed.at("email")) == email);
    CHECK(keys.open(outbox.find(r.id)->record.sealed.at("name")) == name);
}

TEST_CASE_FIXTURE(OutboxFixture, "migration: a schema 1 database is carried forward with its records") {
    fs::create_directories(file.parent_path());
    const Record pending = sample_interest(keys, kMonday9);
    const Record sent = sample_stats(kMonday9 + 1s);
    const Record rejected = sample_interest(keys, kMonday9 + 2s, "x@example.org");
    {
        RawDb v1(file);
        v1.exec(std::string(Outbox::migrations().at(0)));
        v1.exec("PRAGMA user_version = 1");
        auto insert = [&](const Record& r, const std::string& state) {
            v1.exec("INSERT INTO records (id, kind, created, body, state) VALUES ('" + r.id + "', '" +
                    kind_name(r.kind) + "', " +
                    std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(r.created.time_since_epoch())
                                       .count()) +
                    ", '" + to_json(r).dump() + "', '" + state + "')");
        };
        insert(pending, "pending");
        insert(sent, "sent");
        insert(rejected, "rejected");
        REQUIRE(v1.value("PRAGMA user_version") == "1");
        REQUIRE(v1.value("SELECT count(*) FROM pragma_table_info('records')") == "5");
    }

    {
        Outbox outbox(file);
        CHECK(outbox.schema_version() == 4);
        CHECK_FALSE(outbox.opening().quarantined);
        CHECK(ids(outbox.list()) == std::vector<std::string>{pending.id, sent.id, rejected.id});
        CHECK(to_json(outbox.find(pending.id)->record) == to_json(pending));
        CHECK(outbox.find(sent.id)->state == State::Sent);
        CHECK(outbox.find(rejected.id)->state == State::Rejected);
        CHECK(outbox.find(pending.id)->attempts == 0);
        CHECK(keys.open(outbox.find(rejected.id)->record.sealed.at("email")) == "x@example.org");
        // Usable as any new outbox.
        outbox.note_failure({pending.id}, "timeout");
        CHECK(outbox.find(pending.id)->attempts == 1);
        outbox.mark_sent({pending.id}, kMonday9 + 1h);
        const Record fresh = sample_interest(keys, kMonday9 + 3s);
        outbox.add(fresh);
        CHECK(outbox.status(kMonday9).total == 4);
    }
    RawDb raw(file);
    CHECK(raw.value("PRAGMA user_version") == "4");
    CHECK(raw.value("PRAGMA application_id") == std::to_string(Outbox::kApplicationId));
    CHECK(raw.value("SELECT count(*) FROM pragma_table_info('records')") == "9");
    CHECK(raw.value("SELECT count(*) FROM sync_state") == "0");
    CHECK(raw.value("SELECT count(*) FROM records") == "4");
    CHECK(raw.value("PRAGMA integrity_check") == "ok");
    CHECK(raw.value("SELECT count(*) FROM sqlite_master WHERE name = 'records_v2'") == "0");
}

TEST_CASE_FIXTURE(OutboxFixture, "a migration that fails leaves the database as it was") {
    fs::create_directories(file.parent_path());
    const Record r = sample_interest(keys, kMonday9);
    {
        RawDb v1(file);
        v1.exec(std::string(Outbox::migrations().at(0)));
        v1.exec("PRAGMA user_version = 1");
        // Schema 2 checks the state: this row cannot be carried.
        v1.exec("INSERT INTO records (id, kind, created, body, state) VALUES ('" + r.id + "', 'interest', 0, '" +
                to_json(r).dump() + "', 'lost')");
    }
    OutboxError e = outbox_error_of([&] { Outbox outbox(file); });
    CHECK(e.cause == Cause::Other);
    CHECK(std::string(e.what()).find("migrating it to schema 2") != std::string::npos);
    RawDb raw(file);
    CHECK(raw.value("PRAGMA user_version") == "1");
    CHECK(raw.value("SELECT state FROM records WHERE id = ?", r.id) == "lost");
    CHECK(raw.value("SELECT count(*) FROM sqlite_master WHERE name = 'records_v2'") == "0");
}

TEST_CASE_FIXTURE(OutboxFixture, "a database from a newer vitrine is refused and left alone") {
    { Outbox outbox(file); }
    { RawDb(file).exec("PRAGMA user_version = 5"); }
    const std::string before = read_file(file);
    OutboxError e = outbox_error_of([&] { Outbox outbox(file); });
    CHECK(e.cause == Cause::Newer);
    CHECK(std::string(e.what()).find("was written by a newer vitrine (schema 5, this vitrine knows up to 4): nothing "
                                     "in it was changed. Install that version again, or restart the kiosk") !=
          std::string::npos);
    CHECK(read_file(file) == before);
}

TEST_CASE_FIXTURE(OutboxFixture, "a writer holding the lock: Busy after about 250 ms, then usable again") {
    Outbox outbox(file);
    outbox.add(sample_stats(kMonday9));
    RawDb other(file);
    other.exec("BEGIN IMMEDIATE");
    other.exec("INSERT INTO records (id, kind, created, body) VALUES ('x', 'stats', 0, '{}')");
    const auto t0 = std::chrono::steady_clock::now();
    OutboxError e = outbox_error_of([&] { outbox.add(sample_stats(kMonday9 + 1s)); });
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(e.cause == Cause::Busy);
    CHECK(std::string(e.what()).find("is locked by another program") != std::string::npos);
    CHECK(waited >= 200ms);
    CHECK(waited < 2s);
    CHECK(outbox.status(kMonday9).total == 1);  // readers are not blocked
    other.exec("ROLLBACK");
    outbox.add(sample_stats(kMonday9 + 2s));
    CHECK(outbox.status(kMonday9).total == 2);
}

TEST_CASE_FIXTURE(OutboxFixture, "a full data partition: DiskFull, nothing half-saved, and it works again once freed") {
    Tmpfs small(tmp / "small", "1m");
    if (!small.mounted) return skip_suite("mounting a small tmpfs needs root");
    const fs::path db = small.dir / "outbox.db";
    std::vector<std::string> acknowledged;
    std::string refused;
    {
        Outbox outbox(db);
        for (int i = 0; i < 5; ++i) {
            Record r = sample_interest(keys, kMonday9 + std::chrono::seconds(i));
            outbox.add(r);
            acknowledged.push_back(r.id);
        }
        const fs::path filler = fill_up(small.dir);
        OutboxError e(Cause::Other, "");
        bool failed = false;
        for (int i = 0; i < 5000 && !failed; ++i) {  // what the WAL's preallocated space still takes
            Record r = sample_interest(keys, kMonday9 + std::chrono::minutes(1) + std::chrono::seconds(i));
            try {
                outbox.add(r);
                acknowledged.push_back(r.id);
            } catch (const OutboxError& err) {
                e = err;
                refused = r.id;
                failed = true;
            }
        }
        REQUIRE(failed);
        const std::string m = e.what();
        CAPTURE(m);
        CHECK(e.cause == Cause::DiskFull);
        CHECK(m.starts_with("the data partition is full: the outbox " + db.string()));
        CHECK(m.find("free some space") != std::string::npos);
        CHECK(m.find("jeanne") == std::string::npos);
        CHECK(m.find(refused) == std::string::npos);

        // Still full: still refused, cleanly, and reading works meanwhile.
        CHECK(outbox_error_of([&] { outbox.add(sample_interest(keys, kMonday9)); }).cause == Cause::DiskFull);
        CHECK(outbox.status(kMonday9).total == static_cast<std::int64_t>(acknowledged.size()));

        SUBCASE("an export onto the full disk fails and leaves the old export whole") {
            const fs::path target = small.dir / "export.jsonl";
            fs::remove(filler);
            write_file(target, "previous export\n");
            fill_up(small.dir);
            OutboxError ex = outbox_error_of([&] { export_to(db, target); });
            CHECK(ex.cause == Cause::DiskFull);
            CHECK(std::string(ex.what()).starts_with("cannot write " + (small.dir / ".export.jsonl.").string()));
            CHECK(std::string(ex.what()).ends_with(": No space left on device (the file system is full)"));
            CHECK(read_file(target) == "previous export\n");
            for (const auto& name : entries(small.dir)) CHECK_FALSE(name.starts_with(".export.jsonl."));
        }

        fs::remove(small.dir / "filler");
        Record after = sample_interest(keys, kMonday9 + 1h);
        outbox.add(after);
        acknowledged.push_back(after.id);
    }
    Outbox reopened(db);
    CHECK(reopened.status(kMonday9).total == static_cast<std::int64_t>(acknowledged.size()));
    for (const auto& id : acknowledged) CHECK(reopened.find(id));
    CHECK_FALSE(reopened.find(refused));
    CHECK(RawDb(db).value("PRAGMA integrity_check") == "ok");
    MESSAGE(acknowledged.size() << " records acknowledged around a full disk");
}

TEST_CASE_FIXTURE(OutboxFixture, "a read-only file system: ReadOnly, and the records are there once writable") {
    Tmpfs fsys(tmp / "ro", "4m");
    if (!fsys.mounted) return skip_suite("mounting a tmpfs needs root");
    const fs::path db = fsys.dir / "outbox.db";
    const Record r = sample_interest(keys, kMonday9);
    {
        Outbox outbox(db);
        outbox.add(r);
    }
    REQUIRE(fsys.remount(true));
    for (const fs::path& p : {db, fsys.dir / "new/outbox.db", fsys.dir / "new.db"}) {
        CAPTURE(p);
        OutboxError e = outbox_error_of([&] { Outbox outbox(p); });
        const std::string m = e.what();
        CAPTURE(m);
        CHECK(e.cause == Cause::ReadOnly);
        CHECK(m.starts_with("the data partition is mounted read-only"));
        CHECK(m.find(p.string()) != std::string::npos);
    }
    CHECK(read_file(db).size() > 0);
    REQUIRE(fsys.remount(false));
    Outbox outbox(db);
    CHECK(outbox.find(r.id));
    outbox.add(sample_stats(kMonday9));
}

TEST_CASE_FIXTURE(OutboxFixture, "a damaged file is Corrupt, named, and never deleted or rewritten") {
    fs::create_directories(file.parent_path());

    SUBCASE("random bytes") {
        write_file(file, random_bytes(64 << 10, 1));
        const std::string before = read_file(file);
        check_corrupt_message(outbox_error_of([&] { Outbox outbox(file); }), file, "it is not an SQLite database");
        CHECK(read_file(file) == before);
    }
    SUBCASE("an empty-looking but foreign file") {
        write_file(file, "this is a text file, not a database\n");
        check_corrupt_message(outbox_error_of([&] { Outbox outbox(file); }), file, "it is not an SQLite database");
    }
    SUBCASE("a page overwritten in a valid database") {
        {
            Outbox outbox(file);
            for (int i = 0; i < 300; ++i) outbox.add(sample_interest(keys, kMonday9 + std::chrono::seconds(i)));
        }  // closing checkpoints the WAL into the file
        REQUIRE_FALSE(fs::exists(file.string() + "-wal"));
        std::string data = read_file(file);
        REQUIRE(data.size() > 40 * 4096);
        const std::string garbage = random_bytes(4096, 2);
        data.replace(20 * 4096, 4096, garbage);
        write_file(file, data);
        const OutboxError e = outbox_error_of([&] { Outbox outbox(file); });
        check_corrupt_message(e, file, "");
        CHECK(read_file(file) == data);
    }
    SUBCASE("a record changed behind the outbox's back") {
        Outbox outbox(file);
        const Record r = sample_interest(keys, kMonday9);
        outbox.add(r);
        const Record good = sample_stats(kMonday9 + 1s);
        outbox.add(good);
        RawDb(file).exec("UPDATE records SET body = json_set(body, '$.created', 'yesterday') WHERE id = '" + r.id + "'");
        const OutboxError e = outbox_error_of([&] { outbox.list(); });
        CHECK(e.cause == Cause::Corrupt);
        CHECK(std::string(e.what()) == "the record " + r.id + " of the outbox " + file.string() +
                                           " cannot be read (record: created: must be an RFC 3339 UTC time like 2026-01-05T09:00:00.000Z); "
                                           "`vitrine queue export` hands it over as it is stored");
        CHECK(std::string(e.what()).find("jeanne") == std::string::npos);
        CHECK(outbox_error_of([&] { outbox.find(r.id); }).cause == Cause::Corrupt);
        // One record is not the outbox: the others go on, and both are handed over.
        CHECK(outbox.find(good.id));
        CHECK(outbox.pending_texts(10).size() == 2);
        const HandOver h = hand_over(file);
        CHECK(h.records == 2);
        CHECK(h.unreadable == 0);
        CHECK(h.text.find("\"yesterday\"") != std::string::npos);
    }
    SUBCASE("a truncated database") {
        {
            Outbox outbox(file);
            for (int i = 0; i < 300; ++i) outbox.add(sample_interest(keys, kMonday9 + std::chrono::seconds(i)));
        }
        std::string data = read_file(file);
        data.resize(data.size() / 2);
        write_file(file, data);
        check_corrupt_message(outbox_error_of([&] { Outbox outbox(file); }), file, "");
        CHECK(read_file(file) == data);
    }
}
