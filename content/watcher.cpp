#include "watcher.hpp"

#include "error.hpp"

#include <sys/stat.h>

#include <algorithm>

namespace fs = std::filesystem;

namespace vitrine::content {
namespace {

// Changes when the stick's manifest or signature changes (or a new stick
// with the same path is plugged in).
std::string fingerprint(const fs::path& dir) {
    std::string fp;
    for (const char* name : {"manifest.json", "manifest.json.minisig"}) {
        struct stat st{};
        if (::lstat((dir / name).c_str(), &st) != 0) {
            fp += "-;";
            continue;
        }
        fp += std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) +
              ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ";";
    }
    return fp;
}

void walk(const fs::path& dir, int depth, int max_depth, std::vector<fs::path>& out) {
    struct stat st{};
    if (::lstat((dir / "manifest.json").c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        out.push_back(dir);
        return;  // a pack does not hold other packs
    }
    if (depth >= max_depth) return;
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    int budget = 1000;  // a stick full of photos must not stall the scan
    for (; !ec && it != fs::directory_iterator() && budget-- > 0; it.increment(ec)) {
        const auto& entry = *it;
        if (entry.path().filename().string().starts_with(".")) continue;
        if (entry.is_symlink(ec) || !entry.is_directory(ec)) continue;
        walk(entry.path(), depth + 1, max_depth, out);
    }
}

}  // namespace

const char* state_name(FoundPack::State s) {
    switch (s) {
    case FoundPack::State::Invalid: return "invalid";
    case FoundPack::State::Ready: return "ready";
    case FoundPack::State::Installing: return "installing";
    case FoundPack::State::Installed: return "installed";
    case FoundPack::State::Failed: return "failed";
    }
    return "?";
}

PackWatcher::PackWatcher(PackStore& store, Options options)
    : store_(store), options_(std::move(options)), status_(std::make_shared<WatcherStatus>()) {}

PackWatcher::~PackWatcher() { stop(); }

void PackWatcher::start() {
    if (thread_.joinable()) return;
    {
        std::lock_guard lk(mu_);
        stopping_ = false;
    }
    thread_ = std::thread([this] {
        std::unique_lock lk(mu_);
        while (!stopping_) {
            lk.unlock();
            scan_now();
            lk.lock();
            // A staff request wakes the thread at once.
            cv_.wait_for(lk, options_.interval, [&] { return stopping_ || !requests_.empty(); });
        }
    });
}

void PackWatcher::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const WatcherStatus> PackWatcher::status() const {
    std::lock_guard lk(mu_);
    return status_;
}

std::vector<fs::path> PackWatcher::find_packs(const std::vector<fs::path>& dirs, int max_depth) {
    std::vector<fs::path> out;
    for (const auto& d : dirs) walk(d, 0, max_depth, out);
    return out;
}

FoundPack PackWatcher::examine(const fs::path& dir) const {
    FoundPack f;
    f.path = dir;
    try {
        PackDir pack(dir);
        SignedManifest sm = read_signed_manifest(pack, options_.trusted);
        f.id = sm.manifest.pack.id;
        f.version = sm.manifest.pack.version;
        f.title = sm.manifest.text(sm.manifest.pack.title, sm.manifest.default_language());
        // Sizes only: the hashes are checked by the install itself, which
        // reads every byte once anyway.
        check_file_sizes(pack, sm.manifest);
        f.relation = relation_to(sm.manifest.pack, store_.current());
        f.state = FoundPack::State::Ready;
    } catch (const PackError& e) {
        f.state = FoundPack::State::Invalid;
        f.message = e.what();
    }
    return f;
}

void PackWatcher::publish() {
    auto s = std::make_shared<WatcherStatus>();
    for (const auto& [path, seen] : seen_) s->packs.push_back(seen.found);
    s->installed_count = installed_count_;
    s->last_action_error = last_action_error_;
    s->last_action_done = last_action_done_;
    std::lock_guard lk(mu_);
    s->action_pending = running_request_ || !requests_.empty();
    if (s->action_pending) {  // the outcome shown is the finished action's, none while one waits
        s->last_action_error.clear();
        s->last_action_done.clear();
    }
    status_ = std::move(s);
}

void PackWatcher::request_install(const fs::path& pack_dir, bool allow_downgrade) {
    enqueue({Request::Kind::Install, pack_dir, allow_downgrade});
}

void PackWatcher::request_rollback() { enqueue({Request::Kind::Rollback, {}, false}); }

// A staff request: queued for the scan thread, and shown as pending at once.
void PackWatcher::enqueue(Request request) {
    {
        std::lock_guard lk(mu_);
        requests_.push_back(std::move(request));
        auto s = std::make_shared<WatcherStatus>(*status_);
        s->action_pending = true;
        s->last_action_error.clear();
        s->last_action_done.clear();
        status_ = std::move(s);
    }
    cv_.notify_all();
}

void PackWatcher::scan_now() {
    scan();
    run_requests();
    if (options_.auto_install) auto_install();
    publish();
}

void PackWatcher::run_requests() {
    for (;;) {
        Request r;
        {
            std::lock_guard lk(mu_);
            if (requests_.empty()) return;
            r = std::move(requests_.front());
            requests_.erase(requests_.begin());
            running_request_ = true;
        }
        last_action_error_.clear();
        last_action_done_.clear();
        try {
            if (r.kind == Request::Kind::Install)
                run_install(r);
            else
                run_rollback();
        } catch (const std::exception& e) {  // the disk, not the pack: still the staff's to know
            last_action_error_ = e.what();
        }
        {
            std::lock_guard lk(mu_);
            running_request_ = false;
        }
        publish();
    }
}

void PackWatcher::run_install(const Request& r) {
    auto it = seen_.find(r.pack_dir);
    if (it == seen_.end()) {
        last_action_error_ = "no pack at " + r.pack_dir.string() + " any more: plug the stick in again";
        return;
    }
    FoundPack& f = it->second.found;
    if (f.state == FoundPack::State::Invalid) {
        last_action_error_ = "pack at " + r.pack_dir.string() + " cannot be installed: " + f.message;
        return;
    }
    f.relation = relation_to(PackInfo{f.id, f.version, {}, {}, {}}, store_.current());
    if ((f.relation == Relation::Older || f.relation == Relation::Same) && !r.allow_downgrade) {
        auto cur = store_.current();
        last_action_error_ = "pack " + f.id + " version " + std::to_string(f.version) +
                             (f.relation == Relation::Same
                                  ? " is already installed: confirm to install it again"
                                  : " is older than the installed version " +
                                        std::to_string(cur ? cur->version : 0) + ": confirm the downgrade to go back to it");
        return;
    }
    rolled_back_id_.clear();  // staff chose: automatic installs may follow again
    install_found(f, r.allow_downgrade);
    if (f.state == FoundPack::State::Installed)
        last_action_done_ = f.message;
    else
        last_action_error_ = f.message;
}

void PackWatcher::run_rollback() {
    std::optional<InstalledPack> before = store_.current();
    InstalledPack now = store_.rollback();
    ++installed_count_;
    if (before) {
        rolled_back_id_ = before->id;
        rolled_back_version_ = before->version;
    }
    last_action_done_ = "back to " + now.id + " version " + std::to_string(now.version);
    refresh_relations();
}

void PackWatcher::install_found(FoundPack& f, bool allow_downgrade) {
    f.state = FoundPack::State::Installing;
    f.progress = {};
    publish();
    try {
        InstallOptions opt;
        opt.allow_downgrade = allow_downgrade;
        opt.progress = [&](const Progress& p) {
            // Publishing a snapshot per MiB is cheap next to copying it.
            f.progress = p;
            publish();
        };
        InstallResult r = store_.install(f.path, options_.trusted, opt);
        f.state = FoundPack::State::Installed;
        f.message = "installed " + r.pack.dir_name;
        ++installed_count_;
    } catch (const PackError& e) {
        f.state = FoundPack::State::Failed;
        f.message = e.what();
    }
    refresh_relations();
}

// After an install or a rollback, every pack seen relates anew to the
// current one (its state stays: an installed pack that was rolled back is
// not installed again by itself).
void PackWatcher::refresh_relations() {
    std::optional<InstalledPack> cur = store_.current();
    for (auto& [path, seen] : seen_)
        if (seen.found.state != FoundPack::State::Invalid)
            seen.found.relation = relation_to(PackInfo{seen.found.id, seen.found.version, {}, {}, {}}, cur);
}

void PackWatcher::scan() {
    auto found = find_packs(options_.dirs, options_.max_depth);
    std::map<fs::path, Seen> next;
    for (const auto& dir : found) {
        std::string fp = fingerprint(dir);
        auto old = seen_.find(dir);
        if (old != seen_.end() && old->second.fingerprint == fp)
            next[dir] = old->second;
        else
            next[dir] = Seen{fp, examine(dir)};
    }
    seen_ = std::move(next);
    publish();
}

void PackWatcher::auto_install() {
    // Highest version first: two sticks with versions 2 and 3 give one install.
    std::vector<FoundPack*> ready;
    for (auto& [path, seen] : seen_)
        if (seen.found.state == FoundPack::State::Ready) ready.push_back(&seen.found);
    std::sort(ready.begin(), ready.end(), [](const FoundPack* a, const FoundPack* b) { return a->version > b->version; });
    for (FoundPack* f : ready) {
        f->relation = relation_to(PackInfo{f->id, f->version, {}, {}, {}}, store_.current());
        // Only the same pack, newer, or a first pack: another pack id, or an
        // older version, needs a staff member's decision.
        if (f->relation != Relation::Newer && f->relation != Relation::NothingInstalled) continue;
        // Staff rolled back from that version: not again by itself (a later one, yes).
        if (f->id == rolled_back_id_ && f->version <= rolled_back_version_) continue;
        install_found(*f, false);
    }
}

}  // namespace vitrine::content
