#include "platform/outbox.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vitrine::platform {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
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

std::int64_t to_ms(system_clock::time_point t) { return duration_cast<milliseconds>(t.time_since_epoch()).count(); }
system_clock::time_point from_ms(std::int64_t ms) { return system_clock::time_point(milliseconds(ms)); }

// Whether the file system that holds (or would hold) `file` is mounted read-only.
bool mounted_read_only(const fs::path& file) {
    std::error_code ec;
    fs::path dir = fs::absolute(file, ec).parent_path();
    while (dir.has_relative_path() && !fs::exists(dir, ec)) dir = dir.parent_path();
    struct statvfs st {};
    return ::statvfs(dir.c_str(), &st) == 0 && (st.f_flag & ST_RDONLY);
}

OutboxError disk_full(const fs::path& file) {
    return OutboxError(Cause::DiskFull, "the data partition is full: the outbox " + file.string() +
                                            " cannot take more; free some space on it (the records already "
                                            "saved are kept)");
}

OutboxError read_only(const fs::path& file) {
    if (mounted_read_only(file))
        return OutboxError(Cause::ReadOnly, "the data partition is mounted read-only (usually after a storage "
                                            "error): the outbox " + file.string() +
                                                " cannot be written; check the storage and restart the kiosk");
    return OutboxError(Cause::ReadOnly, "the outbox " + file.string() +
                                            " cannot be written by this user: check the owner and permissions "
                                            "of the file and of its directory");
}

OutboxError corrupt(const fs::path& file, const std::string& why) {
    const std::string f = file.string();
    return OutboxError(Cause::Corrupt, "the outbox " + f + " is damaged (" + why +
                                           "): its records cannot be read. Move it aside, with " + f + "-wal and " +
                                           f + "-shm if they exist, and restart the kiosk: it starts an empty "
                                           "outbox. Keep the moved file for support.");
}

// The OutboxError for SQLite's result `rc` while `doing` something.
OutboxError error_for(sqlite3* db, int rc, const fs::path& file, std::string_view doing) {
    const int primary = rc & 0xff;
    const int err = db && (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) ? sqlite3_system_errno(db) : 0;
    if (primary == SQLITE_FULL || err == ENOSPC || err == EDQUOT) return disk_full(file);
    if (primary == SQLITE_READONLY || err == EROFS ||
        ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && mounted_read_only(file)))
        return read_only(file);
    if (primary == SQLITE_NOTADB) return corrupt(file, "it is not an SQLite database");
    if (primary == SQLITE_CORRUPT) return corrupt(file, "SQLite found damaged pages");
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return OutboxError(Cause::Busy, "the outbox " + file.string() + " is locked by another program (" +
                                            std::string(doing) + "); try again");
    std::string detail = err ? std::strerror(err) : db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (primary == SQLITE_CANTOPEN)
        return OutboxError(Cause::Other, "cannot open the outbox " + file.string() + ": " + detail);
    return OutboxError(Cause::Other, "the outbox " + file.string() + ": " + std::string(doing) + ": " + detail);
}

// A prepared statement, finalized on scope exit.
class Stmt {
public:
    Stmt(sqlite3* db, const fs::path& file, std::string_view sql) : db_(db), file_(file) {
        int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
        if (rc != SQLITE_OK) throw error_for(db, rc, file, "reading it");
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, std::string_view v) {
        check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Stmt& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(s_, i, v));
        return *this;
    }
    // True while there is a row.
    bool step(std::string_view doing = "reading it") {
        int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw error_for(db_, rc, file_, doing);
    }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    std::string text(int col) const {
        auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
        return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
    bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) throw error_for(db_, rc, file_, "binding a value");
    }
    sqlite3* db_;
    const fs::path& file_;
    sqlite3_stmt* s_ = nullptr;
};

void exec(sqlite3* db, const fs::path& file, const std::string& sql, std::string_view doing) {
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) throw error_for(db, rc, file, doing);
}

