// Helpers of the platform suites: sample records (sealed with the
// test-only key pair of support/seal_keys.hpp), raw
// SQLite access to check what the outbox wrote, and a small tmpfs for the
// full-disk and read-only cases.
#pragma once
#include "platform/outbox.hpp"
#include "platform/seal.hpp"
#include "support/seal_keys.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace vitrine::test {

using namespace std::chrono_literals;
using SysTime = std::chrono::system_clock::time_point;

// 2026-01-05 09:00:00 UTC, the ManualClock's start.
inline const SysTime kMonday9 = SysTime(std::chrono::seconds(1767603600));

inline platform::RecordContext test_context() { return {"kiosk-07", "salon-2026", "test-pack", 3}; }

// An interest record with a sealed name and e-mail.
inline platform::Record sample_interest(const TestKeyPair& keys, SysTime created,
                                        const std::string& email = "jeanne.dupont@example.org") {
    nlohmann::json payload = {{"answers", {{"sector", "aerospace"}, {"level", "master"}}},
                              {"consent", {{"contact", true}, {"version", 1}}}};
    return platform::make_interest(test_context(), created, "fr", payload,
                                   {{"name", platform::seal(keys.key(), "Jeanne Dupont")},
                                    {"email", platform::seal(keys.key(), email)}});
}

inline platform::Record sample_stats(SysTime created) {
    return platform::make_stats(test_context(), created, {{"hour", "2026-01-05T08:00:00Z"}, {"flows", {{"started", 2}}}});
}

// A raw SQLite connection, to look at the outbox from outside.
struct RawDb {
    sqlite3* db = nullptr;
    explicit RawDb(const fs::path& file) {
        if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + file.string());
    }
    ~RawDb() { sqlite3_close(db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error(sql + ": " + msg);
        }
    }
    // The first column of the first row, as text ("" when no row).
    std::string value(const std::string& sql, const std::string& param = {}) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
            throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
        if (!param.empty()) sqlite3_bind_text(s, 1, param.c_str(), -1, SQLITE_TRANSIENT);
        std::string out;
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW && sqlite3_column_text(s, 0)) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + sqlite3_errstr(rc));
        return out;
    }
};

// The OutboxError that `f` throws (REQUIREd).
template <class F>
platform::OutboxError outbox_error_of(F&& f) {
    try {
        f();
    } catch (const platform::OutboxError& e) { return e; }
    FAIL("no OutboxError was thrown");
    throw std::logic_error("unreachable");
}

// The -wal of an unrelated SQLite database, as it lies while that database
// is open (made in `dir`).
inline std::string unrelated_wal(const fs::path& dir) {
    const fs::path other = dir / "photos.db";
    RawDb db(other);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
            "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT, data BLOB)");
    for (int i = 0; i < 60; ++i) db.exec("INSERT INTO photos (name, data) VALUES ('p', randomblob(900))");
    return read_file(other.string() + "-wal");
}

// A tmpfs of `size` mounted on `dir` for the scope (root only: check
// `mounted`, the caller says why it skips).
struct Tmpfs {
    fs::path dir;
    bool mounted = false;
    Tmpfs(const fs::path& where, const std::string& size) : dir(where) {
        if (::geteuid() != 0) return;
        fs::create_directories(dir);
        mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    }
    ~Tmpfs() {
        if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
    }
    bool remount(bool read_only) {
        unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
        return ::mount("tmpfs", dir.c_str(), "tmpfs", flags, nullptr) == 0;
    }
    Tmpfs(const Tmpfs&) = delete;
    Tmpfs& operator=(const Tmpfs&) = delete;
};

}  // namespace vitrine::test
