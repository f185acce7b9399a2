#include "store.hpp"

#include "error.hpp"
#include "minisign.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace fs = std::filesystem;

namespace vitrine::content {
namespace {

std::string random_hex(std::size_t bytes) {
    if (sodium_init() < 0) throw PackError("libsodium could not be initialised");
    std::vector<std::uint8_t> b(bytes);
    randombytes_buf(b.data(), b.size());
    return to_hex(b.data(), b.size());
}

std::string now_rfc3339() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

[[noreturn]] void fail_io(const std::string& what, int err) {
    throw PackError(what + " (" + describe_errno(err) + ")");
}

void fsync_path(const fs::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_io("cannot open " + p.string() + " to flush it", errno);
    int r = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (r != 0) fail_io("cannot flush " + p.string() + " to disk", err);
}

void write_file_synced(const fs::path& p, std::string_view data) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail_io("cannot create " + p.string(), errno);
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            fail_io("cannot write " + p.string(), err);
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        fail_io("cannot flush " + p.string() + " to disk", err);
    }
    ::close(fd);
}

// flock(2) on data_dir/.pack.lock: one writer at a time (the kiosk's watcher
// and a staff member's command line may both try). Released by the kernel
// if the process dies.
class StoreLock {
public:
    explicit StoreLock(const fs::path& data_dir) {
        fd_ = ::open((data_dir / ".pack.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) fail_io("cannot open the pack lock in " + data_dir.string(), errno);
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw PackError("another pack install or rollback is running on " + data_dir.string() +
                            "; wait for it to finish");
        }
    }
    ~StoreLock() { ::close(fd_); }
    StoreLock(const StoreLock&) = delete;
    StoreLock& operator=(const StoreLock&) = delete;

private:
    int fd_;
};

// Copies into the staging directory on a second thread, so that writing and
// flushing overlap with reading and hashing the next chunks: one pass over
// the source, the speed of the slower of the two (see bench/pack_install.sh).
class Writer {
public:
    static constexpr std::size_t kChunk = 1 << 20, kBuffers = 8;

    Writer() {
        for (std::size_t i = 0; i < kBuffers; ++i) {
            buffers_.emplace_back(new std::uint8_t[kChunk]);
            free_.push_back(i);
        }
        thread_ = std::thread([this] { loop(); });
    }
    ~Writer() {
        try {
            finish();
        } catch (...) {
        }
        for (int fd : pending_sync_) ::close(fd);
    }

    // Queues `data` to be appended to `fd`, copying it into a free buffer.
    void write(int fd, const std::uint8_t* data, std::size_t n) {
        while (n > 0) {
            std::size_t idx;
            {
                std::unique_lock lk(mu_);
                cv_.wait(lk, [&] { return !free_.empty() || !error_.empty(); });
                if (!error_.empty()) throw PackError(error_);
                idx = free_.front();
                free_.pop_front();
            }
            std::size_t part = std::min(n, kChunk);
            std::memcpy(buffers_[idx].get(), data, part);
            push(Job{fd, idx, part, false});
            data += part;
            n -= part;
        }
    }
    // Hands `fd` over: the writer flushes and closes it.
    void end_file(int fd) { push(Job{fd, 0, 0, true}); }

    // Waits until everything is written and on disk. Throws the first error.
    void finish() {
        if (thread_.joinable()) {
            push(Job{-1, 0, 0, true});
            thread_.join();
        }
        std::lock_guard lk(mu_);
        if (!error_.empty()) throw PackError(error_);
    }

private:
    struct Job {
        int fd;
        std::size_t buffer, size;
        bool end;
    };

    void push(Job j) {
        std::lock_guard lk(mu_);
        jobs_.push_back(j);
        cv_.notify_all();
    }

    void fail(const std::string& what) {
        std::lock_guard lk(mu_);
        if (error_.empty()) error_ = what;
        cv_.notify_all();
    }

