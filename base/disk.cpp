#include "base/disk.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace vitrine::base {

namespace fs = std::filesystem;

DiskProblem disk_problem(int err) {
    switch (err) {
    case ENOSPC:
    case EDQUOT: return DiskProblem::Full;
    case EROFS: return DiskProblem::ReadOnly;
    case EIO:
    case ENODEV:
    case ENXIO:
    case ESTALE:
    case ENOENT: return DiskProblem::Gone;
    case EACCES:
    case EPERM: return DiskProblem::Denied;
    default: return DiskProblem::Other;
    }
}

std::string describe_errno(int err) {
    std::string s = std::strerror(err);
    switch (disk_problem(err)) {
    case DiskProblem::Full: return s + " (the file system is full)";
    case DiskProblem::ReadOnly: return s + " (the file system is mounted read-only)";
    case DiskProblem::Gone: return err == ENOENT ? s : s + " (was the USB stick removed?)";
    default: return s;
    }
}

DiskError::DiskError(fs::path file, std::string step, int err)
    : std::runtime_error("cannot " + step + " " + file.string() + ": " + describe_errno(err)),
      file_(std::move(file)),
      step_(std::move(step)),
      err_(err) {}

void write_all(int fd, std::string_view data, const fs::path& file) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw DiskError(file, "write", errno);
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

void sync_file_system(const fs::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw DiskError(p, "open to flush", errno);
    int rc = ::syncfs(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) throw DiskError(p, "flush the file system of", err);
}

void flush_dir(const fs::path& dir) {
    const fs::path d = dir.empty() ? fs::path(".") : dir;
    int fd = ::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw DiskError(d, "open the directory", errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL) throw DiskError(d, "flush the directory", err);
}

namespace {

// Owns a descriptor and the temporary file it writes until release().
class TempFile {
public:
    TempFile(const fs::path& target, mode_t mode) {
        const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
        std::string name = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
        fd_ = ::mkstemp(name.data());
        if (fd_ < 0) throw DiskError(target, "create a temporary file beside", errno);
        path_ = name;
        if (::fchmod(fd_, mode) != 0) fail("set the mode of", errno);
    }
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    int fd() const { return fd_; }
    const fs::path& path() const { return path_; }
    [[noreturn]] void fail(const char* step, int err) const { throw DiskError(path_, step, err); }
    void write_and_close(std::string_view data) {
        write_all(fd_, data, path_);
        if (::fsync(fd_) != 0) fail("flush", errno);
        int rc = ::close(fd_);
        fd_ = -1;
        if (rc != 0) fail("close", errno);
    }
    void release() { path_.clear(); }

private:
    int fd_ = -1;
    fs::path path_;
};

}  // namespace

void replace_file(const fs::path& target, std::string_view data, ReplaceOptions options) {
    struct stat old{};
    const bool keep = options.keep_mode_and_owner && ::stat(target.c_str(), &old) == 0;
    TempFile tmp(target, keep ? (old.st_mode & 07777) : options.mode);
    if (keep && ::fchown(tmp.fd(), old.st_uid, old.st_gid) != 0) {
        struct stat now{};
        if (::fstat(tmp.fd(), &now) != 0 || now.st_uid != old.st_uid || now.st_gid != old.st_gid)
            throw DiskError(target, "keep the owner of", errno);
    }
    tmp.write_and_close(data);
    if (::rename(tmp.path().c_str(), target.c_str()) != 0) throw DiskError(target, "replace", errno);
    tmp.release();
    flush_dir(target.parent_path());
}

void write_new_file(const fs::path& file, std::string_view data, mode_t mode) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) throw DiskError(file, "create", errno);
    try {
        write_all(fd, data, file);
        if (::fsync(fd) != 0) throw DiskError(file, "flush", errno);
        int rc = ::close(fd);
        fd = -1;
        if (rc != 0) throw DiskError(file, "close", errno);
    } catch (...) {
        if (fd >= 0) ::close(fd);
        ::unlink(file.c_str());
        throw;
    }
}

}  // namespace vitrine::base
