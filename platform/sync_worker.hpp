// The sync worker: a thread that sends pending records whenever there are
// some and the platform answers, sends the heartbeat, purges sent records
// past their retention by the platform's clock (never by the device's
// alone: a board without a real-time clock can read 1970 or 2038), and
// publishes a SyncStatus snapshot. The UI thread never waits for it.
#pragma once
#include "platform/clock.hpp"
#include "platform/outbox.hpp"
#include "platform/status.hpp"
#include "platform/sync.hpp"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace vitrine::platform {

// How much a line of the worker's log matters; the application maps it onto
// its own log's priorities.
enum class SyncLogLevel { Error, Warning, Info };

struct SyncWorkerSetup {
    SyncSettings settings;                  // its token is read from token_file
    std::filesystem::path token_file;       // re-read after a 401/403: a new token resumes syncing
    std::filesystem::path outbox_file;      // the worker opens its own connection
    OutboxOptions outbox_options;
    std::function<DeviceInfo()> device;     // for the heartbeat; called on the worker thread
    std::chrono::seconds recheck{60};       // how often to look again when nothing else is due
    // One line per outcome that changed; never a token. Error: the worker
    // cannot run (token file, outbox); Warning: a pass failed, the device's
    // clock is far from the platform's; Info: records sent or deleted.
    std::function<void(SyncLogLevel, const std::string&)> log;
};

class SyncWorker {
public:
    // Starts the thread. `clock` must outlive the worker.
    SyncWorker(SyncWorkerSetup setup, const Clock& clock);
    ~SyncWorker();  // stops it, cutting a transfer in progress short
    SyncWorker(const SyncWorker&) = delete;
    SyncWorker& operator=(const SyncWorker&) = delete;

    // Look again now: a record was committed, or the clock was moved.
    void poke();
    // Staff asked for it: a pass now, whatever the back-off or a Retry-After
    // said; while unauthorised, the token file is read again and tried once.
    void sync_now();
    // The latest snapshot (never null).
    std::shared_ptr<const SyncStatus> status() const;
    // How many passes and heartbeats it made (tests wait on it).
    std::uint64_t rounds() const { return rounds_.load(); }
    // How many purges it ran, and the records they deleted (tests wait on it).
    std::uint64_t purges() const { return purges_.load(); }
    std::int64_t purged() const { return purged_.load(); }

private:
    void run();
    void publish(SyncStatus s);
    void wait_until(Clock::time_point t);

    SyncWorkerSetup setup_;
    const Clock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool poked_ = false;
    bool forced_ = false;  // sync_now() was called
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> rounds_{0};
    std::atomic<std::uint64_t> purges_{0};
    std::atomic<std::int64_t> purged_{0};
    std::shared_ptr<const SyncStatus> status_;
    std::thread thread_;
};

}  // namespace vitrine::platform
