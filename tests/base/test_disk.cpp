// base/disk and base/text. The durable write's error paths run once, here,
// on real file systems: a tmpfs that is full, one with no inode left and
// one mounted read-only, each in a private mount namespace
// (`*on a real file system*`, its own CTest entry: disk_mounts).
#include "base/disk.hpp"
#include "base/text.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace vitrine;
using namespace vitrine::test;
using base::DiskError;
using base::DiskProblem;
using namespace std::chrono;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

// Runs `f`, which must throw a DiskError, and returns it.
template <class F>
DiskError disk_error_of(F&& f) {
    try {
        f();
    } catch (const DiskError& e) {
        return e;
    }
    FAIL("no DiskError thrown");
    return DiskError("", "", 0);
}

bool write_text(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

// Puts this process in a mount namespace of its own, as root of a user
// namespace when it is not root, so that it may mount tmpfs file systems
// that vanish with it. False when the machine allows neither.
bool enter_private_mounts() {
    static bool done = false;
    if (done) return true;
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (uid == 0 ? ::unshare(CLONE_NEWNS) != 0 : ::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        skip_suite(std::string("no private mount namespace here (unshare: ") + std::strerror(errno) +
                   "); the real file system cases need one");
        return false;
    }
    if (uid != 0) {
        REQUIRE(write_text("/proc/self/setgroups", "deny"));
        REQUIRE(write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1"));
        REQUIRE(write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1"));
    }
    REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
    done = true;
    return true;
}

void mount_tmpfs(const fs::path& dir, const std::string& options) {
    fs::create_directories(dir);
    INFO("mount -t tmpfs -o " << options << " " << dir.string() << ": " << std::strerror(errno));
    REQUIRE(::mount("vitrine-test", dir.c_str(), "tmpfs", 0, options.c_str()) == 0);
}

void remount_read_only(const fs::path& dir) {
    REQUIRE(::mount("vitrine-test", dir.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0);
}

// Fills the file system holding `dir` to its last byte.
void fill(const fs::path& dir) {
    int fd = ::open((dir / "filler").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    const std::string block(4096, 'x');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
}

}  // namespace

TEST_CASE("disk_problem and describe_errno say what an errno means") {
    CHECK(base::disk_problem(ENOSPC) == DiskProblem::Full);
    CHECK(base::disk_problem(EDQUOT) == DiskProblem::Full);
    CHECK(base::disk_problem(EROFS) == DiskProblem::ReadOnly);
    CHECK(base::disk_problem(EIO) == DiskProblem::Gone);
    CHECK(base::disk_problem(ENODEV) == DiskProblem::Gone);
    CHECK(base::disk_problem(EACCES) == DiskProblem::Denied);
    CHECK(base::disk_problem(EFBIG) == DiskProblem::Other);
    CHECK(base::describe_errno(ENOSPC) == std::string(std::strerror(ENOSPC)) + " (the file system is full)");
    CHECK(base::describe_errno(EROFS) ==
          std::string(std::strerror(EROFS)) + " (the file system is mounted read-only)");
    CHECK(base::describe_errno(EIO) == std::string(std::strerror(EIO)) + " (was the USB stick removed?)");
    CHECK(base::describe_errno(ENOENT) == std::strerror(ENOENT));
    const DiskError e("/data/x", "write", ENOSPC);
    CHECK(std::string(e.what()) == "cannot write /data/x: " + base::describe_errno(ENOSPC));
    CHECK(e.problem() == DiskProblem::Full);
}

TEST_CASE("replace_file writes a new file, replaces by a rename, and leaves nothing else") {
    TempDir tmp;
    const fs::path file = tmp / "settings.json";
    base::replace_file(file, "first\n");
    CHECK(read_file(file) == "first\n");
    CHECK((fs::status(file).permissions() & fs::perms::all) == static_cast<fs::perms>(0644));
    struct stat a{}, b{};
    REQUIRE(::stat(file.c_str(), &a) == 0);
    base::replace_file(file, std::string(1 << 20, 'y'), {.mode = 0600});
    REQUIRE(::stat(file.c_str(), &b) == 0);
    CHECK(a.st_ino != b.st_ino);  // a new file renamed over the old one
    CHECK(read_file(file) == std::string(1 << 20, 'y'));
    CHECK((b.st_mode & 07777) == 0600);
    CHECK(names_in(tmp.path) == std::vector<std::string>{"settings.json"});

    SUBCASE("keep_mode_and_owner: the mode of the file it replaces") {
        REQUIRE(::chmod(file.c_str(), 0640) == 0);
        base::replace_file(file, "third\n", {.mode = 0600, .keep_mode_and_owner = true});
        REQUIRE(::stat(file.c_str(), &b) == 0);
        CHECK((b.st_mode & 07777) == 0640);
        CHECK(read_file(file) == "third\n");
    }
    SUBCASE("a relative path in the current directory") {
        const fs::path here = fs::current_path();
        fs::current_path(tmp.path);
        base::replace_file("plain.txt", "here\n");
        fs::current_path(here);
        CHECK(read_file(tmp / "plain.txt") == "here\n");
    }
    SUBCASE("a directory that does not exist: Gone, at the temporary file") {
        const DiskError e = disk_error_of([&] { base::replace_file(tmp / "none/file", "x"); });
        CHECK(e.problem() == DiskProblem::Gone);
        CHECK(e.step() == "create a temporary file beside");
        CHECK(e.file() == tmp / "none/file");
    }
}

TEST_CASE("a write that fails part way (a file size limit): the target is unchanged, no temporary file") {
    TempDir tmp;
    const fs::path file = tmp / "kept.txt";
    base::replace_file(file, "kept\n");
    std::string replace_step, create_step;
    int replace_err = 0;
    with_file_size_limit(1000, [&] {
        try {
            base::replace_file(file, std::string(5000, 'z'));
        } catch (const DiskError& e) {
            replace_step = e.step();
            replace_err = e.error();
        }
        try {
            base::write_new_file(tmp / "new.txt", std::string(5000, 'z'));
        } catch (const DiskError& e) {
            create_step = e.step();
        }
    });
    CHECK(replace_step == "write");
    CHECK(replace_err == EFBIG);
    CHECK(create_step == "write");
    CHECK(read_file(file) == "kept\n");
    CHECK(names_in(tmp.path) == std::vector<std::string>{"kept.txt"});  // the new file removed too
}

TEST_CASE("write_all writes every byte through interrupted and partial writes") {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    // A signal every millisecond, without SA_RESTART: write(2) on a full
    // pipe returns early, with part written or EINTR.
    static std::atomic<int> signals{0};
    struct sigaction sa{}, old_sa{};
    sa.sa_handler = [](int) { signals.fetch_add(1, std::memory_order_relaxed); };
    REQUIRE(::sigaction(SIGALRM, &sa, &old_sa) == 0);
    std::string data(8 << 20, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 4096);
    std::string got;
    std::thread reader([&] {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(fds[0], buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
            if (got.size() % (256 << 10) < 4096) std::this_thread::sleep_for(microseconds(300));
        }
    });
    struct itimerval every_ms{{0, 1000}, {0, 1000}}, off{};
    REQUIRE(::setitimer(ITIMER_REAL, &every_ms, nullptr) == 0);
    base::write_all(fds[1], data, "pipe");
    ::setitimer(ITIMER_REAL, &off, nullptr);
    ::close(fds[1]);
    reader.join();
    ::close(fds[0]);
    ::sigaction(SIGALRM, &old_sa, nullptr);
    CHECK(signals.load() > 10);
    CHECK(got.size() == data.size());
    CHECK(got == data);
}

TEST_CASE("write_new_file refuses a file that exists and flushes what it writes") {
    TempDir tmp;
    base::write_new_file(tmp / "a", "one", 0600);
    CHECK(read_file(tmp / "a") == "one");
    const DiskError e = disk_error_of([&] { base::write_new_file(tmp / "a", "two"); });
    CHECK(e.error() == EEXIST);
    CHECK(e.step() == "create");
    CHECK(read_file(tmp / "a") == "one");
    CHECK_NOTHROW(base::sync_file_system(tmp / "a"));
    CHECK_NOTHROW(base::sync_file_system(tmp.path));
    CHECK_NOTHROW(base::flush_dir(tmp.path));
    CHECK(disk_error_of([&] { base::sync_file_system(tmp / "gone"); }).problem() == DiskProblem::Gone);
    CHECK(disk_error_of([&] { base::flush_dir(tmp / "gone"); }).problem() == DiskProblem::Gone);
    CHECK(disk_error_of([&] { base::flush_dir(tmp / "a"); }).step() == "open the directory");
}

TEST_CASE("on a real file system: full, out of inodes, read-only") {
    if (!enter_private_mounts()) return;
    TempDir tmp;
    const fs::path part = tmp / "part";

    SUBCASE("full: DiskError Full, the old file whole, no temporary file") {
        mount_tmpfs(part, "size=256k");
        const fs::path file = part / "settings.json";
        base::replace_file(file, "old\n");
        fill(part);
        const DiskError e = disk_error_of([&] { base::replace_file(file, std::string(64 << 10, 'n')); });
        CHECK(e.problem() == DiskProblem::Full);
        CHECK(e.error() == ENOSPC);
        CHECK(e.step() == "write");
        CHECK(std::string(e.what()).ends_with("(the file system is full)"));
        CHECK(read_file(file) == "old\n");
        CHECK(names_in(part) == std::vector<std::string>{"filler", "settings.json"});
        const DiskError n = disk_error_of([&] { base::write_new_file(part / "new", std::string(64 << 10, 'n')); });
        CHECK(n.problem() == DiskProblem::Full);
        CHECK_FALSE(fs::exists(part / "new"));
        fs::remove(part / "filler");
        CHECK_NOTHROW(base::replace_file(file, std::string(64 << 10, 'n')));  // room again: it works
        CHECK(fs::file_size(file) == 64u << 10);
        ::umount2(part.c_str(), MNT_DETACH);
    }
    SUBCASE("no inode left: Full at the temporary file") {
        mount_tmpfs(part, "size=1m,nr_inodes=3");  // the root and two files
        const fs::path file = part / "settings.json";
        base::replace_file(file, "old\n");
        write_file(part / "other", "x");
        const DiskError e = disk_error_of([&] { base::replace_file(file, "new\n"); });
        CHECK(e.problem() == DiskProblem::Full);
        CHECK(e.step() == "create a temporary file beside");
        CHECK(read_file(file) == "old\n");
        ::umount2(part.c_str(), MNT_DETACH);
    }
    SUBCASE("read-only: DiskError ReadOnly, nothing changed") {
        mount_tmpfs(part, "size=1m");
        const fs::path file = part / "settings.json";
        base::replace_file(file, "old\n");
        remount_read_only(part);
        const DiskError e = disk_error_of([&] { base::replace_file(file, "new\n"); });
        CHECK(e.problem() == DiskProblem::ReadOnly);
        CHECK(std::string(e.what()).ends_with("(the file system is mounted read-only)"));
        CHECK(disk_error_of([&] { base::write_new_file(part / "new", "x"); }).problem() == DiskProblem::ReadOnly);
        CHECK(read_file(file) == "old\n");
        CHECK(names_in(part) == std::vector<std::string>{"settings.json"});
        ::umount2(part.c_str(), MNT_DETACH);
    }
}

TEST_CASE("trim and the time formats") {
    CHECK(base::trim("  a b \t\r\n") == "a b");
    CHECK(base::trim(" \t ").empty());
    CHECK(base::trim("") == "");
    const system_clock::time_point t = sys_days(2026y / 1 / 5) + 9h + 3min + 7s + 45ms;
    CHECK(base::rfc3339(t) == "2026-01-05T09:03:07.045Z");
    CHECK(base::rfc3339_seconds(t) == "2026-01-05T09:03:07Z");
    CHECK(base::utc_stamp(t) == "20260105T090307Z");
    system_clock::time_point back{};
    REQUIRE(base::parse_rfc3339(base::rfc3339(t), back));
    CHECK(back == t);
    REQUIRE(base::parse_rfc3339(base::rfc3339_seconds(t), back));
    CHECK(back == t - 45ms);
    CHECK_FALSE(base::parse_rfc3339("2026-01-05T09:03:07+01:00", back));
    CHECK_FALSE(base::parse_rfc3339("2026-02-30T09:03:07Z", back));
}