    void loop() {
        for (;;) {
            Job j;
            {
                std::unique_lock lk(mu_);
                cv_.wait(lk, [&] { return !jobs_.empty(); });
                j = jobs_.front();
                jobs_.pop_front();
            }
            if (j.end && j.fd < 0) break;
            bool ok;
            {
                std::lock_guard lk(mu_);
                ok = error_.empty();
            }
            if (j.end) {
                // Start writeback now; the fsync at the end then finds little left to do.
                if (ok) ::sync_file_range(j.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
                pending_sync_.push_back(j.fd);
                continue;
            }
            std::size_t off = 0;
            while (ok && off < j.size) {
                ssize_t n = ::write(j.fd, buffers_[j.buffer].get() + off, j.size - off);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) {
                    fail("cannot write the pack to the data partition (" + describe_errno(errno) + ")");
                    break;
                }
                off += static_cast<std::size_t>(n);
            }
            std::lock_guard lk(mu_);
            free_.push_back(j.buffer);
            cv_.notify_all();
        }
        for (int fd : pending_sync_) {
            bool ok;
            {
                std::lock_guard lk(mu_);
                ok = error_.empty();
            }
            if (ok && ::fsync(fd) != 0)
                fail("cannot flush the pack to the data partition (" + describe_errno(errno) + ")");
            ::close(fd);
        }
        pending_sync_.clear();
    }

    std::vector<std::unique_ptr<std::uint8_t[]>> buffers_;
    std::deque<std::size_t> free_;
    std::deque<Job> jobs_;
    std::vector<int> pending_sync_;  // writer thread only
    std::string error_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::thread thread_;
};

// Creates the parent directories of `rel` inside `root`, remembering each.
void make_parents(const fs::path& root, std::string_view rel, std::set<fs::path>& made) {
    fs::path dir = root;
    fs::path relpath(rel);
    for (auto it = relpath.begin(); std::next(it) != relpath.end(); ++it) {
        dir /= *it;
        if (made.count(dir)) continue;
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) fail_io("cannot create " + dir.string(), errno);
        made.insert(dir);
    }
}

}  // namespace

Relation relation_to(const PackInfo& incoming, const std::optional<InstalledPack>& current) {
    if (!current || !current->problem.empty()) return Relation::NothingInstalled;
    if (current->id != incoming.id) return Relation::OtherPack;
    if (incoming.version > current->version) return Relation::Newer;
    if (incoming.version == current->version) return Relation::Same;
    return Relation::Older;
}

const char* relation_name(Relation r) {
    switch (r) {
    case Relation::NothingInstalled: return "nothing-installed";
    case Relation::Newer: return "newer";
    case Relation::Same: return "same";
    case Relation::Older: return "older";
    case Relation::OtherPack: return "other-pack";
    }
    return "?";
}

PackStore::PackStore(fs::path data_dir) : data_dir_(std::move(data_dir)) {}

std::optional<std::string> PackStore::link_target(const char* name) const {
    std::error_code ec;
    fs::path target = fs::read_symlink(data_dir_ / name, ec);
    if (ec) return std::nullopt;
    std::string t = target.string();
    if (!t.starts_with("packs/")) return std::nullopt;
    std::string dir = t.substr(6);
    if (dir.empty() || dir.find('/') != std::string::npos || dir.front() == '.') return std::nullopt;
    if (!fs::is_directory(packs_dir() / dir, ec)) return std::nullopt;
    return dir;
}

InstalledPack PackStore::describe(const std::string& dir_name) const {
    InstalledPack p;
    p.dir_name = dir_name;
    p.path = packs_dir() / dir_name;
    try {
        PackDir dir(p.path);
        Manifest m = parse_manifest(dir.read_small("manifest.json", kMaxManifestBytes));
        p.id = m.pack.id;
        p.version = m.pack.version;
        p.created = m.pack.created;
        p.title = m.text(m.pack.title, m.default_language());
        auto info = nlohmann::json::parse(dir.read_small(".vitrine-install.json", 65536));
        p.installed_at = info.value("installed_at", "");
        p.key_id = info.value("key_id", "");
    } catch (const std::exception& e) {
        p.problem = e.what();
    }
    auto cur = link_target("current"), prev = link_target("previous");
    p.current = cur && *cur == dir_name;
    p.previous = prev && *prev == dir_name;
    return p;
}

