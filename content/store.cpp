#include "store.hpp"

#include "error.hpp"
#include "minisign.hpp"

#include "base/disk.hpp"
#include "base/text.hpp"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace fs = std::filesystem;

namespace vitrine::content {

using base::describe_errno;

namespace {

std::string random_hex(std::size_t bytes) {
    if (sodium_init() < 0) throw PackError("libsodium could not be initialised");
    std::vector<std::uint8_t> b(bytes);
    randombytes_buf(b.data(), b.size());
    return to_hex(b.data(), b.size());
}

[[noreturn]] void fail_io(const std::string& what, int err) {
    throw PackError(what + " (" + describe_errno(err) + ")");
}

// base's durable writes, failing with the content library's error.
void flush_dir(const fs::path& dir) {
    try {
        base::flush_dir(dir);
    } catch (const base::DiskError& e) {
        throw PackError(e.what());
    }
}

void sync_file_system(const fs::path& p) {
    try {
        base::sync_file_system(p);
    } catch (const base::DiskError& e) {
        throw PackError(e.what());
    }
}

void write_file(const fs::path& p, std::string_view data) {
    try {
        base::write_new_file(p, data);
    } catch (const base::DiskError& e) {
        throw PackError(e.what());
    }
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

// Copies one listed file into the staging directory, then hashes the copy.
// The copy is sendfile(2), in the kernel (as cp does, and unlike
// copy_file_range it works from a USB stick's file system); the hash reads
// the copy back from the page cache. So the stick is read once, and what is
// hashed is exactly what is installed, whatever the stick does meanwhile.
// fallocate(2) first, so that a full disk fails before the copy.
void copy_checked(const PackDir& src, const std::string& rel, const FileEntry& entry, const fs::path& dst,
                  const std::function<void(std::uint64_t)>& on_bytes) {
    int in = src.open_file(rel);
    int out = ::open(dst.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        int err = errno;
        ::close(in);
        fail_io("cannot create " + dst.string(), err);
    }
    struct Closer {
        int a, b;
        ~Closer() { ::close(a); ::close(b); }
    } closer{in, out};
    ::posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (entry.size > 0) {
        int err = ::posix_fallocate(out, 0, static_cast<off_t>(entry.size));
        if (err) fail_io("cannot make room for " + rel, err);
    }
    constexpr std::size_t kChunk = 1u << 20;
    std::uint64_t done = 0;
    while (done < entry.size) {
        ssize_t n = ::sendfile(out, in, nullptr, static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, entry.size - done)));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw PackError(rel + ": copy failed (" + describe_errno(errno) + ")");
        if (n == 0) fail_shorter(rel, done, entry.size);
        done += static_cast<std::uint64_t>(n);
        on_bytes(static_cast<std::uint64_t>(n) / 2);
    }
    // Start writing the copy to disk while it is hashed: the final syncfs
    // then finds little left to do.
    ::sync_file_range(out, 0, 0, SYNC_FILE_RANGE_WRITE);

    std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[kChunk]);
    Sha256 hash;
    std::uint64_t hashed = 0;
    while (hashed < entry.size) {
        ssize_t r = ::pread(out, buf.get(), kChunk, static_cast<off_t>(hashed));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) fail_io("cannot read back " + dst.string(), r < 0 ? errno : EIO);
        hash.update(buf.get(), static_cast<std::size_t>(r));
        hashed += static_cast<std::uint64_t>(r);
        on_bytes(static_cast<std::uint64_t>(r) - static_cast<std::uint64_t>(r) / 2);
    }
    check_end(in, rel, entry, hash.finish());
}

// Copies every listed file with `workers` threads, one file at a time
// each: SHA-256 is sequential within a file, so files are the unit of
// parallelism. The first error stops everyone and is rethrown.
void copy_all(const PackDir& src, const Manifest& m, const fs::path& staging, unsigned workers,
              const ProgressFn& progress) {
    std::vector<const std::pair<const std::string, FileEntry>*> files;
    for (const auto& f : m.files) files.push_back(&f);
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mu;  // guards p, error and the progress callback
    Progress p;
    p.files_total = files.size();
    p.bytes_total = m.total_size();
    std::exception_ptr error;

    auto work = [&] {
        for (std::size_t i; !stop && (i = next++) < files.size();) {
            // Not a structured binding: clang 14 cannot capture one in the lambda below.
            const std::string& rel = files[i]->first;
            const FileEntry& entry = files[i]->second;
            try {
                copy_checked(src, rel, entry, staging / rel, [&](std::uint64_t n) {
                    if (stop) throw PackError("stopped");
                    std::lock_guard lk(mu);
                    p.bytes_done += n;
                    p.current = rel;
                    if (progress) progress(p);
                });
                std::lock_guard lk(mu);
                ++p.files_done;
                if (progress) progress(p);
            } catch (...) {
                std::lock_guard lk(mu);
                if (!error && !stop) error = std::current_exception();
                stop = true;
            }
        }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < workers; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (error) std::rethrow_exception(error);
}

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
    flush_dir(data_dir_);
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
    if (!doomed.empty()) flush_dir(packs_dir());
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
        std::set<fs::path> dirs;
        for (const auto& [relpath, entry] : m.files) make_parents(staging, relpath, dirs);
        copy_all(src, m, staging, std::clamp(std::thread::hardware_concurrency(), 1u, 4u), options.progress);
        write_file(staging / "manifest.json", sm.manifest_bytes);
        write_file(staging / "manifest.json.minisig", sm.signature_bytes);
        nlohmann::json info = {{"installed_at", base::rfc3339_seconds(std::chrono::system_clock::now())},
                               {"source", fs::absolute(source).string()},
                               {"key_id", sm.key_id},
                               {"trusted_comment", sm.trusted_comment}};
        write_file(staging / ".vitrine-install.json", info.dump(2) + "\n");
        // Every file and directory of the staging copy on disk before the
        // rename makes it a pack: one syncfs(2) instead of a journal commit
        // per file (a third of the install time on a pack of 64 files).
        sync_file_system(staging);

        const fs::path target = packs_dir() / name;
        if (fs::exists(target, ec)) {
            // Reinstalling a version that is here already: swap the two
            // directories in one step, so `current` never points at nothing.
            if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
                fail_io("cannot replace " + target.string(), errno);
        } else if (::rename(staging.c_str(), target.c_str()) != 0) {
            fail_io("cannot move the pack into " + target.string(), errno);
        }
        flush_dir(packs_dir());
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
