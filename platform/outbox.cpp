#include "platform/outbox.hpp"

#include "platform/outbox_files.hpp"
#include "platform/sqlite.hpp"

#include "base/disk.hpp"

#include <sqlite3.h>

#include <unistd.h>

namespace vitrine::platform {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace sql;
using Cause = OutboxError::Cause;

// Version 1: the record as JSON and its state.
constexpr std::string_view kSchemaV1 = R"(
CREATE TABLE records (
  id      TEXT PRIMARY KEY NOT NULL,
  kind    TEXT NOT NULL,
  created INTEGER NOT NULL,
  body    TEXT NOT NULL,
  state   TEXT NOT NULL DEFAULT 'pending'
);
)";

// Version 2: delivery bookkeeping, checked values, and an index for the
// sync's "oldest pending first". SQLite cannot add CHECK constraints to a
// table, so the table is rebuilt and its rows copied.
constexpr std::string_view kSchemaV2 = R"(
CREATE TABLE records_v2 (
  id         TEXT PRIMARY KEY NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('interest', 'stats')),
  created    INTEGER NOT NULL,
  body       TEXT NOT NULL CHECK (json_valid(body)),
  state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'rejected')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  sent_at    INTEGER
);
INSERT INTO records_v2 (id, kind, created, body, state) SELECT id, kind, created, body, state FROM records;
DROP TABLE records;
ALTER TABLE records_v2 RENAME TO records;
CREATE INDEX records_state_created ON records (state, created);
)";

// Version 3: the sync client's last known state (last success, last error,
// authorisation), one row, so that `vitrine status` and a restarted kiosk
// can tell it.
constexpr std::string_view kSchemaV3 = R"(
CREATE TABLE sync_state (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  body TEXT NOT NULL CHECK (json_valid(body))
);
)";

// Version 4: who this file is, so that nothing else is mistaken for it (the
// application id in the header, and a random identity that a write-ahead
// log of another outbox does not carry), and the time from which a sent
// record's retention runs, once a trusted clock has given one.
constexpr std::string_view kSchemaV4 = R"(
PRAGMA application_id = 1447646290;
CREATE TABLE outbox_meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
INSERT INTO outbox_meta (key, value) VALUES ('identity', lower(hex(randomblob(16))));
ALTER TABLE records ADD COLUMN retain_from INTEGER;
)";
static_assert(Outbox::kApplicationId == 1447646290, "kSchemaV4 sets it");

std::int64_t to_ms(system_clock::time_point t) { return duration_cast<milliseconds>(t.time_since_epoch()).count(); }
system_clock::time_point from_ms(std::int64_t ms) { return system_clock::time_point(milliseconds(ms)); }

// Text from the network kept with a record: at most kMaxReasonBytes, cut
// before a UTF-8 sequence, so that a hostile platform cannot fill the disk.
std::string bounded(const std::string& s) {
    if (s.size() <= kMaxReasonBytes) return s;
    std::size_t n = kMaxReasonBytes - 3;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    return s.substr(0, n) + "...";
}

State state_from(const std::string& s, const fs::path& file) {
    if (s == "pending") return State::Pending;
    if (s == "sent") return State::Sent;
    if (s == "rejected") return State::Rejected;
    throw OutboxError(Cause::Corrupt, "a record of the outbox " + file.string() + " has the unknown state \"" +
                                          s.substr(0, 40) + "\"");
}

// One record this program cannot read is not a damaged outbox: the others
// go on, and the hand-over carries it as stored.
OutboxError unreadable_record(const fs::path& file, const std::string& id, const std::string& why) {
    return OutboxError(Cause::Corrupt, "the record " + id.substr(0, 40) + " of the outbox " + file.string() +
                                           " cannot be read (" + why +
                                           "); `vitrine queue export` hands it over as it is stored");
}

Record parse_body(const std::string& id, const std::string& body, const fs::path& file) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) throw unreadable_record(file, id, "it is not valid JSON");  // parse errors quote the text
    try {
        return record_from_json(j);
    } catch (const std::runtime_error& e) {
        throw unreadable_record(file, id, e.what());
    }
}

