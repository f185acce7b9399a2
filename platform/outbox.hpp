// The outbox: one SQLite database (WAL, synchronous=FULL, foreign keys on)
// holding every record until the platform has it. Schema versioned with
// PRAGMA user_version, migrated forward on open. One Outbox per thread:
// the kiosk's UI thread adds, the sync worker opens its own.
#pragma once
#include "platform/record.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace vitrine::platform {

class OutboxError : public std::runtime_error {
public:
    enum class Cause { DiskFull, ReadOnly, Corrupt, Busy, Other };
    OutboxError(Cause cause, const std::string& what) : std::runtime_error(what), cause(cause) {}
    Cause cause;
};

enum class State { Pending, Sent, Rejected };
const char* state_name(State s);  // "pending", "sent", "rejected"

struct OutboxOptions {
    int retention_days = 30;  // sent records are purged after this
    int max_age_days = 730;   // every record is purged after this (CNIL maximum for candidate data)
    // synchronous=NORMAL instead of FULL on this connection: its commits stay
    // atomic but the last ones may be lost by a power cut. Only for the sync
    // side, whose writes (sent, rejected, failure counts) can be lost without
    // harm: the records are then sent again and the platform deduplicates.
    // Never for a connection that adds records.
    bool relaxed_marks = false;
};

struct StoredRecord {
    Record record;
    State state = State::Pending;
    int attempts = 0;
    std::string last_error;  // last sync failure, or the platform's reason for a rejection
    std::optional<std::chrono::system_clock::time_point> sent_at;
};

// to_json(record) plus "state", "attempts", "last_error" and, once sent,
// "sent_at": a line of `export_jsonl`, an entry of `vitrine queue list`.
nlohmann::json to_json(const StoredRecord& r);

struct OutboxStatus {
    // counts[state][kind], every state and kind present (0 when none)
    std::map<std::string, std::map<std::string, std::int64_t>> counts;
    std::optional<std::chrono::seconds> oldest_pending_age;
    std::int64_t total = 0;
    // An empty outbox: every count 0.
    static OutboxStatus none();
    // Records in `s`, every kind together.
    std::int64_t count(State s) const;
};

class Outbox {
public:
    static constexpr int kSchemaVersion = 3;

    // Opens or creates the database and migrates it; throws OutboxError
    // (Corrupt for a file that is not a database or fails its quick check,
    // ReadOnly, DiskFull ...), with a message staff can act on.
    explicit Outbox(const std::filesystem::path& file, OutboxOptions options = {});
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    // Committed (fsynced) when it returns; throws OutboxError otherwise, and
    // then nothing was saved.
    void add(const Record& r);

    OutboxStatus status(std::chrono::system_clock::time_point now) const;
    // Oldest first. Empty `states`: all.
    std::vector<StoredRecord> list(const std::vector<State>& states = {}, std::size_t limit = SIZE_MAX) const;
    std::optional<StoredRecord> find(const std::string& id) const;

    // Sync side: the oldest pending records, then the outcome of a batch.
    std::vector<Record> pending(std::size_t limit) const;
    // The same records as stored: id and JSON text (what to_json gave when
    // it was added), for sending without parsing them again. `after`: only
    // those that come after that one in the order (its `position`).
    struct StoredText {
        std::string id, json;
        std::pair<std::int64_t, std::int64_t> position;  // (created, rowid): the order of pending()
    };
    std::vector<StoredText> pending_texts(std::size_t limit,
                                          std::optional<std::pair<std::int64_t, std::int64_t>> after = {}) const;
    void mark_sent(const std::vector<std::string>& ids, std::chrono::system_clock::time_point when);
    void mark_rejected(const std::string& id, const std::string& reason);
    void note_failure(const std::vector<std::string>& ids, const std::string& error);

    // The sync client's last known state (a JSON object it defines), kept
    // for `vitrine status` and the next start. None before the first save.
    void save_sync_state(const nlohmann::json& state);
    std::optional<nlohmann::json> sync_state() const;

    // Deletes sent records older than retention_days and any record older
    // than max_age_days. Returns how many were deleted.
    std::int64_t purge(std::chrono::system_clock::time_point now);

    // JSON lines of every pending and rejected record (sealed parts stay
    // sealed), written to a temporary file, fsynced and renamed over `file`.
    // Returns how many records were written.
    std::int64_t export_jsonl(const std::filesystem::path& file) const;
    // What export_jsonl writes, in memory (the USB export checks the space
    // it needs first); `records` receives how many lines it holds.
    std::string export_text(std::int64_t* records = nullptr) const;

    int schema_version() const;
    const std::filesystem::path& file() const { return file_; }
    // The value of a PRAGMA on this connection ("journal_mode",
    // "synchronous", "busy_timeout" ...), for diagnostics and tests.
    std::string pragma(std::string_view name) const;

    // The schema steps, in order: migrations()[i] takes a database from
    // version i to i + 1 (run in one transaction with the user_version).
    static const std::vector<std::string_view>& migrations();

private:
    void migrate();

    std::filesystem::path file_;
    OutboxOptions options_;
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;  // add()'s statement, prepared once
};

}  // namespace vitrine::platform
