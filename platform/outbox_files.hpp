// The outbox's files as they lie on disk (outbox.db, its -wal and -shm),
// read without writing a byte to them: what they are (inspect), every
// record that can still be read from them (read_outbox, hand_over), and
// setting a bad set aside whole (quarantine). `vitrine queue` works through
// these, so it works on a read-only partition and on a damaged file.
//
// Never writes to the database or its log. SQLite may make an -shm file
// beside them to read a log; a log on a partition where it cannot is read
// from a private copy.
#pragma once
#include "platform/outbox.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vitrine::platform {

struct Inspection {
    Verdict verdict = Verdict::Missing;
    std::string why;  // Foreign, Damaged, Newer: one line for staff
    int schema = 0;   // PRAGMA user_version as read (0 when unknown)
};

// What the files are. `alone`: no connection has them open, so the
// database file can also be read without its log, to check that the log
// belongs to it (a log copied from another database would otherwise be
// checkpointed into it by the next writer). Throws OutboxError only for
// what is not a verdict (Busy, a file that cannot be opened at all).
Inspection inspect(const std::filesystem::path& file, bool alone);

struct OutboxRead {
    Inspection inspection;
    std::vector<SavedRecord> records;  // every record that could be read, each id once, oldest first
    std::int64_t unreadable = 0;       // records known to exist that could not be read
    std::vector<std::string> notes;    // what could not be read, for staff (no personal data)
    std::optional<nlohmann::json> sync_state;  // Outbox::sync_state(), from a sound outbox
};
// Every record that can be read from the files: all of them from a sound
// outbox; from a damaged one what is left of it; from one whose log is
// another database's, the database alone too.
OutboxRead read_outbox(const std::filesystem::path& file);

// Counts by state and kind, and the oldest pending record's age.
OutboxStatus status_of(const std::vector<SavedRecord>& records, std::chrono::system_clock::time_point now);

// A line of the hand-over and an entry of `vitrine queue list --json`: the
// record as stored plus "state", "attempts", "last_error" and, once sent,
// "sent_at". None when its text is not a JSON object.
std::optional<nlohmann::json> hand_over_line(const SavedRecord& r);

// Moves the database, its -wal and -shm into a new directory
// <dir of file>/quarantine/<stem>-<UTC time>-<verdict>/ with a reason.txt,
// and syncs both directories. The files are renamed, never copied or changed.
Quarantine quarantine(const std::filesystem::path& file, const Inspection& found,
                      std::chrono::system_clock::time_point now);
// The quarantined sets of `file`, oldest first.
std::vector<Quarantine> quarantined(const std::filesystem::path& file);

// What Outbox's opening did, in one line for the log ("" when it found the
// files sound): what was wrong, where the files went, what was carried over.
std::string describe(const Outbox::Opening& opening);

struct HandOver {
    Inspection outbox;                 // what the outbox itself is
    std::string text;                  // JSON lines (hand_over_line), sealed parts sealed
    std::int64_t records = 0;          // lines in `text`
    std::int64_t from_quarantine = 0;  // of which from quarantined sets (they carry "quarantine": NAME)
    std::int64_t unreadable = 0;       // records known to exist that could not be handed over
    std::vector<std::string> notes;
};
// Every pending and rejected record of the outbox and of its quarantined
// sets, each id once (the outbox's own first, then the quarantined sets'
// records that the outbox does not hold): what `vitrine queue export` and
// the staff screen's export hand over.
HandOver hand_over(const std::filesystem::path& file);

// Writes `text` to `target` whole or not at all: a temporary file beside
// it, fsynced, renamed over it, and the directory synced. Throws
// OutboxError (DiskFull, ReadOnly, Other) naming the file.
void write_whole(const std::filesystem::path& target, const std::string& text);

}  // namespace vitrine::platform
