// Watches the directories where USB sticks are mounted for content packs,
// checks each one it finds, and (with auto_install) installs a valid pack
// that is newer than the current one. Runs on its own thread and publishes
// immutable status snapshots: a UI polls status() and never waits on disk.
#pragma once
#include "minisign.hpp"
#include "store.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vitrine::content {

struct FoundPack {
    enum class State {
        Invalid,     // refused: `message` says why
        Ready,       // valid; see `relation`
        Installing,  // `progress` moves
        Installed,   // now the current pack
        Failed,      // install refused or interrupted: `message` says why
    };
    std::filesystem::path path;
    std::string id;
    std::int64_t version = 0;
    std::string title;
    State state = State::Invalid;
    Relation relation = Relation::NothingInstalled;
    std::string message;
    Progress progress;
};

const char* state_name(FoundPack::State s);

struct WatcherStatus {
    std::vector<FoundPack> packs;      // what the sticks hold now
    std::uint64_t installed_count = 0;  // grows with every install: "a new pack is ready"
};

class PackWatcher {
public:
    struct Options {
        std::vector<std::filesystem::path> dirs;
        std::vector<PublicKey> trusted;
        bool auto_install = true;
        std::chrono::milliseconds interval{2000};
        int max_depth = 3;
    };

    PackWatcher(PackStore& store, Options options);
    ~PackWatcher();
    PackWatcher(const PackWatcher&) = delete;
    PackWatcher& operator=(const PackWatcher&) = delete;

    void start();  // scans every `interval` on a worker thread
    void stop();
    // One scan on the calling thread (what the worker does each time).
    void scan_now();
    std::shared_ptr<const WatcherStatus> status() const;

    // Candidate pack directories under `dirs`, at most `max_depth` levels down.
    static std::vector<std::filesystem::path> find_packs(const std::vector<std::filesystem::path>& dirs,
                                                         int max_depth);

private:
    struct Seen {
        std::string fingerprint;
        FoundPack found;
    };
    FoundPack examine(const std::filesystem::path& dir) const;
    void publish();

    PackStore& store_;
    Options options_;
    std::map<std::filesystem::path, Seen> seen_;  // scan thread only
    std::uint64_t installed_count_ = 0;           // scan thread only

    mutable std::mutex mu_;
    std::shared_ptr<const WatcherStatus> status_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace vitrine::content
