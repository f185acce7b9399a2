// Durable writes and disk errors. A file written here is whole on disk,
// and named, before the call returns: every byte written (EINTR retried),
// flushed, renamed over the target, and the directory flushed. A failure
// is a DiskError that says which file, which step and what it means.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vitrine::base {

// What an errno from writing means to whoever has to act on it.
enum class DiskProblem {
    Full,      // ENOSPC, EDQUOT: no room for the bytes, or for one more file
    ReadOnly,  // EROFS
    Gone,      // EIO, ENODEV, ENXIO, ESTALE, ENOENT: the device went away (a pulled stick)
    Denied,    // EACCES, EPERM
    Other,
};

DiskProblem disk_problem(int err);

// strerror(err), then what it means: "No space left on device (the file
// system is full)".
std::string describe_errno(int err);

class DiskError : public std::runtime_error {
public:
    // "cannot <step> <file>: <describe_errno(err)>"
    DiskError(std::filesystem::path file, std::string step, int err);
    const std::filesystem::path& file() const { return file_; }
    const std::string& step() const { return step_; }
    int error() const { return err_; }
    DiskProblem problem() const { return disk_problem(err_); }

private:
    std::filesystem::path file_;
    std::string step_;
    int err_;
};

// write(2) until every byte is written; throws DiskError("write", file).
void write_all(int fd, std::string_view data, const std::filesystem::path& file);

// fsync(2) of a directory, so that the names made or renamed in it last.
// A file system that cannot flush a directory (EINVAL) is not an error:
// there is nothing more to do there. Its step is "flush the directory":
// after a rename, the rename is done.
void flush_dir(const std::filesystem::path& dir);
// syncfs(2) of the file system that holds `p`: every file written there,
// in one call.
void sync_file_system(const std::filesystem::path& p);

struct ReplaceOptions {
    mode_t mode = 0644;
    // Take mode and owner from the file being replaced, when it exists
    // (an owner we cannot give is fine if it is already ours).
    bool keep_mode_and_owner = false;
};

// Replaces `target` with `data` in one rename(2): a reader, or a power
// cut, sees the old file or the new one, never a part. The temporary file
// is removed on failure, and the target is then unchanged.
void replace_file(const std::filesystem::path& target, std::string_view data, ReplaceOptions options = {});

// Creates `file` (it must not exist) holding `data`, flushed. Removed again
// on failure. The directory is not flushed: the caller renames or flushes.
void write_new_file(const std::filesystem::path& file, std::string_view data, mode_t mode = 0644);

}  // namespace vitrine::base