constexpr const char* kStoredColumns = "SELECT id, body, state, attempts, last_error, sent_at FROM records";

StoredRecord stored_from(const Stmt& s, const fs::path& file) {
    StoredRecord r;
    r.record = parse_body(s.text(0), s.text(1), file);
    r.state = state_from(s.text(2), file);
    r.attempts = static_cast<int>(s.integer(3));
    r.last_error = s.text(4);
    if (!s.null(5)) r.sent_at = from_ms(s.integer(5));
    return r;
}

std::int64_t sql_limit(std::size_t limit) {
    return limit > static_cast<std::size_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(limit);
}

// The refusal of files this program will not write to.
OutboxError refusal(const fs::path& file, Verdict v, const std::string& why) {
    const std::string f = file.string();
    const std::string restart = "restart the kiosk: it sets the file aside, whole, under quarantine/ beside it, "
                                "starts a new outbox and carries every record it can read into it";
    switch (v) {
    case Verdict::Foreign:
        return OutboxError(Cause::Foreign, "the outbox " + f + " is not an outbox of this kiosk (" + why +
                                               "): nothing in it was changed. To go on, " + restart);
    case Verdict::Newer:
        return OutboxError(Cause::Newer, "the outbox " + f + " was written by a newer vitrine (" + why +
                                             "): nothing in it was changed. Install that version again, or " + restart);
    default: return damaged(file, why);
    }
}

}  // namespace

const char* state_name(State s) {
    switch (s) {
    case State::Pending: return "pending";
    case State::Sent: return "sent";
    case State::Rejected: return "rejected";
    }
    return "?";
}

const char* verdict_name(Verdict v) {
    switch (v) {
    case Verdict::Missing: return "missing";
    case Verdict::Sound: return "sound";
    case Verdict::Foreign: return "foreign";
    case Verdict::Damaged: return "damaged";
    case Verdict::Newer: return "newer";
    }
    return "?";
}

nlohmann::json to_json(const StoredRecord& r) {
    nlohmann::json j = to_json(r.record);
    j["state"] = state_name(r.state);
    j["attempts"] = r.attempts;
    j["last_error"] = r.last_error;
    if (r.sent_at) j["sent_at"] = rfc3339(*r.sent_at);
    return j;
}

const std::vector<std::string_view>& Outbox::migrations() {
    static const std::vector<std::string_view> steps = {kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4};
    static_assert(kSchemaVersion == 4, "one step per schema version");
    return steps;
}

Outbox::Outbox(const fs::path& file, OutboxOptions options) : file_(file), options_(options) {
    std::error_code ec;
    if (file_.has_parent_path() && !fs::exists(file_.parent_path(), ec)) {
        fs::create_directories(file_.parent_path(), ec);
        if (ec) {
            const base::DiskProblem problem = base::disk_problem(ec.value());
            if (problem == base::DiskProblem::ReadOnly) throw read_only(file_);
            if (problem == base::DiskProblem::Full) throw disk_full(file_);
            throw OutboxError(Cause::Other, "cannot create the directory of the outbox " + file_.string() + ": " +
                                                ec.message());
        }
    }
    bool alone = false;
    lock_fd_ = lock_files(file_, true, alone, options_.wait_alone);
    bool counted = false;
    try {
        // Only a connection with the files to itself may read the database
        // without its log, which tells whether the log is its own.
        if (alone) {
            const Inspection found = inspect(file_, true);
            if (found.verdict != Verdict::Missing && found.verdict != Verdict::Sound) {
                if (options_.on_damage == OutboxOptions::OnDamage::Refuse)
                    throw refusal(file_, found.verdict, found.why);
                opening_.quarantined = quarantine(file_, found, system_clock::now());
            }
        }
        open_connection();
        count_connection(file_, +1);
        counted = true;
        if (opening_.quarantined) restore_from(*opening_.quarantined);
        share_lock(lock_fd_);
    } catch (...) {
        if (counted) count_connection(file_, -1);
        sqlite3_finalize(insert_);
        insert_ = nullptr;
        sqlite3_close_v2(db_);  // checkpoints nothing: open_connection() said so first
        db_ = nullptr;
        ::close(lock_fd_);
        throw;
    }
}

