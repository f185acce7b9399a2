// Reading a pack directory without ever leaving it. Every file is opened
// component by component with O_NOFOLLOW from a directory descriptor, so a
// symlink, a FIFO or a device inside the pack is refused instead of followed
// or blocked on, and the pack cannot be swapped under us between checks.
#pragma once
#include "manifest.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace vitrine::content {

struct PublicKey;

struct Progress {
    std::uint64_t bytes_done = 0, bytes_total = 0;
    std::size_t files_done = 0, files_total = 0;
    std::string current;  // path being read
};
using ProgressFn = std::function<void(const Progress&)>;

class PackDir {
public:
    explicit PackDir(const std::filesystem::path& root);  // throws PackError
    ~PackDir();
    PackDir(const PackDir&) = delete;
    PackDir& operator=(const PackDir&) = delete;

    // A read-only descriptor of a regular file inside the pack. Throws PackError.
    int open_file(std::string_view rel) const;
    // A whole small file (the manifest, its signature), refusing one over `cap`.
    std::string read_small(std::string_view rel, std::size_t cap) const;
    const std::filesystem::path& root() const { return root_; }

private:
    std::filesystem::path root_;
    int fd_ = -1;
};

// Reads exactly `expected.size` bytes of `fd`, hashing them, passing each
// chunk to `sink` (may be empty), and fails unless the file ends there and
// its SHA-256 matches. `rel` names the file in errors.
using ChunkSink = std::function<void(const std::uint8_t*, std::size_t)>;
void read_checked(int fd, std::string_view rel, const FileEntry& expected, const ChunkSink& sink,
                  const std::function<void(std::uint64_t)>& on_bytes);

// The refusals every copy or check of a listed file shares, so that staff
// read the same words whichever path found the problem.
[[noreturn]] void fail_shorter(std::string_view rel, std::uint64_t got, std::uint64_t listed);
// After `expected.size` bytes: fails if `fd` holds more, or if `digest` is not the listed one.
void check_end(int fd, std::string_view rel, const FileEntry& expected, const Digest& digest);

// What a pack's two manifest files say, once the signature is good.
struct SignedManifest {
    std::string manifest_bytes;   // exactly what was verified
    std::string signature_bytes;
    Manifest manifest;
    std::string key_id;
    std::string trusted_comment;
};

// Signature first (against `trusted`), then the manifest. Throws PackError.
SignedManifest read_signed_manifest(const PackDir& dir, std::span<const PublicKey> trusted);

// Every listed file present, of the listed size and SHA-256. Throws PackError.
void check_files(const PackDir& dir, const Manifest& m, const ProgressFn& progress = {});

// Cheap check for a watcher: every listed file is there with the right size.
void check_file_sizes(const PackDir& dir, const Manifest& m);

}  // namespace vitrine::content