// BEGIN IMMEDIATE (the write lock first, so a writer never fails on upgrade);
// rolled back unless committed.
class Transaction {
public:
    Transaction(sqlite3* db, const fs::path& file, std::string_view doing) : db_(db), file_(file), doing_(doing) {
        exec(db, file, "BEGIN IMMEDIATE", doing);
    }
    void commit() {
        exec(db_, file_, "COMMIT", doing_);
        done_ = true;
    }
    ~Transaction() {
        if (!done_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }

private:
    sqlite3* db_;
    const fs::path& file_;
    std::string_view doing_;
    bool done_ = false;
};

State state_from(const std::string& s, const fs::path& file) {
    if (s == "pending") return State::Pending;
    if (s == "sent") return State::Sent;
    if (s == "rejected") return State::Rejected;
    throw corrupt(file, "a record has the unknown state \"" + s + "\"");
}

Record parse_body(const std::string& body, const fs::path& file) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded()) throw corrupt(file, "a record is not valid JSON");  // parse errors quote the text
    try {
        return record_from_json(j);
    } catch (const std::runtime_error& e) {
        throw corrupt(file, std::string("a record cannot be read: ") + e.what());
    }
}

constexpr const char* kStoredColumns = "SELECT body, state, attempts, last_error, sent_at FROM records";

StoredRecord stored_from(const Stmt& s, const fs::path& file) {
    StoredRecord r;
    r.record = parse_body(s.text(0), file);
    r.state = state_from(s.text(1), file);
    r.attempts = static_cast<int>(s.integer(2));
    r.last_error = s.text(3);
    if (!s.null(4)) r.sent_at = from_ms(s.integer(4));
    return r;
}

std::int64_t sql_limit(std::size_t limit) {
    return limit > static_cast<std::size_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(limit);
}

OutboxError write_error(const fs::path& file, int err) {
    std::string what = "cannot write " + file.string() + ": " + std::strerror(err);
    if (err == ENOSPC || err == EDQUOT) return OutboxError(Cause::DiskFull, what + " (the target is full)");
    if (err == EROFS) return OutboxError(Cause::ReadOnly, what + " (the target is mounted read-only)");
    return OutboxError(Cause::Other, what);
}

void write_all(int fd, const std::string& data, const fs::path& file) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw write_error(file, errno);
        done += static_cast<std::size_t>(n);
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

nlohmann::json to_json(const StoredRecord& r) {
    nlohmann::json j = to_json(r.record);
    j["state"] = state_name(r.state);
    j["attempts"] = r.attempts;
    j["last_error"] = r.last_error;
    if (r.sent_at) j["sent_at"] = rfc3339(*r.sent_at);
    return j;
}

const std::vector<std::string_view>& Outbox::migrations() {
    static const std::vector<std::string_view> steps = {kSchemaV1, kSchemaV2, kSchemaV3};
    static_assert(kSchemaVersion == 3, "one step per schema version");
    return steps;
}

