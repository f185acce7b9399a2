// SQLite helpers of the outbox's two sources (outbox.cpp, outbox_files.cpp):
// statements finalized on scope exit, transactions rolled back unless
// committed, and SQLite's result codes turned into the OutboxError a staff
// member can act on. Internal to platform/: nothing outside includes it.
#pragma once
#include "platform/outbox.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine::platform::sql {

namespace fs = std::filesystem;

// Whether the file system that holds (or would hold) `file` is mounted read-only.
bool mounted_read_only(const fs::path& file);

OutboxError disk_full(const fs::path& file);
OutboxError read_only(const fs::path& file);
OutboxError damaged(const fs::path& file, const std::string& why);
// The OutboxError for SQLite's result `rc` while `doing` something.
OutboxError error_for(sqlite3* db, int rc, const fs::path& file, std::string_view doing);

// A prepared statement, finalized on scope exit.
class Stmt {
public:
    Stmt(sqlite3* db, const fs::path& file, std::string_view sql);
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, std::string_view v);
    Stmt& bind(int i, std::int64_t v);
    Stmt& bind_null(int i);
    // True while there is a row.
    bool step(std::string_view doing = "reading it");
    void reset();
    std::string text(int col) const;
    std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
    bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

private:
    void check(int rc);
    sqlite3* db_;
    const fs::path& file_;
    sqlite3_stmt* s_ = nullptr;
};

void exec(sqlite3* db, const fs::path& file, const std::string& sql, std::string_view doing);

// BEGIN IMMEDIATE (the write lock first, so a writer never fails on upgrade);
// rolled back unless committed.
class Transaction {
public:
    Transaction(sqlite3* db, const fs::path& file, std::string_view doing);
    void commit();
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

private:
    sqlite3* db_;
    const fs::path& file_;
    std::string_view doing_;
    bool done_ = false;
};

// flock(2) on <file>.lock, which every connection to the outbox holds
// shared while it is open (create: make the lock file if missing; a reader
// on a read-only partition has none, and needs none: nobody writes there).
// `alone` tells whether it could hold it exclusively first (trying for up
// to `wait_alone`), i.e. no other connection has the files open; the
// caller then calls share_lock(). Returns the descriptor (-1 when there is
// no lock file to take).
int lock_files(const fs::path& file, bool create, bool& alone,
               std::chrono::milliseconds wait_alone = std::chrono::milliseconds(0));
void share_lock(int fd);

// How many Outbox connections this process has open on `file`. Code that
// opens the database file itself must wait for none: closing a descriptor
// of a file drops every POSIX lock the process holds on it, SQLite's too.
int outbox_connections(const fs::path& file);
void count_connection(const fs::path& file, int delta);

// The first column of the first row as text ("" when no row).
std::string value(sqlite3* db, const fs::path& file, const std::string& sql);

// What an outbox file says about itself, read through connection `db`.
struct Facts {
    std::int64_t application_id = 0;
    int user_version = 0;
    std::vector<std::string> tables;   // every table but SQLite's own, by name
    std::vector<std::string> columns;  // of `records`, when it exists
    std::string identity;              // outbox_meta's identity (schema 4 on), "" when none
    bool has_table(std::string_view name) const;
    bool has_column(std::string_view name) const;
};
Facts read_facts(sqlite3* db, const fs::path& file);

// Why the database seen through `db` is not a sound outbox of this program
// (its identity aside), with the verdict; none when it is one (or an empty
// new database). Runs quick_check.
struct Problem {
    Verdict verdict;
    std::string why;
};
std::optional<Problem> problem_of(sqlite3* db, const fs::path& file, const Facts& facts);

}  // namespace vitrine::platform::sql
