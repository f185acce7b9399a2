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
    std::uint64_t installed_count = 0;  // grows with every install and rollback: "reload the current pack"
    // The outcome of the last staff request (request_install, request_rollback):
    // one of the two is set, in words a staff member can act on; both are
    // empty while a request is pending.
    std::string last_action_error;
    std::string last_action_done;
    bool action_pending = false;  // a request waits for or runs on the watcher's thread
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
    // One scan on the calling thread (what the worker does each time): look
    // at the sticks, run the staff requests, then the automatic install.
    void scan_now();
    std::shared_ptr<const WatcherStatus> status() const;

    // Staff actions, run on the watcher's thread (never the caller's), which
    // they wake at once; the outcome and progress show in status().
    // Installs that found pack even with auto_install off; allow_downgrade
    // for an older version (or the same one again, or another pack id).
    void request_install(const std::filesystem::path& pack_dir, bool allow_downgrade);
    // PackStore::rollback(): the previous pack becomes current again. The
    // version left is then not installed again automatically from a stick
    // (a later version is).
    void request_rollback();

    // Candidate pack directories under `dirs`, at most `max_depth` levels down.
    static std::vector<std::filesystem::path> find_packs(const std::vector<std::filesystem::path>& dirs,
                                                         int max_depth);

private:
    struct Seen {
        std::string fingerprint;
        FoundPack found;
    };
    struct Request {
        enum class Kind { Install, Rollback } kind = Kind::Install;
        std::filesystem::path pack_dir;
        bool allow_downgrade = false;
    };
    FoundPack examine(const std::filesystem::path& dir) const;
    void publish();
    void enqueue(Request request);
    void scan();
    void auto_install();
    void install_found(FoundPack& f, bool allow_downgrade);
    void run_requests();
    void run_install(const Request& r);
    void run_rollback();
    void refresh_relations();

    PackStore& store_;
    Options options_;
    std::map<std::filesystem::path, Seen> seen_;  // scan thread only
    std::uint64_t installed_count_ = 0;           // scan thread only
    std::string last_action_error_, last_action_done_;  // scan thread only
    std::string rolled_back_id_;                        // scan thread only: the pack and version
    std::int64_t rolled_back_version_ = 0;              // a staff rollback left

    mutable std::mutex mu_;
    std::shared_ptr<const WatcherStatus> status_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::vector<Request> requests_;  // staff requests, oldest first
    bool running_request_ = false;
    std::thread thread_;
};

}  // namespace vitrine::content
