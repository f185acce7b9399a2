#include "pack_dir.hpp"

#include "error.hpp"
#include "minisign.hpp"
#include "pack_path.hpp"

#include "base/disk.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace vitrine::content {

using base::describe_errno;
namespace {

struct Fd {
    int fd = -1;
    explicit Fd(int f = -1) : fd(f) {}
    ~Fd() { if (fd >= 0) ::close(fd); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int release() { int f = fd; fd = -1; return f; }
};

[[noreturn]] void fail_open(int dirfd, const std::string& component, std::string_view rel, int err) {
    struct stat st{};
    if (::fstatat(dirfd, component.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        throw PackError(std::string(rel) + ": symbolic links are not allowed in a pack (copy the file itself)");
    if (err == ENOENT) throw PackError(std::string(rel) + ": listed in the manifest but missing from the pack");
    throw PackError(std::string(rel) + ": cannot open (" + describe_errno(err) + ")");
}

}  // namespace

PackDir::PackDir(const std::filesystem::path& root) : root_(root) {
    fd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw PackError(root.string() + ": not a readable pack directory (" + describe_errno(errno) + ")");
}

PackDir::~PackDir() {
    if (fd_ >= 0) ::close(fd_);
}

int PackDir::open_file(std::string_view rel) const {
    if (auto problem = pack_path_problem(rel)) throw PackError(printable(rel) + ": " + *problem);
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= rel.size()) {
        std::size_t end = rel.find('/', start);
        if (end == std::string_view::npos) end = rel.size();
        parts.emplace_back(rel.substr(start, end - start));
        start = end + 1;
    }
    Fd dir(::dup(fd_));
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        int next = ::openat(dir.fd, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) fail_open(dir.fd, parts[i], rel, errno);
        Fd old(dir.release());
        dir.fd = next;
    }
    // O_NONBLOCK so that a FIFO cannot block us; cleared once we know it is a file.
    Fd file(::openat(dir.fd, parts.back().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (file.fd < 0) fail_open(dir.fd, parts.back(), rel, errno);
    struct stat st{};
    if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw PackError(std::string(rel) + ": not a regular file");
    ::fcntl(file.fd, F_SETFL, ::fcntl(file.fd, F_GETFL) & ~O_NONBLOCK);
    return file.release();
}

std::string PackDir::read_small(std::string_view rel, std::size_t cap) const {
    Fd fd(open_file(rel));
    std::string data;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw PackError(std::string(rel) + ": cannot read (" + describe_errno(errno) + ")");
        }
        if (n == 0) break;
        data.append(buf, static_cast<std::size_t>(n));
        if (data.size() > cap)
            throw PackError(std::string(rel) + ": larger than the " + std::to_string(cap >> 10) + " KiB limit");
    }
    return data;
}

void read_checked(int fd, std::string_view rel, const FileEntry& expected, const ChunkSink& sink,
                  const std::function<void(std::uint64_t)>& on_bytes) {
    constexpr std::size_t kChunk = 1 << 20;
    std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[kChunk]);
    Sha256 hash;
    std::uint64_t done = 0;
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    while (done < expected.size) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, expected.size - done));
        ssize_t n = ::read(fd, buf.get(), want);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw PackError(std::string(rel) + ": read error (" + describe_errno(errno) + ")");
        }
        if (n == 0) fail_shorter(rel, done, expected.size);
        hash.update(buf.get(), static_cast<std::size_t>(n));
        if (sink) sink(buf.get(), static_cast<std::size_t>(n));
        done += static_cast<std::uint64_t>(n);
        if (on_bytes) on_bytes(static_cast<std::uint64_t>(n));
    }
    check_end(fd, rel, expected, hash.finish());
}

void fail_shorter(std::string_view rel, std::uint64_t got, std::uint64_t listed) {
    throw PackError(std::string(rel) + ": shorter than listed (" + std::to_string(got) + " of " +
                    std::to_string(listed) + " bytes); rebuild the pack with vitrine pack build");
}

void check_end(int fd, std::string_view rel, const FileEntry& expected, const Digest& digest) {
    char extra;
    ssize_t n;
    while ((n = ::read(fd, &extra, 1)) < 0 && errno == EINTR) {}
    if (n > 0)
        throw PackError(std::string(rel) + ": longer than the " + std::to_string(expected.size) +
                        " bytes listed; rebuild the pack with vitrine pack build");
    if (digest != expected.sha256)
        throw PackError(std::string(rel) + ": content does not match its SHA-256 in the manifest "
                        "(damaged copy or altered file; copy the pack again)");
}

SignedManifest read_signed_manifest(const PackDir& dir, std::span<const PublicKey> trusted) {
    SignedManifest out;
    try {
        out.signature_bytes = dir.read_small("manifest.json.minisig", 4096);
    } catch (const PackError& e) {
        throw PackError(std::string("the pack is not signed: ") + e.what() +
                        " (sign it with minisign -Sm manifest.json)");
    }
    out.manifest_bytes = dir.read_small("manifest.json", kMaxManifestBytes);
    Signature sig = parse_signature(out.signature_bytes);
    const PublicKey& key = verify_signature(out.manifest_bytes, sig, trusted);
    out.key_id = key.id();
    out.trusted_comment = sig.trusted_comment;
    out.manifest = parse_manifest(out.manifest_bytes);
    return out;
}

void check_files(const PackDir& dir, const Manifest& m, const ProgressFn& progress) {
    Progress p;
    p.files_total = m.files.size();
    p.bytes_total = m.total_size();
    for (const auto& [rel, entry] : m.files) {
        p.current = rel;
        Fd fd(dir.open_file(rel));
        read_checked(fd.fd, rel, entry, {}, [&](std::uint64_t n) {
            p.bytes_done += n;
            if (progress) progress(p);
        });
        ++p.files_done;
        if (progress) progress(p);
    }
}

void check_file_sizes(const PackDir& dir, const Manifest& m) {
    for (const auto& [rel, entry] : m.files) {
        Fd fd(dir.open_file(rel));
        struct stat st{};
        ::fstat(fd.fd, &st);
        if (static_cast<std::uint64_t>(st.st_size) != entry.size)
            throw PackError(rel + ": " + std::to_string(st.st_size) + " bytes instead of the " +
                            std::to_string(entry.size) + " listed; rebuild the pack with vitrine pack build");
    }
}

}  // namespace vitrine::content