// Checks the files again through this connection, as a writer sees them,
// before the first write: a connection that was not alone did not inspect
// them, and nothing is checkpointed on close until they pass.
void Outbox::open_connection() {
    int rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) throw error_for(db_, rc, file_, "opening it");
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    sqlite3_extended_result_codes(db_, 1);
    // SQLite quietly opens a file it cannot write read-only.
    if (sqlite3_db_readonly(db_, "main") == 1) throw read_only(file_);
    sqlite3_busy_timeout(db_, 250);  // the UI thread must not wait longer on the sync worker
    const Facts facts = read_facts(db_, file_);
    if (auto p = problem_of(db_, file_, facts)) throw refusal(file_, p->verdict, p->why);
    {
        Stmt wal(db_, file_, "PRAGMA journal_mode = WAL");
        wal.step("opening it");
        if (wal.text(0) != "wal")
            throw OutboxError(Cause::Other, "the outbox " + file_.string() +
                                                " cannot use write-ahead logging (journal mode " + wal.text(0) +
                                                "); is the data partition a local file system?");
    }
    exec(db_, file_,
         std::string("PRAGMA synchronous = ") + (options_.relaxed_marks ? "NORMAL" : "FULL") +
             "; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON",
         "opening it");
    migrate();
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, nullptr);
}

Outbox::~Outbox() {
    sqlite3_finalize(insert_);
    sqlite3_close_v2(db_);
    count_connection(file_, -1);
    ::close(lock_fd_);  // after SQLite let go of the files
}

void Outbox::migrate() {
    int version = schema_version();
    while (version < kSchemaVersion) {
        const std::string doing = "migrating it to schema " + std::to_string(version + 1);
        Transaction t(db_, file_, doing);
        if (schema_version() == version) {  // else another process did this step meanwhile
            exec(db_, file_, std::string(migrations()[static_cast<std::size_t>(version)]), doing);
            exec(db_, file_, "PRAGMA user_version = " + std::to_string(version + 1), doing);
        }
        t.commit();
        version = schema_version();
    }
}

// The pending and rejected records of the files just set aside, carried
// into this new outbox with their state, in one transaction.
void Outbox::restore_from(const Quarantine& q) {
    const OutboxRead read = read_outbox(q.dir / file_.filename());
    opening_.left = read.unreadable;
    const std::string_view doing = "carrying records over from the quarantined outbox";
    Transaction t(db_, file_, doing);
    Stmt s(db_, file_,
           "INSERT OR IGNORE INTO records (id, kind, created, body, state, attempts, last_error) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)");
    for (const SavedRecord& r : read.records) {
        if (r.state != "pending" && r.state != "rejected") continue;
        if (!r.problem.empty()) {
            ++opening_.left;
            continue;
        }
        const Record record = record_from_json(nlohmann::json::parse(r.body));
        s.bind(1, record.id).bind(2, kind_name(record.kind)).bind(3, to_ms(record.created)).bind(4, r.body);
        s.bind(5, r.state).bind(6, static_cast<std::int64_t>(r.attempts)).bind(7, bounded(r.last_error));
        s.step(doing);
        opening_.restored += sqlite3_changes(db_);
        s.reset();
    }
    t.commit();
}

int Outbox::schema_version() const {
    Stmt s(db_, file_, "PRAGMA user_version");
    s.step();
    return static_cast<int>(s.integer(0));
}

std::string Outbox::pragma(std::string_view name) const {
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string_view::npos)
        throw OutboxError(Cause::Other, "not a PRAGMA name: " + std::string(name));
    Stmt s(db_, file_, "PRAGMA " + std::string(name));
    return s.step() ? s.text(0) : std::string();
}

