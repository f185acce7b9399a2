#include "kiosk/usb_export.hpp"

#include "content/sha256.hpp"
#include "platform/outbox_files.hpp"

#include "base/disk.hpp"
#include "base/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace fs = std::filesystem;

namespace vitrine {
namespace {

// "0.2 MB" style sizes, in kB below 1 MB: a few hundred records fit in far
// less than a megabyte. Needed sizes round up, free ones down.
std::string size_text(std::uint64_t bytes, bool round_up) {
    char out[32];
    if (bytes < 1000000) {
        std::uint64_t kb = bytes / 1000 + (round_up && bytes % 1000 ? 1 : 0);
        std::snprintf(out, sizeof out, "%llu kB", static_cast<unsigned long long>(kb));
        return out;
    }
    std::uint64_t tenths = bytes / 100000 + (round_up && bytes % 100000 ? 1 : 0);
    std::snprintf(out, sizeof out, "%llu.%llu MB", static_cast<unsigned long long>(tenths / 10),
                  static_cast<unsigned long long>(tenths % 10));
    return out;
}

std::uint64_t free_bytes(const fs::path& dir) {
    struct statvfs st{};
    if (::statvfs(dir.c_str(), &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

ExportError full_error(std::uint64_t needed, std::uint64_t free) {
    return ExportError("the stick is full: " + size_text(needed, true) + " needed, " + size_text(free, false) +
                       " free. Free some space on it or use another stick");
}

ExportError read_only_error(const fs::path& stick) {
    return ExportError(stick.string() + " is read-only: unlock the stick or use another one");
}

// An errno from writing to the stick, in words for the stand.
ExportError write_error(const fs::path& stick, int err, std::uint64_t needed) {
    switch (base::disk_problem(err)) {
    case base::DiskProblem::Full: {
        const std::uint64_t free = free_bytes(stick);
        if (free < needed) return full_error(needed, free);
        // Space left but no room for one more file (FAT's root directory
        // holds a fixed number of entries).
        return ExportError("the stick is full: it cannot hold another file. Free some space on it or use another "
                           "stick");
    }
    case base::DiskProblem::ReadOnly: return read_only_error(stick);
    case base::DiskProblem::Denied:
        return ExportError("the kiosk may not write to " + stick.string() +
                           " (permission denied): use a stick formatted FAT32 or exFAT");
    case base::DiskProblem::Gone:
        return ExportError("the stick at " + stick.string() + " stopped answering (" + std::strerror(err) +
                           "): plug it in again and retry; nothing was exported");
    default:
        return ExportError("cannot write to the stick at " + stick.string() + ": " + std::strerror(err) +
                           "; nothing was exported");
    }
}

// Writes `data` to a new temporary file in the stick's directory, flushed
// to the stick; returns its path. Removes it on any failure.
fs::path write_temp(const fs::path& stick, const std::string& final_name, const std::string& data,
                    std::uint64_t needed) {
    fs::path tmp = stick / ("." + final_name + ".tmp");
    ::unlink(tmp.c_str());  // left by an export interrupted by a pulled stick
    try {
        base::write_new_file(tmp, data);
    } catch (const base::DiskError& e) {
        throw write_error(stick, e.error(), needed);
    }
    return tmp;
}

std::string safe_name(const std::string& s) {
    std::string out;
    for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
    return out.empty() ? "device" : out;
}

bool is_mount_point(const fs::path& dir) {
    struct stat self{}, parent{};
    if (::stat(dir.c_str(), &self) != 0 || !S_ISDIR(self.st_mode)) return false;
    if (::stat((dir / "..").c_str(), &parent) != 0) return false;
    return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

// Directories directly in `dir`, except hidden ones and symlinks.
std::vector<fs::path> subdirs(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (it->path().filename().string().starts_with(".")) continue;
        if (it->is_symlink(ec) || !it->is_directory(ec)) continue;
        out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

bool holds_files(const fs::path& dir) {
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) return true;
    return false;
}

bool is_empty_dir(const fs::path& dir) {
    std::error_code ec;
    return fs::is_empty(dir, ec) || ec;
}

}  // namespace

ExportResult export_queue(const fs::path& outbox_file, const fs::path& stick_dir,
                          const std::string& device_id, std::chrono::system_clock::time_point now) {
    struct stat st{};
    if (::stat(stick_dir.c_str(), &st) != 0)
        throw ExportError("the stick at " + stick_dir.string() + " is gone: plug it in again and retry");
    if (!S_ISDIR(st.st_mode)) throw ExportError(stick_dir.string() + " is not a directory: choose a USB stick");
    struct statvfs vfs{};
    if (::statvfs(stick_dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) throw read_only_error(stick_dir);

    std::error_code ec;
    if (!fs::exists(outbox_file, ec) && platform::quarantined(outbox_file).empty())
        throw ExportError("nothing to export: no record has been made on this device yet");
    ExportResult r;
    std::string data;
    try {
        // Read only, and every record that can be read, those of outboxes set aside too.
        platform::HandOver h = platform::hand_over(outbox_file);
        data = std::move(h.text);
        r.records = h.records;
        r.unreadable = h.unreadable;
    } catch (const platform::OutboxError& e) {
        throw ExportError(std::string("cannot read the records: ") + e.what());
    }

    const std::string name = "vitrine-export-" + safe_name(device_id) + "-" + base::utc_stamp(now) + ".jsonl";

    content::Sha256 sha;
    sha.update(data.data(), data.size());
    // sha256sum's format: `sha256sum -c` in the stick's directory checks it.
    const std::string checksum = content::to_hex(sha.finish()) + "  " + name + "\n";

    // Both files, plus a partly used cluster each on FAT.
    const std::uint64_t block = vfs.f_frsize ? vfs.f_frsize : 4096;
    const std::uint64_t needed = data.size() + checksum.size() + 2 * block;
    const std::uint64_t free = free_bytes(stick_dir);
    if (free < needed) throw full_error(needed, free);

    r.file = stick_dir / name;
    r.checksum_file = stick_dir / (name + ".sha256");
    r.bytes = data.size();
    fs::path tmp_data = write_temp(stick_dir, name, data, needed);
    fs::path tmp_sum;
    try {
        tmp_sum = write_temp(stick_dir, name + ".sha256", checksum, needed);
    } catch (...) {
        ::unlink(tmp_data.c_str());
        throw;
    }
    // The records first, then their checksum: a stick pulled in between
    // holds the records without a checksum, never a checksum of nothing.
    if (::rename(tmp_data.c_str(), r.file.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp_data.c_str());
        ::unlink(tmp_sum.c_str());
        throw write_error(stick_dir, err, needed);
    }
    if (::rename(tmp_sum.c_str(), r.checksum_file.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp_sum.c_str());
        ::unlink(r.file.c_str());
        throw write_error(stick_dir, err, needed);
    }
    try {
        base::flush_dir(stick_dir);
    } catch (const base::DiskError& e) {
        ::unlink(r.checksum_file.c_str());
        ::unlink(r.file.c_str());
        throw write_error(stick_dir, e.error(), needed);
    }
    return r;
}

std::vector<fs::path> writable_sticks(const std::vector<fs::path>& watch_dirs) {
    std::vector<fs::path> out;
    for (const auto& dir : watch_dirs) {
        if (is_mount_point(dir) || holds_files(dir)) out.push_back(dir);
        for (const auto& sub : subdirs(dir)) {
            if (is_mount_point(sub)) {
                out.push_back(sub);
                continue;
            }
            // /run/media/<user>/<stick>: the sticks are one level further.
            std::vector<fs::path> mounted;
            for (const auto& inner : subdirs(sub))
                if (is_mount_point(inner)) mounted.push_back(inner);
            if (!mounted.empty())
                out.insert(out.end(), mounted.begin(), mounted.end());
            else if (!is_empty_dir(sub))  // an empty one is a mount point left behind, not a stick
                out.push_back(sub);
        }
    }
    return out;
}

}  // namespace vitrine
