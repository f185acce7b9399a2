// The outbox: one SQLite database (WAL, synchronous=FULL, foreign keys on)
// holding every record until the platform has it. Schema versioned with
// PRAGMA user_version, migrated forward on open. One Outbox per thread:
// the kiosk's UI thread adds, the sync worker opens its own.
//
// It never writes to a file it does not understand: the first connection
// checks the database and its write-ahead log read-only before anything can
// be checkpointed, and a foreign, damaged or newer set of files is moved
// aside whole (platform/outbox_files.hpp) or refused untouched. It never
// deletes a record that was not delivered: purge() deletes sent records
// only, by a time the platform vouched for.
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
    enum class Cause { DiskFull, ReadOnly, Corrupt, Foreign, Newer, Busy, Other };
    OutboxError(Cause cause, const std::string& what, std::string why = {})
        : std::runtime_error(what), cause(cause), why(std::move(why)) {}
    Cause cause;
    std::string why;  // Corrupt: what is wrong with the file, in a few words
};

enum class State { Pending, Sent, Rejected };
const char* state_name(State s);  // "pending", "sent", "rejected"

// What a set of outbox files is, read without writing (outbox_files.hpp).
enum class Verdict {
    Missing,  // no database file
    Sound,    // an outbox of this program (or an empty new database)
    Foreign,  // another program's database, or a write-ahead log that is not this database's
    Damaged,  // not a database, or one that fails its integrity check
    Newer,    // an outbox of a newer vitrine (schema above kSchemaVersion)
};
const char* verdict_name(Verdict v);  // "missing", "sound", "foreign", "damaged", "newer"

// A set of outbox files moved aside: <data>/quarantine/<name>/ holding the
// database, its -wal and -shm as they were, and reason.txt.
struct Quarantine {
    std::filesystem::path dir;
    Verdict verdict = Verdict::Damaged;
    std::string why;  // one line for staff
    std::optional<std::chrono::system_clock::time_point> when;  // by the device's clock
};

struct OutboxOptions {
    int retention_days = 30;  // sent records are purged this long after the platform acknowledged them
    // synchronous=NORMAL instead of FULL on this connection: its commits stay
    // atomic but the last ones may be lost by a power cut. Only for the sync
    // side, whose writes (sent, rejected, failure counts) can be lost without
    // harm: the records are then sent again and the platform deduplicates.
    // Never for a connection that adds records.
    bool relaxed_marks = false;
    // A foreign, damaged or newer set of files found by the first
    // connection: refused with an OutboxError and left as it is, or moved
    // to quarantine/ and replaced by a new outbox holding every pending and
    // rejected record that could be read from it (what the device does).
    enum class OnDamage { Refuse, Quarantine } on_damage = OnDamage::Refuse;
    // How long to wait for other connections (a `vitrine queue` command
    // reading) to let go of the files, so as to check them alone. The
    // kiosk's first connection waits; one opened beside it need not.
    std::chrono::milliseconds wait_alone{0};
};

struct StoredRecord {
    Record record;
    State state = State::Pending;
    int attempts = 0;
    std::string last_error;  // last sync failure, or the platform's reason for a rejection
    std::optional<std::chrono::system_clock::time_point> sent_at;
};

// to_json(record) plus "state", "attempts", "last_error" and, once sent,
// "sent_at": an entry of `vitrine queue list`, a line of the hand-over.
nlohmann::json to_json(const StoredRecord& r);

// A row as stored, read without interpreting the record (outbox_files.hpp):
// what is handed over even when this program cannot read the record.
struct SavedRecord {
    std::string id, kind, state;
    std::int64_t created_ms = 0;  // the record's created, ms since the epoch
    std::string body;             // the record's JSON text
    int attempts = 0;
    std::string last_error;
    std::optional<std::int64_t> sent_at_ms;
    std::string problem;  // "" when `body` is a record this program reads; else why not
};

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

// The longest reason or error kept with a record (bytes, cut at a character).
inline constexpr std::size_t kMaxReasonBytes = 1000;

class Outbox {
public:
    static constexpr int kSchemaVersion = 4;
    // PRAGMA application_id of an outbox from schema 4 on: "VITR".
    static constexpr std::int64_t kApplicationId = 0x56495452;

    // Opens or creates the database and migrates it; throws OutboxError
    // (Corrupt, Foreign or Newer for files it will not write to, ReadOnly,
    // DiskFull ...), with a message staff can act on. What it found and did
    // is in opening().
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
    // `when`: the platform's time of the acknowledgement when it gave one
    // (then the retention runs from it), else the device's (and the
    // retention starts at the next purge that has a trusted time).
    void mark_sent(const std::vector<std::string>& ids, std::chrono::system_clock::time_point when,
                   bool when_is_trusted = false);
    // Reasons and errors are kept to kMaxReasonBytes.
    void mark_rejected(const std::string& id, const std::string& reason);
    void note_failure(const std::vector<std::string>& ids, const std::string& error);
    // Pending records whose stored text is not even JSON (a damaged page)
    // can never be sent: they become rejected, with that reason, instead of
    // blocking every batch. Returns how many.
    std::int64_t reject_unsendable();

    // The sync client's last known state (a JSON object it defines), kept
    // for `vitrine status` and the next start. None before the first save.
    void save_sync_state(const nlohmann::json& state);
    std::optional<nlohmann::json> sync_state() const;

    // Deletes the sent records acknowledged more than retention_days before
    // `trusted_now`: a time the device can trust (the platform's clock), not
    // merely its own. None: nothing is deleted. Sent records whose
    // acknowledgement time is not trusted start their retention at the
    // first purge with a trusted time, so a wrong clock can only delay a
    // deletion. Pending and rejected records are never deleted here.
    // Returns how many were deleted.
    std::int64_t purge(std::optional<std::chrono::system_clock::time_point> trusted_now);
    // What only staff do (`vitrine queue drop`): deletes the records with
    // these ids, whatever their state, and every rejected record when
    // `rejected` is true. Returns how many were deleted.
    std::int64_t drop(const std::vector<std::string>& ids, bool rejected);

    int schema_version() const;
    const std::filesystem::path& file() const { return file_; }
    // The value of a PRAGMA on this connection ("journal_mode",
    // "synchronous", "busy_timeout" ...), for diagnostics and tests.
    std::string pragma(std::string_view name) const;

    // The schema steps, in order: migrations()[i] takes a database from
    // version i to i + 1 (run in one transaction with the user_version).
    static const std::vector<std::string_view>& migrations();

    // What opening found: the files set aside and what was carried over.
    struct Opening {
        std::optional<Quarantine> quarantined;
        std::int64_t restored = 0;  // pending and rejected records carried into the new outbox
        std::int64_t left = 0;      // records of the quarantined files that could not be carried
    };
    const Opening& opening() const { return opening_; }

private:
    void open_connection();
    void migrate();
    void restore_from(const Quarantine& q);

    std::filesystem::path file_;
    OutboxOptions options_;
    int lock_fd_ = -1;  // flock(2) on <file>.lock: shared while open, exclusive while checking
    sqlite3* db_ = nullptr;
    sqlite3_stmt* insert_ = nullptr;  // add()'s statement, prepared once
    Opening opening_;
};

}  // namespace vitrine::platform