Outbox::Outbox(const fs::path& file, OutboxOptions options) : file_(file), options_(options) {
    std::error_code ec;
    if (file_.has_parent_path() && !fs::exists(file_.parent_path(), ec)) {
        fs::create_directories(file_.parent_path(), ec);
        if (ec) {
            if (ec.value() == EROFS) throw read_only(file_);
            if (ec.value() == ENOSPC) throw disk_full(file_);
            throw OutboxError(Cause::Other, "cannot create the directory of the outbox " + file_.string() + ": " +
                                                ec.message());
        }
    }
    try {
        int rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc != SQLITE_OK) throw error_for(db_, rc, file_, "opening it");
        sqlite3_extended_result_codes(db_, 1);
        // SQLite quietly opens a file it cannot write read-only.
        if (sqlite3_db_readonly(db_, "main") == 1) throw read_only(file_);
        sqlite3_busy_timeout(db_, 250);  // the UI thread must not wait longer on the sync worker
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
        {
            Stmt check(db_, file_, "PRAGMA quick_check");
            check.step("checking it");
            if (check.text(0) != "ok") throw corrupt(file_, "it fails its integrity check");
        }
        migrate();
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

Outbox::~Outbox() {
    sqlite3_finalize(insert_);
    sqlite3_close_v2(db_);
}

void Outbox::migrate() {
    int version = schema_version();
    if (version > kSchemaVersion)
        throw OutboxError(Cause::Other, "the outbox " + file_.string() + " was written by a newer vitrine (schema " +
                                            std::to_string(version) + ", this one knows up to " +
                                            std::to_string(kSchemaVersion) + "): install that version again");
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
    Stmt s(db_, file_, "SELECT body FROM records WHERE state = 'pending' ORDER BY created, rowid LIMIT ?");
    s.bind(1, sql_limit(limit));
    std::vector<Record> out;
    while (s.step()) out.push_back(parse_body(s.text(0), file_));
    return out;
}

std::vector<Outbox::StoredText> Outbox::pending_texts(std::size_t limit,
                                                      std::optional<std::pair<std::int64_t, std::int64_t>> after) const {
    Stmt s(db_, file_,
           "SELECT id, body, created, rowid FROM records WHERE state = 'pending' AND (created, rowid) > (?, ?) "
           "ORDER BY created, rowid LIMIT ?");
    s.bind(1, after ? after->first : INT64_MIN).bind(2, after ? after->second : INT64_MIN).bind(3, sql_limit(limit));
    std::vector<StoredText> out;
    while (s.step()) out.push_back({s.text(0), s.text(1), {s.integer(2), s.integer(3)}});
    return out;
}

void Outbox::mark_sent(const std::vector<std::string>& ids, system_clock::time_point when) {
    const std::string_view doing = "marking records sent";
    Transaction t(db_, file_, doing);
    Stmt s(db_, file_,
           "UPDATE records SET state = 'sent', sent_at = ?, last_error = '' WHERE id = ? AND state = 'pending'");
    for (const auto& id : ids) {
        s.bind(1, to_ms(when)).bind(2, id).step(doing);
        s.reset();
    }
    t.commit();
}

void Outbox::mark_rejected(const std::string& id, const std::string& reason) {
    Stmt s(db_, file_, "UPDATE records SET state = 'rejected', last_error = ? WHERE id = ? AND state = 'pending'");
    s.bind(1, reason).bind(2, id).step("marking a record rejected");
}

void Outbox::note_failure(const std::vector<std::string>& ids, const std::string& error) {
    const std::string_view doing = "noting a failed delivery";
    Transaction t(db_, file_, doing);
    Stmt s(db_, file_,
           "UPDATE records SET attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'");
    for (const auto& id : ids) {
        s.bind(1, error).bind(2, id).step(doing);
        s.reset();
    }
    t.commit();
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

std::int64_t Outbox::purge(system_clock::time_point now) {
    Stmt s(db_, file_,
           "DELETE FROM records WHERE (state = 'sent' AND coalesce(sent_at, created) < ?) OR created < ?");
    s.bind(1, to_ms(now - days(options_.retention_days))).bind(2, to_ms(now - days(options_.max_age_days)));
    s.step("purging old records");
    return sqlite3_changes64(db_);
}

std::string Outbox::export_text(std::int64_t* records) const {
    std::string data;
    std::int64_t n = 0;
    for (const auto& r : list({State::Pending, State::Rejected})) {
        data += to_json(r).dump();
        data += '\n';
        ++n;
    }
    if (records) *records = n;
    return data;
}

std::int64_t Outbox::export_jsonl(const fs::path& file) const {
    std::int64_t n = 0;
    const std::string data = export_text(&n);
    fs::path tmp = file;
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw write_error(tmp, errno);
    try {
        write_all(fd, data, tmp);
        if (::fsync(fd) != 0) throw write_error(tmp, errno);
        int rc = ::close(fd);
        fd = -1;
        if (rc != 0) throw write_error(tmp, errno);
        if (::rename(tmp.c_str(), file.c_str()) != 0) throw write_error(file, errno);
    } catch (...) {
        if (fd >= 0) ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        int rc = ::fsync(dfd);
        int err = errno;
        ::close(dfd);
        if (rc != 0 && err != EINVAL) throw write_error(dir, err);  // EINVAL: a file system without directory fsync
    }
    return n;
}

}  // namespace vitrine::platform
