// What the staff screen shows of the device, gathered on a thread of its
// own: the outbox's counts (through a connection of its own), the outboxes
// set aside, the installed packs, the free space, the network addresses,
// the sticks to export to, the recent problems. The UI thread only takes the
// latest snapshot, so it never waits on the disk, SQLite or the network.
#pragma once
#include "content/store.hpp"
#include "kiosk/config.hpp"
#include "kiosk/log.hpp"
#include "platform/outbox.hpp"
#include "platform/outbox_files.hpp"
#include "platform/status.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vitrine {

struct StaffSnapshot {
    std::optional<platform::OutboxStatus> queue;  // none when the kiosk has no outbox open
    std::string queue_error;                      // why the counts could not be read
    std::vector<platform::Quarantine> set_aside;  // outboxes moved to quarantine/
    platform::DeviceInfo device;
    std::vector<std::string> addresses;
    std::vector<LogLine> problems;
    std::optional<content::InstalledPack> current, previous;
    std::vector<std::filesystem::path> sticks;
};

class StaffProbe {
public:
    // `store` is read (list()) from the probe's thread: PackStore's readers
    // are safe beside its writer, the watcher.
    StaffProbe(Config config, const content::PackStore& store);
    ~StaffProbe();
    StaffProbe(const StaffProbe&) = delete;
    StaffProbe& operator=(const StaffProbe&) = delete;

    // Called each frame the staff screen shows: a new snapshot once a
    // second, with the counts as of `now` (the kiosk's clock), read only
    // while the kiosk has its own outbox open.
    void watch(std::chrono::system_clock::time_point now, bool outbox_open);
    // A new snapshot at once (after an action); with `forget`, the current
    // one is dropped first (staff mode opens: nothing stale is shown).
    void refresh(bool forget = false);
    // The latest snapshot; null until the first one is gathered.
    std::shared_ptr<const StaffSnapshot> latest() const;

private:
    void run();
    StaffSnapshot gather(std::chrono::system_clock::time_point now, bool outbox_open);

    const Config config_;
    const content::PackStore& store_;
    std::unique_ptr<platform::Outbox> outbox_;  // the probe thread's own connection

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool wanted_ = false;  // watch() or refresh() since the last snapshot
    bool urgent_ = false;  // refresh(): no waiting for the second to pass
    std::chrono::system_clock::time_point now_{};
    bool outbox_open_ = false;
    std::uint64_t generation_ = 0;  // counts refresh(true)
    std::shared_ptr<const StaffSnapshot> latest_;
    std::thread thread_;
};

}  // namespace vitrine