void Outbox::add(const Record& r) {
    const std::string body = to_json(r).dump();
    if (!insert_) {
        static constexpr std::string_view sql =
            "INSERT INTO records (id, kind, created, body, state) VALUES (?, ?, ?, ?, 'pending')";
        int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &insert_, nullptr);
        if (rc != SQLITE_OK) throw error_for(db_, rc, file_, "saving a record");
    }
    sqlite3_bind_text(insert_, 1, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 2, kind_name(r.kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 3, to_ms(r.created));
    sqlite3_bind_text(insert_, 4, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    sqlite3_clear_bindings(insert_);
    if (rc == SQLITE_DONE) return;
    // Some errors leave a transaction open: end it, so that nothing of this record stays.
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        throw OutboxError(Cause::Other, "the outbox " + file_.string() + " already holds a record with the id " + r.id);
    throw error_for(db_, rc, file_, "saving a record");
}

OutboxStatus OutboxStatus::none() {
    OutboxStatus st;
    for (State s : {State::Pending, State::Sent, State::Rejected})
        for (Kind k : {Kind::Interest, Kind::Stats}) st.counts[state_name(s)][kind_name(k)] = 0;
    return st;
}

std::int64_t OutboxStatus::count(State s) const {
    std::int64_t n = 0;
    if (auto it = counts.find(state_name(s)); it != counts.end())
        for (const auto& [kind, c] : it->second) n += c;
    return n;
}

OutboxStatus Outbox::status(system_clock::time_point now) const {
    OutboxStatus st = OutboxStatus::none();
    Stmt counts(db_, file_, "SELECT state, kind, count(*) FROM records GROUP BY state, kind");
    while (counts.step()) {
        st.counts[counts.text(0)][counts.text(1)] = counts.integer(2);
        st.total += counts.integer(2);
    }
    Stmt oldest(db_, file_, "SELECT min(created) FROM records WHERE state = 'pending'");
    if (oldest.step() && !oldest.null(0))
        st.oldest_pending_age = std::max(seconds(0), floor<seconds>(now - from_ms(oldest.integer(0))));
    return st;
}

std::vector<StoredRecord> Outbox::list(const std::vector<State>& states, std::size_t limit) const {
    std::string sql = kStoredColumns;
    if (!states.empty()) {
        sql += " WHERE state IN (";
        for (std::size_t i = 0; i < states.size(); ++i) sql += (i ? ", '" : "'") + std::string(state_name(states[i])) + "'";
        sql += ")";
    }
    sql += " ORDER BY created, rowid LIMIT ?";
    Stmt s(db_, file_, sql);
    s.bind(1, sql_limit(limit));
    std::vector<StoredRecord> out;
    while (s.step()) out.push_back(stored_from(s, file_));
    return out;
}

std::optional<StoredRecord> Outbox::find(const std::string& id) const {
    Stmt s(db_, file_, std::string(kStoredColumns) + " WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return stored_from(s, file_);
}

std::vector<Record> Outbox::pending(std::size_t limit) const {
    Stmt s(db_, file_, "SELECT id, body FROM records WHERE state = 'pending' ORDER BY created, rowid LIMIT ?");
    s.bind(1, sql_limit(limit));
    std::vector<Record> out;
    while (s.step()) out.push_back(parse_body(s.text(0), s.text(1), file_));
    return out;
}

std::vector<Outbox::StoredText> Outbox::pending_texts(std::size_t limit,
                                                      std::optional<std::pair<std::int64_t, std::int64_t>> after) const {
    // json_valid: a damaged text in a batch would make the whole batch unreadable, again and again.
    Stmt s(db_, file_,
           "SELECT id, body, created, rowid FROM records WHERE state = 'pending' AND (created, rowid) > (?, ?) "
           "AND json_valid(body) ORDER BY created, rowid LIMIT ?");
    s.bind(1, after ? after->first : INT64_MIN).bind(2, after ? after->second : INT64_MIN).bind(3, sql_limit(limit));
    std::vector<StoredText> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), {s.integer(2), s.integer(3)}});
    return out;
}