std::vector<InstalledPack> PackStore::list() const {
    std::vector<InstalledPack> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(packs_dir(), ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".") || !entry.is_directory()) continue;
        out.push_back(describe(name));
    }
    std::sort(out.begin(), out.end(), [](const InstalledPack& a, const InstalledPack& b) {
        return a.id != b.id ? a.id < b.id : a.version > b.version;
    });
    return out;
}

std::optional<InstalledPack> PackStore::current() const {
    auto cur = link_target("current");
    if (!cur) return std::nullopt;
    return describe(*cur);
}

void PackStore::switch_link(const char* name, const std::string& dir_name) {
    fs::path tmp = data_dir_ / ("." + std::string(name) + ".tmp-" + random_hex(4));
    if (::symlink(("packs/" + dir_name).c_str(), tmp.c_str()) != 0) fail_io("cannot create " + tmp.string(), errno);
    if (::rename(tmp.c_str(), (data_dir_ / name).c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        fail_io(std::string("cannot switch the ") + name + " pack link", err);
    }
    fsync_path(data_dir_);
}

void PackStore::remove_unreferenced() {
    auto cur = link_target("current"), prev = link_target("previous");
    std::error_code ec;
    std::vector<fs::path> doomed;
    for (const auto& entry : fs::directory_iterator(packs_dir(), ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".") || (cur && *cur == name) || (prev && *prev == name)) continue;
        // Renamed first so that a half-removed pack never looks installed.
        fs::path trash = packs_dir() / (".trash-" + name + "-" + random_hex(4));
        if (::rename(entry.path().c_str(), trash.c_str()) == 0) doomed.push_back(trash);
    }
    if (!doomed.empty()) fsync_path(packs_dir());
    for (const auto& d : doomed) fs::remove_all(d, ec);
}

void PackStore::recover_locked() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(packs_dir(), ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".staging-") || name.starts_with(".trash-")) fs::remove_all(entry.path(), ec);
    }
    for (const auto& entry : fs::directory_iterator(data_dir_, ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".current.tmp-") || name.starts_with(".previous.tmp-")) fs::remove(entry.path(), ec);
    }
    auto cur = link_target("current"), prev = link_target("previous");
    if (!cur && prev) {
        switch_link("current", *prev);
        cur = prev;
    }
    if (fs::is_symlink(data_dir_ / "previous", ec) && (!prev || prev == cur)) fs::remove(data_dir_ / "previous", ec);
    if (fs::is_symlink(data_dir_ / "current", ec) && !cur) fs::remove(data_dir_ / "current", ec);
    remove_unreferenced();
}

void PackStore::recover() {
    std::error_code ec;
    if (!fs::is_directory(packs_dir(), ec)) return;
    StoreLock lock(data_dir_);
    recover_locked();
}

