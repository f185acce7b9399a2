// Export of the outbox to a USB stick, for hand-over when the hall has no
// network: the records exactly as `vitrine queue export` writes them (sealed
// parts stay sealed; those of outboxes set aside in quarantine/ too) plus a
// sha256sum-format checksum file. Never changes a
// record's state, never leaves a half-written file under the final name.
#pragma once
#include "platform/outbox.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitrine {

struct ExportResult {
    std::filesystem::path file, checksum_file;
    std::int64_t records = 0;
    std::int64_t unreadable = 0;  // records known to exist that could not be read, so are not in `file`
    std::uint64_t bytes = 0;  // of `file`
};

// Its message is meant for a staff member on the stand (read-only stick,
// full stick, stick gone).
class ExportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes <stick_dir>/vitrine-export-<device_id>-<UTC yyyymmddThhmmssZ>.jsonl
// and <that file>.sha256. Throws ExportError (the outbox's own errors too).
ExportResult export_queue(const std::filesystem::path& outbox_file, const std::filesystem::path& stick_dir,
                          const std::string& device_id, std::chrono::system_clock::time_point now);

// The mounted stick roots under the watch dirs: each dir's subdirectories,
// plus a dir itself when it is a mount point or holds files. Read-only ones
// are included (the export refuses them with a reason).
std::vector<std::filesystem::path> writable_sticks(const std::vector<std::filesystem::path>& watch_dirs);

}  // namespace vitrine
