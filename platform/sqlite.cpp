#include "platform/sqlite.hpp"

#include "base/disk.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace vitrine::platform::sql {

using Cause = OutboxError::Cause;

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

OutboxError damaged(const fs::path& file, const std::string& why) {
    const std::string f = file.string();
    return OutboxError(Cause::Corrupt, "the outbox " + f + " is damaged (" + why +
                                           "): nothing in it was changed. Restart the kiosk: it sets the file "
                                           "aside, whole, under quarantine/ beside it and starts a new outbox; "
                                           "`vitrine queue export` hands over every record that can still be read",
                       why);
}

OutboxError error_for(sqlite3* db, int rc, const fs::path& file, std::string_view doing) {
    const int primary = rc & 0xff;
    const int err = db && (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) ? sqlite3_system_errno(db) : 0;
    const base::DiskProblem problem = base::disk_problem(err);
    if (primary == SQLITE_FULL || problem == base::DiskProblem::Full) return disk_full(file);
    if (primary == SQLITE_READONLY || problem == base::DiskProblem::ReadOnly ||
        ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && mounted_read_only(file)))
        return read_only(file);
    if (primary == SQLITE_NOTADB) return damaged(file, "it is not an SQLite database");
    if (primary == SQLITE_CORRUPT) return damaged(file, "SQLite found damaged pages");
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return OutboxError(Cause::Busy, "the outbox " + file.string() + " is locked by another program (" +
                                            std::string(doing) + "); try again");
    std::string detail = err ? std::strerror(err) : db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (primary == SQLITE_CANTOPEN)
        return OutboxError(Cause::Other, "cannot open the outbox " + file.string() + ": " + detail);
    return OutboxError(Cause::Other, "the outbox " + file.string() + ": " + std::string(doing) + ": " + detail);
}

Stmt::Stmt(sqlite3* db, const fs::path& file, std::string_view sql) : db_(db), file_(file) {
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
    if (rc != SQLITE_OK) throw error_for(db, rc, file, "reading it");
}

Stmt& Stmt::bind(int i, std::string_view v) {
    check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(s_, i, v));
    return *this;
}

Stmt& Stmt::bind_null(int i) {
    check(sqlite3_bind_null(s_, i));
    return *this;
}

bool Stmt::step(std::string_view doing) {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw error_for(db_, rc, file_, doing);
}

void Stmt::reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}

void Stmt::check(int rc) {
    if (rc != SQLITE_OK) throw error_for(db_, rc, file_, "binding a value");
}

void exec(sqlite3* db, const fs::path& file, const std::string& sql, std::string_view doing) {
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) throw error_for(db, rc, file, doing);
}

Transaction::Transaction(sqlite3* db, const fs::path& file, std::string_view doing)
    : db_(db), file_(file), doing_(doing) {
    exec(db, file, "BEGIN IMMEDIATE", doing);
}

void Transaction::commit() {
    exec(db_, file_, "COMMIT", doing_);
    done_ = true;
}

