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
            cv_.wait_for(lk, options_.interval, [&] { return stopping_; });
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
    std::lock_guard lk(mu_);
    status_ = std::move(s);
}

void PackWatcher::scan_now() {
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

    if (!options_.auto_install) return;
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
        f->state = FoundPack::State::Installing;
        publish();
        try {
            InstallOptions opt;
            opt.progress = [&](const Progress& p) {
                // Publishing a snapshot per MiB is cheap next to copying it.
                f->progress = p;
                publish();
            };
            InstallResult r = store_.install(f->path, options_.trusted, opt);
            f->state = FoundPack::State::Installed;
            f->message = "installed " + r.pack.dir_name;
            ++installed_count_;
        } catch (const PackError& e) {
            f->state = FoundPack::State::Failed;
            f->message = e.what();
        }
    }
    publish();
}

}  // namespace vitrine::content