InstallResult PackStore::install(const fs::path& source, std::span<const PublicKey> trusted,
                                 const InstallOptions& options) {
    auto t0 = std::chrono::steady_clock::now();
    std::error_code ec;
    fs::create_directories(packs_dir(), ec);
    if (ec) throw PackError("cannot create " + packs_dir().string() + " (" + ec.message() + ")");
    StoreLock lock(data_dir_);
    recover_locked();

    PackDir src(source);
    SignedManifest sm = read_signed_manifest(src, trusted);
    const Manifest& m = sm.manifest;
    std::optional<InstalledPack> cur = current();
    Relation rel = relation_to(m.pack, cur);
    const std::string version = std::to_string(m.pack.version);
    if ((rel == Relation::Same || rel == Relation::Older) && !options.allow_downgrade)
        throw PackError("pack " + m.pack.id + " version " + version + " is " +
                        (rel == Relation::Same ? "already installed" : "older than the installed version ") +
                        (rel == Relation::Same ? "" : std::to_string(cur->version)) +
                        "; to install it anyway, allow a downgrade (vitrine pack install --allow-downgrade)");

    InstallResult result;
    result.files = m.files.size();
    result.bytes = m.total_size();
    struct statvfs vfs{};
    if (::statvfs(packs_dir().c_str(), &vfs) == 0) {
        std::uint64_t free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        std::uint64_t need = result.bytes + sm.manifest_bytes.size() + (16u << 20);
        if (free_bytes < need)
            throw PackError("not enough free space on the data partition: the pack needs " +
                            std::to_string(need >> 20) + " MiB, " + std::to_string(free_bytes >> 20) +
                            " MiB are free (roll back or remove old data, or use a larger card)");
    }

    const std::string name = m.pack.id + "-" + version;
    const fs::path staging = packs_dir() / (".staging-" + name + "-" + random_hex(4));
    if (::mkdir(staging.c_str(), 0755) != 0) fail_io("cannot create " + staging.string(), errno);
    try {
        Progress p;
        p.files_total = m.files.size();
        p.bytes_total = result.bytes;
        std::set<fs::path> dirs;
        {
            Writer writer;
            for (const auto& [relpath, entry] : m.files) {
                p.current = relpath;
                int in = src.open_file(relpath);
                make_parents(staging, relpath, dirs);
                fs::path out_path = staging / relpath;
                int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (out < 0) {
                    int err = errno;
                    ::close(in);
                    fail_io("cannot create " + out_path.string(), err);
                }
                try {
                    read_checked(
                        in, relpath, entry, [&](const std::uint8_t* d, std::size_t n) { writer.write(out, d, n); },
                        [&](std::uint64_t n) {
                            p.bytes_done += n;
                            if (options.progress) options.progress(p);
                        });
                } catch (...) {
                    ::close(in);
                    writer.end_file(out);
                    throw;
                }
                ::close(in);
                writer.end_file(out);
                ++p.files_done;
                if (options.progress) options.progress(p);
            }
            writer.finish();
        }
        write_file_synced(staging / "manifest.json", sm.manifest_bytes);
        write_file_synced(staging / "manifest.json.minisig", sm.signature_bytes);
        nlohmann::json info = {{"installed_at", now_rfc3339()},
                               {"source", fs::absolute(source).string()},
                               {"key_id", sm.key_id},
                               {"trusted_comment", sm.trusted_comment}};
        write_file_synced(staging / ".vitrine-install.json", info.dump(2) + "\n");
        std::vector<fs::path> ordered(dirs.begin(), dirs.end());
        std::sort(ordered.begin(), ordered.end(),
                  [](const fs::path& a, const fs::path& b) { return a.string().size() > b.string().size(); });
        for (const auto& d : ordered) fsync_path(d);
        fsync_path(staging);

        const fs::path target = packs_dir() / name;
        if (fs::exists(target, ec)) {
            // Reinstalling a version that is here already: swap the two
            // directories in one step, so `current` never points at nothing.
            if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
                fail_io("cannot replace " + target.string(), errno);
        } else if (::rename(staging.c_str(), target.c_str()) != 0) {
            fail_io("cannot move the pack into " + target.string(), errno);
        }
        fsync_path(packs_dir());
    } catch (...) {
        fs::remove_all(staging, ec);
        throw;
    }
    fs::remove_all(staging, ec);  // the old copy, after a swap

    if (cur && cur->dir_name != name && cur->problem.empty()) switch_link("previous", cur->dir_name);
    switch_link("current", name);
    remove_unreferenced();

    result.pack = describe(name);
    if (cur && cur->dir_name != name) {
        result.replaced = cur;
        result.replaced->current = false;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
}

InstalledPack PackStore::rollback() {
    std::error_code ec;
    if (!fs::is_directory(packs_dir(), ec)) throw PackError("no pack is installed in " + data_dir_.string());
    StoreLock lock(data_dir_);
    recover_locked();
    auto prev = link_target("previous");
    if (!prev) throw PackError("there is no previous pack to roll back to");
    InstalledPack target = describe(*prev);
    if (!target.problem.empty())
        throw PackError("the previous pack " + *prev + " is damaged (" + target.problem + "); install a pack instead");
    auto cur = link_target("current");
    switch_link("current", *prev);
    if (cur) switch_link("previous", *cur);
    return describe(*prev);
}

}  // namespace vitrine::content