Transaction::~Transaction() {
    if (!done_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

namespace {

std::mutex connections_mutex;
std::map<std::string, int> connections;  // by the file's canonical path

std::string key_of(const fs::path& file) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(file, ec);
    return (ec ? fs::absolute(file, ec) : p).string();
}

// Open file description locks (F_OFD_SETLK): per descriptor, unlike the
// POSIX locks SQLite holds on the database itself, and turned from
// exclusive to shared in one step, so that no other connection can take
// the files for itself in between.
bool ofd_lock(int fd, short type) {
    struct flock fl {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    return ::fcntl(fd, F_OFD_SETLK, &fl) == 0;
}

}  // namespace

int lock_files(const fs::path& file, bool create, bool& alone, std::chrono::milliseconds wait_alone) {
    using namespace std::chrono;
    alone = false;
    fs::path lock = file;
    lock += ".lock";
    int fd = ::open(lock.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    bool writable = fd >= 0;
    if (fd < 0) {
        const int err = errno;
        if (create) {
            const base::DiskProblem problem = base::disk_problem(err);
            if (problem == base::DiskProblem::Full) throw disk_full(file);
            if (problem == base::DiskProblem::ReadOnly || problem == base::DiskProblem::Denied) throw read_only(file);
            throw OutboxError(OutboxError::Cause::Other,
                              "cannot make the lock file " + lock.string() + ": " + std::strerror(err));
        }
        if (err == ENOENT || err == EROFS) {
            // No connection of this program has it open (one would have made
            // the lock file), or none can write where it lies.
            alone = true;
            if (err == ENOENT) return -1;
        }
        fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -1;  // not ours to lock: read without the check that needs the files alone
    }
    const auto until = steady_clock::now() + wait_alone;
    while (writable) {
        if (ofd_lock(fd, F_WRLCK)) {
            alone = true;
            return fd;
        }
        if (steady_clock::now() >= until) break;
        std::this_thread::sleep_for(milliseconds(20));
    }
    // Shared with the others; an exclusive holder is checking the files: wait for it.
    const auto give_up = steady_clock::now() + seconds(10);
    while (!ofd_lock(fd, F_RDLCK)) {
        if (steady_clock::now() >= give_up) {
            ::close(fd);
            throw OutboxError(OutboxError::Cause::Busy, "the outbox " + file.string() +
                                                            " is being checked by another program; try again");
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    return fd;
}

int outbox_connections(const fs::path& file) {
    std::lock_guard lock(connections_mutex);
    auto it = connections.find(key_of(file));
    return it == connections.end() ? 0 : it->second;
}

void count_connection(const fs::path& file, int delta) {
    std::lock_guard lock(connections_mutex);
    if ((connections[key_of(file)] += delta) <= 0) connections.erase(key_of(file));
}

void share_lock(int fd) {
    if (fd >= 0) ofd_lock(fd, F_RDLCK);
}

std::string value(sqlite3* db, const fs::path& file, const std::string& sql) {
    Stmt s(db, file, sql);
    return s.step() ? s.text(0) : std::string();
}

bool Facts::has_table(std::string_view name) const {
    return std::find(tables.begin(), tables.end(), name) != tables.end();
}

bool Facts::has_column(std::string_view name) const {
    return std::find(columns.begin(), columns.end(), name) != columns.end();
}

Facts read_facts(sqlite3* db, const fs::path& file) {
    Facts f;
    f.application_id = std::stoll("0" + value(db, file, "PRAGMA application_id"));
    f.user_version = static_cast<int>(std::stoll("0" + value(db, file, "PRAGMA user_version")));
    {
        Stmt s(db, file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                         "ORDER BY name");
        while (s.step()) f.tables.push_back(s.text(0));
    }
    if (f.has_table("records")) {
        Stmt s(db, file, "SELECT name FROM pragma_table_info('records')");
        while (s.step()) f.columns.push_back(s.text(0));
    }
    if (f.has_table("outbox_meta")) f.identity = value(db, file, "SELECT value FROM outbox_meta WHERE key = 'identity'");
    return f;
}

std::optional<Problem> problem_of(sqlite3* db, const fs::path& file, const Facts& f) {
    if (f.application_id != 0 && f.application_id != Outbox::kApplicationId)
        return Problem{Verdict::Foreign, "it belongs to another program (application id " +
                                             std::to_string(f.application_id) + ")"};
    if (f.user_version == 0 && f.tables.empty()) return std::nullopt;  // a new, empty database
    if (f.user_version <= 0) {
        std::string names;
        for (std::size_t i = 0; i < f.tables.size() && i < 5; ++i) names += (i ? ", " : "") + f.tables[i];
        return Problem{Verdict::Foreign, "it holds another program's tables (" + names + ")"};
    }
    if (f.user_version > Outbox::kSchemaVersion)
        return Problem{Verdict::Newer, "schema " + std::to_string(f.user_version) + ", this vitrine knows up to " +
                                           std::to_string(Outbox::kSchemaVersion)};
    if (!f.has_table("records") || !f.has_column("body") || !f.has_column("state"))
        return Problem{Verdict::Foreign, "it has no records table of an outbox"};
    if (f.user_version >= 4 && f.application_id != Outbox::kApplicationId)
        return Problem{Verdict::Foreign, "its schema " + std::to_string(f.user_version) +
                                             " lacks this program's application id"};
    Stmt check(db, file, "PRAGMA quick_check");
    if (check.step("checking it") && check.text(0) != "ok") {
        std::string first = check.text(0).substr(0, 160);
        for (char& c : first)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
        return Problem{Verdict::Damaged, "it fails its integrity check: " + first};
    }
    return std::nullopt;
}

}  // namespace vitrine::platform::sql