void Outbox::mark_sent(const std::vector<std::string>& ids, system_clock::time_point when, bool when_is_trusted) {
    const std::string_view doing = "marking records sent";
    Transaction t(db_, file_, doing);
    Stmt s(db_, file_,
           "UPDATE records SET state = 'sent', sent_at = ?, retain_from = ?, last_error = '' "
           "WHERE id = ? AND state = 'pending'");
    for (const auto& id : ids) {
        s.bind(1, to_ms(when));
        if (when_is_trusted)
            s.bind(2, to_ms(when));
        else
            s.bind_null(2);
        s.bind(3, id).step(doing);
        s.reset();
    }
    t.commit();
}

void Outbox::mark_rejected(const std::string& id, const std::string& reason) {
    Stmt s(db_, file_, "UPDATE records SET state = 'rejected', last_error = ? WHERE id = ? AND state = 'pending'");
    s.bind(1, bounded(reason)).bind(2, id).step("marking a record rejected");
}

void Outbox::note_failure(const std::vector<std::string>& ids, const std::string& error) {
    const std::string_view doing = "noting a failed delivery";
    const std::string kept = bounded(error);
    Transaction t(db_, file_, doing);
    Stmt s(db_, file_,
           "UPDATE records SET attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'");
    for (const auto& id : ids) {
        s.bind(1, kept).bind(2, id).step(doing);
        s.reset();
    }
    t.commit();
}

std::int64_t Outbox::reject_unsendable() {
    const std::string_view doing = "setting aside a damaged record";
    // The row breaks the schema's json_valid check already; changing its
    // state must not trip over it.
    exec(db_, file_, "PRAGMA ignore_check_constraints = ON", doing);
    std::int64_t n = 0;
    try {
        Stmt s(db_, file_,
               "UPDATE records SET state = 'rejected', last_error = 'the record stored on this device is damaged (its "
               "text is not JSON): it cannot be sent; the hand-over export reports it' "
               "WHERE state = 'pending' AND NOT json_valid(body)");
        s.step(doing);
        n = sqlite3_changes64(db_);
    } catch (...) {
        sqlite3_exec(db_, "PRAGMA ignore_check_constraints = OFF", nullptr, nullptr, nullptr);
        throw;
    }
    exec(db_, file_, "PRAGMA ignore_check_constraints = OFF", doing);
    return n;
}

void Outbox::save_sync_state(const nlohmann::json& state) {
    Stmt s(db_, file_, "INSERT OR REPLACE INTO sync_state (id, body) VALUES (1, ?)");
    s.bind(1, state.dump()).step("saving the sync state");
}

std::optional<nlohmann::json> Outbox::sync_state() const {
    Stmt s(db_, file_, "SELECT body FROM sync_state WHERE id = 1");
    if (!s.step()) return std::nullopt;
    nlohmann::json j = nlohmann::json::parse(s.text(0), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;  // only informative: never worth refusing the outbox
    return j;
}

std::int64_t Outbox::purge(std::optional<system_clock::time_point> trusted_now) {
    if (!trusted_now) return 0;
    const std::string_view doing = "purging old records";
    Transaction t(db_, file_, doing);
    Stmt start(db_, file_, "UPDATE records SET retain_from = ? WHERE state = 'sent' AND retain_from IS NULL");
    start.bind(1, to_ms(*trusted_now)).step(doing);
    Stmt s(db_, file_, "DELETE FROM records WHERE state = 'sent' AND retain_from < ?");
    s.bind(1, to_ms(*trusted_now - days(options_.retention_days))).step(doing);
    const std::int64_t n = sqlite3_changes64(db_);
    t.commit();
    return n;
}

std::int64_t Outbox::drop(const std::vector<std::string>& ids, bool rejected) {
    const std::string_view doing = "deleting records";
    Transaction t(db_, file_, doing);
    std::int64_t n = 0;
    Stmt one(db_, file_, "DELETE FROM records WHERE id = ?");
    for (const auto& id : ids) {
        one.bind(1, id).step(doing);
        n += sqlite3_changes64(db_);
        one.reset();
    }
    if (rejected) {
        Stmt all(db_, file_, "DELETE FROM records WHERE state = 'rejected'");
        all.step(doing);
        n += sqlite3_changes64(db_);
    }
    t.commit();
    return n;
}

}  // namespace vitrine::platform
