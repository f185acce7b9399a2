// The fair soak test: the real kiosk (`vitrine run --script`, SDL's
// offscreen driver, the signed demo pack, a real outbox) plays whole days of
// a fair in accelerated time against the fake platform on loopback, through
// a network cable the harness unplugs and a platform that misbehaves on the
// script's cue; a stick brings a newer signed pack on the third day. At the
// end every record must be on the platform exactly once, the statistics
// must count what the visitors did, and the kiosk must not have grown in
// memory, descriptors or threads, nor logged an error.
//
//   soak [--days N] [--gap-min S] [--gap-max S] [--outages N] [--seed N]
//        [--out DIR] [--timeout-min N]
//
// Prints a table of figures; exit status 0 when every check passed, 1 with
// the failed checks named otherwise, 2 on a usage error.
#include "soak/cable.hpp"
#include "soak/fair.hpp"
#include "support/fake_platform.hpp"
#include "support/seal_keys.hpp"
#include "support/support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace vitrine;
using namespace std::chrono;
using json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

const fs::path kDemo = VITRINE_DEMO_DIR;
const fs::path kAssets = fs::path(VITRINE_SOURCE_DIR) / "assets";

struct Options {
    soak::FairOptions fair;
    fs::path out;          // where the script, the kiosk's log and the figures are kept ("" : nowhere)
    int timeout_min = 0;   // 0: 20 + 20 per day
    std::string window = "960x540";
};

[[noreturn]] void usage(const std::string& what) {
    std::cerr << "soak: " << what << "\n"
              << "usage: soak [--days N] [--gap-min S] [--gap-max S] [--outages N] [--seed N] [--out DIR] "
                 "[--timeout-min N]\n";
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        auto number = [&](int lo, int hi) {
            std::string v = value();
            try {
                std::size_t used = 0;
                long n = std::stol(v, &used);
                if (used != v.size() || n < lo || n > hi) throw std::out_of_range(v);
                return static_cast<int>(n);
            } catch (const std::exception&) {
                usage(a + " takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", not \"" +
                      v + "\"");
            }
        };
        if (a == "--days") o.fair.days = number(1, 30);
        else if (a == "--gap-min") o.fair.gap_min_s = number(30, 3600);
        else if (a == "--gap-max") o.fair.gap_max_s = number(30, 7200);
        else if (a == "--outages") o.fair.outages_per_day = number(0, 20);
        else if (a == "--seed") o.fair.seed = static_cast<unsigned>(number(0, 1 << 30));
        else if (a == "--timeout-min") o.timeout_min = number(1, 24 * 60);
        else if (a == "--out") o.out = value();
        else if (a == "--help" || a == "-h") usage("the fair soak test");
        else usage("unknown option " + a);
    }
    if (o.fair.gap_max_s < o.fair.gap_min_s) usage("--gap-max is below --gap-min");
    if (o.timeout_min == 0) o.timeout_min = 20 + 20 * o.fair.days;
    return o;
}

// ------------------------------------------------------------ the process

struct Usage {
    long rss_kib = 0, peak_kib = 0;  // VmRSS, VmHWM
    long anon_kib = 0, file_kib = 0, shmem_kib = 0;  // VmRSS's parts
    long spread_kib = 0;  // max - min over the samples this one is the median of
    long floor_kib = 0;   // their min: what stays when the player's buffers are at their lowest
    int fds = 0, threads = 0;
    std::multiset<std::string> fd_kinds;  // what each descriptor is, numbers stripped
};

long status_field_kib(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    return -1;
}

Usage usage_of(pid_t pid) {
    Usage u;
    const fs::path proc = "/proc/" + std::to_string(pid);
    u.rss_kib = status_field_kib(pid, "VmRSS");
    u.peak_kib = status_field_kib(pid, "VmHWM");
    u.anon_kib = status_field_kib(pid, "RssAnon");
    u.file_kib = status_field_kib(pid, "RssFile");
    u.shmem_kib = status_field_kib(pid, "RssShmem");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(proc / "fd", ec)) {
        ++u.fds;
        std::string target = fs::read_symlink(e.path(), ec).string();
        // socket:[1234] -> socket, anon_inode:[eventfd] stays, /dev/dri/renderD128 stays
        if (auto b = target.find(":["); b != std::string::npos && std::isdigit(static_cast<unsigned char>(target[b + 2])))
            target = target.substr(0, b);
        u.fd_kinds.insert(target);
    }
    for (const auto& e : fs::directory_iterator(proc / "task", ec)) {
        (void)e;
        ++u.threads;
    }
    return u;
}

// How long the kiosk may stay silent: the script logs marks every few
// seconds of real time, its longest wait is 15 s.
constexpr milliseconds kStallTimeout{180'000};

// Every thread's stack (gdb), or what /proc says when there is no gdb.
std::string threads_of(pid_t pid) {
    auto r = test::run({"sh", "-c", "command -v gdb >/dev/null && exec gdb -p " + std::to_string(pid) +
                                         " -batch -ex 'thread apply all bt 30' 2>&1"});
    if (r.exit_code == 0 && !r.out.empty()) return r.out;
    std::string s;
    std::error_code ec;
    for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec))
        s += test::read_file(t.path() / "comm").substr(0, 15) + " " + test::read_file(t.path() / "wchan") + "\n";
    return s;
}

std::string kinds_diff(const Usage& a, const Usage& b) {
    std::map<std::string, int> d;
    for (const auto& k : a.fd_kinds) --d[k];
    for (const auto& k : b.fd_kinds) ++d[k];
    std::string s;
    for (const auto& [k, n] : d)
        if (n) s += (s.empty() ? "" : ", ") + std::string(n > 0 ? "+" : "") + std::to_string(n) + " " + k;
    return s.empty() ? "none" : s;
}

// The kiosk, its stderr read line by line as it comes.
class Kiosk {
public:
    explicit Kiosk(const std::vector<std::string>& argv) {
        int err[2];
        if (::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, err[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        int rc = ::posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        ::close(err[1]);
        if (rc != 0) {
            ::close(err[0]);
            throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
        }
        fd_ = err[0];
    }
    ~Kiosk() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (fd_ >= 0) ::close(fd_);
    }
    pid_t pid() const { return pid_; }
    // The next whole line (without "\n"); nullopt at the end of the output
    // or when `timeout` passes first (then timed_out is set).
    std::optional<std::string> line(milliseconds timeout, bool& timed_out) {
        timed_out = false;
        auto deadline = SteadyClock::now() + timeout;
        for (;;) {
            if (auto nl = buf_.find('\n'); nl != std::string::npos) {
                std::string l = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                return l;
            }
            if (eof_) {
                if (buf_.empty()) return std::nullopt;
                std::string l = std::move(buf_);
                buf_.clear();
                return l;
            }
            auto left = duration_cast<milliseconds>(deadline - SteadyClock::now()).count();
            if (left <= 0) {
                timed_out = true;
                return std::nullopt;
            }
            pollfd p{fd_, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
            if (p.revents & (POLLIN | POLLHUP)) {
                char b[65536];
                ssize_t n = ::read(fd_, b, sizeof b);
                if (n <= 0) eof_ = true;
                else buf_.append(b, static_cast<std::size_t>(n));
            }
        }
    }
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    void kill() {
        if (!exited_) ::kill(pid_, SIGKILL);
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string buf_;
    bool eof_ = false, exited_ = false;
};

// ------------------------------------------------------------ the log

struct LogLine {
    int priority = -1;  // the syslog priority prefix, -1 without one
    std::string text;   // after "vitrine: "
    std::string raw;
};

LogLine parse_line(const std::string& raw) {
    LogLine l;
    l.raw = raw;
    std::string s = raw;
    if (s.size() > 3 && s[0] == '<' && std::isdigit(static_cast<unsigned char>(s[1])) && s[2] == '>') {
        l.priority = s[1] - '0';
        s = s.substr(3);
    }
    l.text = s.rfind("vitrine: ", 0) == 0 ? s.substr(9) : s;
    return l;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// ------------------------------------------------------------ checks

struct Checks {
    std::vector<std::pair<std::string, std::string>> failed;  // what, detail
    int passed = 0;
    void check(bool ok, const std::string& what, const std::string& detail = {}) {
        if (ok) ++passed;
        else failed.push_back({what, detail});
    }
};

std::string mib(long kib) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f MiB", static_cast<double>(kib) / 1024.0);
    return b;
}

std::string seconds_text(double s) {
    char b[32];
    if (s >= 120) std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    else std::snprintf(b, sizeof b, "%.1f s", s);
    return b;
}

json vitrine_json(const fs::path& config, std::vector<std::string> args, int& exit_code, std::string& err) {
    std::vector<std::string> argv = {test::vitrine_bin(), "--config", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run(argv);
    exit_code = r.exit_code;
    err = r.err;
    try {
        return json::parse(r.out);
    } catch (const std::exception&) {
        return json{{"ok", false}, {"error", "not JSON: " + r.out.substr(0, 200)}};
    }
}

// The demo pack, one version up, its first sector renamed in every
// language, signed with the demo key: what a content author would ship.
json make_new_pack(const fs::path& dir) {
    fs::create_directories(dir.parent_path());
    fs::copy(kDemo / "pack", dir, fs::copy_options::recursive);
    json doc = json::parse(test::read_file(dir / "manifest.json"));
    doc["pack"]["version"] = doc["pack"]["version"].get<std::int64_t>() + 1;
    static const std::map<std::string, std::string> more = {
        {"fr", " et espace"}, {"en", " and space"}, {"es", " y espacio"}, {"de", " und Raumfahrt"}};
    for (auto& [lang, name] : doc["sectors"][0]["name"].items())
        name = name.get<std::string>() + (more.count(lang) ? more.at(lang) : " +");
    test::write_file(dir / "manifest.json", doc.dump(2));
    auto s = test::run({"minisign", "-S", "-s", (kDemo / "keys/demo.key").string(), "-t", "soak test pack", "-m",
                        (dir / "manifest.json").string()});
    if (s.exit_code != 0) throw std::runtime_error("minisign -S failed: " + s.err);
    return doc;
}

// A POSIX TZ value in which `at` is 08:00:10 local time (the config opens
// at 08:00). "SOAK-hh:mm:ss" is local = UTC + hh:mm:ss.
std::string opening_time_zone(system_clock::time_point at) {
    const long day = 24 * 3600;
    long utc = static_cast<long>(duration_cast<seconds>(at.time_since_epoch()).count() % day);
    long offset = ((8 * 3600 + 10 - utc) % day + day) % day;  // local - UTC
    if (offset > day / 2) offset -= day;
    long a = std::abs(offset);
    char tz[64];
    std::snprintf(tz, sizeof tz, "SOAK%c%02ld:%02ld:%02ld", offset >= 0 ? '-' : '+', a / 3600, a % 3600 / 60, a % 60);
    return tz;
}

std::string demo_key_line() {
    std::string key = test::read_file(kDemo / "keys/demo.pub");
    key = key.substr(key.find('\n') + 1);
    return key.substr(0, key.find('\n'));
}

int play(const Options& opt) {
    const auto run_start = SteadyClock::now();
    test::TempDir tmp;
    const fs::path config = tmp / "vitrine.toml", data = tmp / "data", stick = tmp / "stick";
    const fs::path shelf = tmp / "shelf/FAIR-STICK", script_file = tmp / "fair.script";
    fs::create_directories(stick);
    if (!opt.out.empty()) fs::create_directories(opt.out);

    // What the visitors read, before and after the stick.
    json v1 = json::parse(test::read_file(kDemo / "pack/manifest.json"));
    json v2 = make_new_pack(shelf / "pack");
    soak::Labels before(kAssets / "i18n", v1), after(kAssets / "i18n", v2);
    soak::Fair fair = soak::plan_fair(opt.fair, before, after);
    test::write_file(script_file, fair.script);

    // The platform, behind the cable; the kiosk's config and data.
    test::TestKeyPair seal;
    test::FakePlatform platform("soak-device-token");
    soak::Cable cable(platform.port());
    test::write_file(tmp / "device-token", "soak-device-token\n");
    fs::permissions(tmp / "device-token", fs::perms::owner_read | fs::perms::owner_write);
    test::write_file(config, "[device]\n"
                             "id = \"soak-kiosk\"\n"
                             "event = \"soak-fair\"\n"
                             "data_dir = \"data\"\n"
                             "idle_timeout_s = " + std::to_string(opt.fair.idle_timeout_s) + "\n"
                             "[packs]\n"
                             "trusted_keys = [\"" + demo_key_line() + "\"]\n"
                             "watch_dirs = [\"stick\"]\n"
                             "auto_install = true\n"
                             "[platform]\n"
                             "base_url = \"http://127.0.0.1:" + std::to_string(cable.port()) + "\"\n"
                             "allow_insecure_http = true\n"
                             "token_file = \"device-token\"\n"
                             "seal_public_key = \"" + seal.public_base64() + "\"\n"
                             "batch_size = 20\n"
                             "connect_timeout_s = 1\n"
                             "timeout_s = 2\n"
                             "backoff_base_s = 2\n"
                             "backoff_cap_s = 300\n"
                             "heartbeat_s = 300\n"
                             "[hours]\n"
                             "open = \"08:00\"\n"
                             "close = \"20:00\"\n"
                             "wake_s = " + std::to_string(opt.fair.wake_s) + "\n");
    {
        auto r = test::run({test::vitrine_bin(), "--config", config.string(), "pack", "install", (kDemo / "pack").string()});
        if (r.exit_code != 0) throw std::runtime_error("installing the demo pack failed: " + r.err);
    }
    std::cerr << "soak: " << opt.fair.days << " day(s), " << fair.visitors << " visitors, " << fair.script_steps
              << " script steps; kiosk data in " << data.string() << "\n";

    // The kiosk, and what its log tells the harness to do. Its time zone
    // puts its start just after the opening time; a fixed offset has no
    // daylight saving change in the middle of the fair.
    ::setenv("TZ", opening_time_zone(system_clock::now() + seconds(3)).c_str(), 1);
    ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
    ::setenv("VITRINE_LOG_PRIORITY", "1", 1);
    Kiosk kiosk({test::vitrine_bin(), "--config", config.string(), "run", "--windowed", opt.window, "--script",
                 script_file.string()});
    std::ofstream kiosk_log(opt.out.empty() ? fs::path("/dev/null") : opt.out / "kiosk.log");
    std::vector<LogLine> lines;
    std::optional<Usage> first, last;
    std::vector<std::pair<int, Usage>> hourly;
    std::vector<double> day_started;  // seconds since the start of the run
    std::size_t busy_cuts = 0, requests_before_cut = 0;
    std::size_t late_answers = 0;  // with the network up, answered past the kiosk's 2 s timeout
    std::vector<std::pair<std::size_t, std::size_t>> cut_windows;  // request indices possibly unanswered
    std::string network = "up";
    std::optional<double> stick_in_at, pack_installed_at;
    bool ended = false, timed_out_run = false;
    auto since_start = [&] { return duration<double>(SteadyClock::now() - run_start).count(); };
    const auto deadline = SteadyClock::now() + minutes(opt.timeout_min);
    // The median (and the floor) of samples taken every 250 ms once the kiosk has settled
    // on its attract loop: its films come and go, and with them the
    // player's buffers (RSS moves by tens of MiB within seconds).
    auto sample = [&](milliseconds settle, int count) {
        std::this_thread::sleep_for(settle);
        std::vector<Usage> s;
        for (int i = 0; i < count; ++i) {
            s.push_back(usage_of(kiosk.pid()));
            std::this_thread::sleep_for(milliseconds(250));
        }
        std::sort(s.begin(), s.end(), [](const Usage& a, const Usage& b) { return a.rss_kib < b.rss_kib; });
        Usage median = s[s.size() / 2];
        median.spread_kib = s.back().rss_kib - s.front().rss_kib;
        median.floor_kib = s.front().rss_kib;
        return median;
    };
    // The kiosk's memory map, for an RSS growth's post-mortem.
    auto keep_smaps = [&](const std::string& name) {
        if (!opt.out.empty())
            test::write_file(opt.out / ("smaps-" + name + ".txt"), test::read_file("/proc/" + std::to_string(kiosk.pid()) + "/smaps"));
    };
    auto network_up = [&] {
        if (network == "refused") cable.plug();
        platform.set_default(test::Behaviour::normal());
        network = "up";
    };
    std::string stall;  // the kiosk's threads, when it stopped making progress
    for (;;) {
        bool timed_out = false;
        auto left = duration_cast<milliseconds>(deadline - SteadyClock::now());
        // The script logs a mark at least every few seconds of real time.
        auto raw = kiosk.line(std::clamp(left, milliseconds(1), kStallTimeout), timed_out);
        if (timed_out) {
            timed_out_run = true;
            if (SteadyClock::now() < deadline) stall = threads_of(kiosk.pid());
            kiosk.kill();
            break;
        }
        if (!raw) break;
        kiosk_log << *raw << "\n";
        LogLine l = parse_line(*raw);
        lines.push_back(l);
        if (l.text.find("a new pack is installed") != std::string::npos && !pack_installed_at) pack_installed_at = since_start();
        if (network == "up" && l.text.find("the platform did not answer in time") != std::string::npos) {
            // A machine too busy for the 2 s timeout: the batch just sent
            // may have been stored with its answer come too late.
            const std::size_t n = platform.requests().size();
            cut_windows.push_back({n >= 3 ? n - 3 : 0, n});
            ++late_answers;
        }
        if (l.text.rfind("script: soak: ", 0) != 0) continue;
        std::string cue = l.text.substr(14);
        if (cue.rfind("day ", 0) == 0 && cue.find(" opens") != std::string::npos) {
            day_started.push_back(since_start());
            std::cerr << "soak: " << cue << " after " << seconds_text(since_start()) << "\n";
        } else if (cue.rfind("network down ", 0) == 0) {
            if (network != "up") network_up();
            std::string kind = cue.substr(13);
            if (kind == "refused") {
                requests_before_cut = platform.requests().size();
                std::size_t busy = cable.unplug();
                busy_cuts += busy;
                if (busy) {
                    // The request in flight may have been processed with its answer lost.
                    std::this_thread::sleep_for(milliseconds(300));
                    cut_windows.push_back({requests_before_cut == 0 ? 0 : requests_before_cut - 1, platform.requests().size()});
                }
            } else if (kind == "503") {
                platform.set_default(test::Behaviour::status(503, "120"));
            } else if (kind == "500") {
                platform.set_default(test::Behaviour::status(500));
            } else if (kind == "hang") {
                platform.set_default(test::Behaviour::hang(milliseconds(4000)));
            } else if (kind == "reset") {
                platform.set_default(test::Behaviour::reset());
            }
            network = kind;
        } else if (cue == "network up") {
            network_up();
        } else if (cue == "stick in") {
            fs::rename(shelf, stick / shelf.filename());
            stick_in_at = since_start();
        } else if (cue == "stick out") {
            fs::rename(stick / shelf.filename(), shelf);
        } else if (cue == "sample first") {
            // 36 s: a whole turn of the attract loop (four 8 s films) and
            // then some, so that both windows see the same films. The
            // script waits 44 s.
            first = sample(seconds(4), 144);
            keep_smaps("first");
        } else if (cue == "sample last") {
            last = sample(seconds(4), 144);
            keep_smaps("last");
        } else if (cue.rfind("hour ", 0) == 0) {
            hourly.push_back({std::stoi(cue.substr(5)), sample(milliseconds(600), 3)});  // the script waits 1.5 s
            keep_smaps("hour-" + cue.substr(5));
        } else if (cue == "end") {
            ended = true;
        }
    }
    const int exit_code = kiosk.wait();
    const double kiosk_wall = since_start();
    network_up();

    // ---------------------------------------------------------------- checks
    Checks c;
    {
        std::string tail;
        for (std::size_t i = lines.size() > 15 ? lines.size() - 15 : 0; i < lines.size(); ++i) tail += "\n    " + lines[i].raw;
        if (!stall.empty() && !opt.out.empty()) test::write_file(opt.out / "stall.txt", stall);
        c.check(stall.empty(), "the kiosk keeps making progress (a log line at least every " +
                                   std::to_string(kStallTimeout.count() / 1000) + " s)",
                (opt.out.empty() ? std::string("its threads:\n") + stall : "its threads: " + (opt.out / "stall.txt").string()) + tail);
        c.check(!timed_out_run || !stall.empty(), "the run ends within " + std::to_string(opt.timeout_min) + " minutes", tail);
        c.check(exit_code == 0, "the script succeeds (exit 0)", "exit " + std::to_string(exit_code) + "; the log ends:" + tail);
        c.check(ended, "the script reaches its end mark");
        c.check(static_cast<int>(day_started.size()) == opt.fair.days, "every day opens",
                std::to_string(day_started.size()) + " of " + std::to_string(opt.fair.days));
    }

    // Error-level lines. With VITRINE_LOG_PRIORITY=1 every line carries its
    // priority; a line with none is an older build's, where "error" is the tell.
    bool priorities = std::any_of(lines.begin(), lines.end(), [](const LogLine& l) { return l.priority >= 0; });
    std::vector<std::string> errors;
    for (const auto& l : lines) {
        bool error = l.priority >= 0 ? l.priority <= 3 : lower(l.text).find("error") != std::string::npos;
        if (error) errors.push_back(l.raw);
    }
    {
        std::string detail;
        for (std::size_t i = 0; i < errors.size() && i < 10; ++i) detail += "\n    " + errors[i];
        c.check(errors.empty(), std::string("no error-level log line") + (priorities ? "" : " (no priorities: lines with \"error\")"),
                std::to_string(errors.size()) + " lines:" + detail);
    }

    // The outbox as the kiosk left it, then after a sync pass for what
    // was made at its exit (the statistics of the hour under way).
    int rc = 0;
    std::string err;
    json at_exit = vitrine_json(config, {"queue", "list", "--json"}, rc, err);
    std::vector<json> pending_at_exit;
    for (const auto& r : at_exit.value("records", json::array()))
        if (r.at("state") != "sent") pending_at_exit.push_back(r);
    bool only_exit_stats = pending_at_exit.size() <= 1 &&
                           std::all_of(pending_at_exit.begin(), pending_at_exit.end(),
                                       [](const json& r) { return r.at("kind") == "stats" && r.at("state") == "pending"; });
    c.check(rc == 0 && at_exit.value("ok", false), "vitrine queue list works", err);
    c.check(only_exit_stats, "the kiosk sent every record but the statistics written at its exit",
            std::to_string(pending_at_exit.size()) + " not sent at exit");
    int sync_rc = 0;
    if (!pending_at_exit.empty()) {
        json s = vitrine_json(config, {"sync", "--once", "--json"}, sync_rc, err);
        c.check(sync_rc == 0, "vitrine sync --once sends the rest", s.dump() + " " + err);
    }
    json outbox = vitrine_json(config, {"queue", "list", "--json"}, rc, err).value("records", json::array());
    std::map<std::string, std::string> states;
    for (const auto& r : outbox) states[r.at("id")] = r.at("state");
    int not_sent = 0;
    for (const auto& [id, state] : states) not_sent += state != "sent";
    c.check(not_sent == 0 && !states.empty(), "every record in the outbox is sent (none pending or rejected)",
            std::to_string(not_sent) + " of " + std::to_string(states.size()) + " not sent");

    // The platform holds each of them once.
    auto received = platform.records();
    auto deliveries = platform.deliveries();
    std::vector<std::string> missing, extra;
    for (const auto& [id, state] : states)
        if (!received.count(id)) missing.push_back(id);
    for (const auto& [id, r] : received)
        if (!states.count(id)) extra.push_back(id);
    c.check(missing.empty() && extra.empty(), "the platform holds every record of the outbox and nothing else",
            std::to_string(missing.size()) + " missing, " + std::to_string(extra.size()) + " unknown");

    // Resent records: each extra delivery needs a batch whose answer the
    // kiosk could not have seen (answer cut, a hang past its timeout, a
    // connection cut by the unplugged cable, an answer too late for the
    // timeout on a busy machine, which the kiosk logs).
    auto requests = platform.requests();
    std::map<std::string, int> unseen;  // record id -> batches processed with the answer lost
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& q = requests[i];
        bool in_cut = std::any_of(cut_windows.begin(), cut_windows.end(),
                                  [&](auto w) { return i >= w.first && i < w.second; });
        if (q.path != "/v1/records:batch" || !(q.behaviour == "reset" || q.behaviour == "hang" || in_cut)) continue;
        try {
            const json batch = json::parse(q.body);
            for (const auto& r : batch.at("records")) ++unseen[r.at("id").get<std::string>()];
        } catch (const std::exception&) {
        }
    }
    int resent = 0, extra_deliveries = 0;
    std::vector<std::string> unexplained;
    for (const auto& [id, n] : deliveries) {
        if (n <= 1) continue;
        ++resent;
        extra_deliveries += n - 1;
        if (n - 1 > unseen[id]) unexplained.push_back(id + " delivered " + std::to_string(n) + " times");
    }
    c.check(unexplained.empty(), "a record is delivered again only after a batch whose answer was lost",
            std::to_string(unexplained.size()) + " unexplained, e.g. " + (unexplained.empty() ? "" : unexplained[0]));

    // Interest records: as many as QR codes shown, in order, with the
    // answers, consents and sealed contact details the visitors gave.
    std::vector<json> interest, stats;
    for (const auto& [id, r] : received) (r.at("kind") == "interest" ? interest : stats).push_back(r);
    std::sort(interest.begin(), interest.end(),
              [](const json& a, const json& b) { return a.at("created").get<std::string>() < b.at("created").get<std::string>(); });
    c.check(static_cast<int>(interest.size()) == fair.qr_shown, "one interest record per QR code shown",
            std::to_string(interest.size()) + " records, " + std::to_string(fair.qr_shown) + " QR codes");
    int mismatched = 0;
    std::string first_mismatch;
    for (std::size_t i = 0; i < std::min(interest.size(), fair.interests.size()); ++i) {
        const json& got = interest[i];
        const auto& want = fair.interests[i];
        const json& p = got.at("payload");
        bool ok = p.at("answers") == want.answers && p.at("consent").at("contact") == want.contact &&
                  p.at("consent").at("share_cv") == want.share_cv;
        const json& sealed = got.at("sealed");
        if (want.sealed_contact.is_null()) {
            ok = ok && sealed.empty();
        } else {
            auto clear = sealed.contains("contact") ? seal.open_base64(sealed.at("contact").get<std::string>()) : std::nullopt;
            ok = ok && clear && json::parse(*clear) == want.sealed_contact;
        }
        if (!ok && mismatched++ == 0)
            first_mismatch = "record " + std::to_string(i + 1) + ": " + p.dump() + " sealed " + sealed.dump();
    }
    c.check(mismatched == 0, "each interest record holds what its visitor chose (contact details sealed)",
            std::to_string(mismatched) + " differ; " + first_mismatch);

    // Statistics: the flows and showcase views the script made, none lost.
    std::int64_t started = 0, abandoned = 0, qr = 0, completed = 0, views = 0;
    std::set<std::string> hours;
    for (const auto& s : stats) {
        const json& p = s.at("payload");
        started += p.at("flows").at("started").get<std::int64_t>();
        abandoned += p.at("flows").at("abandoned").get<std::int64_t>();
        qr += p.at("flows").at("qr_shown").get<std::int64_t>();
        completed += p.at("flows").at("completed").get<std::int64_t>();
        for (const auto& [id, sc] : p.at("showcases").items()) views += sc.at("views").get<std::int64_t>();
        hours.insert(p.at("hour").get<std::string>());
    }
    c.check(started == fair.flows_started && qr == fair.qr_shown && completed == fair.qr_shown &&
                abandoned == fair.flows_started - fair.qr_shown,
            "the statistics count every interest flow",
            "started " + std::to_string(started) + "/" + std::to_string(fair.flows_started) + ", QR " + std::to_string(qr) +
                "/" + std::to_string(fair.qr_shown) + ", completed " + std::to_string(completed) + ", abandoned " +
                std::to_string(abandoned) + "/" + std::to_string(fair.flows_started - fair.qr_shown));
    c.check(views == fair.views, "the statistics count every showcase view",
            std::to_string(views) + " counted, " + std::to_string(fair.views) + " made");
    c.check(hours.size() == stats.size(), "one statistics record per hour", std::to_string(stats.size()) + " records, " +
                                                                             std::to_string(hours.size()) + " hours");

    // The stick: installed while a visitor was there, shown after.
    json packs = vitrine_json(config, {"pack", "list", "--json"}, rc, err);
    std::int64_t current = 0;
    for (const auto& p : packs.value("packs", json::array()))
        if (p.value("current", false)) current = p.value("version", std::int64_t{0});
    c.check(current == v2["pack"]["version"].get<std::int64_t>(), "the stick's pack is the current one",
            "current version " + std::to_string(current) + "; " + packs.dump());
    c.check(pack_installed_at.has_value(), "the kiosk says the new pack is installed");

    // Nothing a visitor typed is anywhere in clear: log, outbox, data directory.
    std::vector<std::string> found;
    std::string all_log;
    for (const auto& l : lines) all_log += l.raw + "\n";
    for (const auto& t : fair.typed)
        if (all_log.find(t) != std::string::npos) found.push_back("log: " + t);
    for (const auto& e : fs::recursive_directory_iterator(data)) {
        if (!e.is_regular_file() || e.path().string().find("/packs/") != std::string::npos) continue;
        std::string bytes = test::read_file(e.path());
        for (const auto& t : fair.typed)
            if (bytes.find(t) != std::string::npos) found.push_back(e.path().filename().string() + ": " + t);
    }
    c.check(found.empty(), "no typed contact detail in clear in the log or the data directory",
            found.empty() ? "" : found[0]);

    // Memory, descriptors, threads: the end of the first hour against the
    // end of the last one, both on the attract loop with the network up.
    c.check(first && last, "memory sampled at the end of the first and the last hour");
    // Compared by their medians over 36 s, a whole turn of the attract
    // loop, so that both windows hold the same films: RSS moves by 30 to 40
    // MiB with the film that plays. The floors are only shown: the lowest
    // sample depends on whether one caught the short trough between two
    // films (floors 14 MiB apart with the same memory map, medians 0.5 MiB).
    // A leak raises every sample, the median with them.
    long growth = first && last ? last->rss_kib - first->rss_kib : 0;
    if (first && last) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        // AddressSanitizer holds freed memory in its quarantine on purpose,
        // and both sanitizers map shadow memory as the heap is touched: RSS
        // says nothing about leaks there (LeakSanitizer does, at exit).
        std::cerr << "soak: RSS growth not checked in a sanitizer build\n";
#else
        c.check(growth < 10 * 1024, "RSS grows less than 10 MiB from the first hour to the last (medians over 36 s)",
                mib(first->rss_kib) + " -> " + mib(last->rss_kib) + "; floors " + mib(first->floor_kib) + " -> " +
                    mib(last->floor_kib));
#endif
        // The sync worker keeps at most one connection to the platform,
        // open or not depending on when the platform last closed it: one
        // socket more or less is that connection, anything else a leak.
        const long sockets = static_cast<long>(last->fd_kinds.count("socket")) - static_cast<long>(first->fd_kinds.count("socket"));
        c.check(first->fds - static_cast<int>(first->fd_kinds.count("socket")) ==
                        last->fds - static_cast<int>(last->fd_kinds.count("socket")) &&
                    std::abs(sockets) <= 1,
                "no file descriptor leak (the platform connection's socket may come and go)",
                std::to_string(first->fds) + " -> " + std::to_string(last->fds) + ": " + kinds_diff(*first, *last));
        c.check(first->threads == last->threads, "no thread leak",
                std::to_string(first->threads) + " -> " + std::to_string(last->threads));
    }
    c.check(!platform.heartbeats().empty(), "the platform received heartbeats");

    // ---------------------------------------------------------------- figures
    const double wall = since_start();
    int outages = 0;
    std::string outage_kinds;
    for (const auto& [k, n] : fair.outages) {
        outages += n;
        outage_kinds += (outage_kinds.empty() ? "" : ", ") + std::to_string(n) + " " + k;
    }
    std::string visits;
    for (const auto& [k, n] : fair.visits) visits += (visits.empty() ? "" : "; ") + std::to_string(n) + " " + k;
    long rss_min = 0, rss_max = 0;
    for (const auto& [h, u] : hourly) {
        rss_min = rss_min ? std::min(rss_min, u.rss_kib) : u.rss_kib;
        rss_max = std::max(rss_max, u.rss_kib);
    }
    std::string per_day;
    for (std::size_t d = 0; d < day_started.size(); ++d) {
        double end = d + 1 < day_started.size() ? day_started[d + 1] : kiosk_wall;
        per_day += (per_day.empty() ? "" : ", ") + seconds_text(end - day_started[d]);
    }
    double load[3] = {0, 0, 0};
    (void)!::getloadavg(load, 3);
    std::ostringstream t;
    auto row = [&](const std::string& what, const std::string& value) { t << "| " << what << " | " << value << " |\n"; };
    t << "| figure | value |\n| --- | --- |\n";
    row("days (opening hours each)", std::to_string(opt.fair.days) + " (" + std::to_string(opt.fair.open_minutes / 60) + " h " +
                                         std::to_string(opt.fair.open_minutes % 60) + " min)");
    row("visitors", std::to_string(fair.visitors) + " (" + visits + ")");
    row("language switches", std::to_string(fair.language_switches));
    row("interest flows started / QR shown (interest records) / abandoned",
        std::to_string(fair.flows_started) + " / " + std::to_string(fair.qr_shown) + " / " +
            std::to_string(fair.flows_started - fair.qr_shown));
    row("visitors left to the idle reset", std::to_string(fair.walked_away));
    row("showcase views", std::to_string(fair.views));
    row("network outages", std::to_string(outages) + " (" + outage_kinds + "); " + std::to_string(busy_cuts) +
                               " connections cut mid-request");
    row("answers past the kiosk's 2 s timeout with the network up (a busy machine)", std::to_string(late_answers));
    row("records delivered", std::to_string(received.size()) + " (" + std::to_string(interest.size()) + " interest, " +
                                 std::to_string(stats.size()) + " stats); batches " + std::to_string(platform.batch_count()) +
                                 ", heartbeats " + std::to_string(platform.heartbeats().size()));
    row("records resent (delivered more than once) / extra deliveries",
        std::to_string(resent) + " / " + std::to_string(extra_deliveries));
    row("records not sent at the kiosk's exit", std::to_string(pending_at_exit.size()));
    row("new pack: stick in -> installed",
        stick_in_at && pack_installed_at ? seconds_text(*pack_installed_at - *stick_in_at) : std::string("-"));
    if (first && last) {
        row("RSS end of first hour / end of last hour / growth (medians over 36 s)",
            mib(first->rss_kib) + " / " + mib(last->rss_kib) + " / " + mib(growth));
        row("RSS floors over those 36 s, first / last / growth",
            mib(first->floor_kib) + " / " + mib(last->floor_kib) + " / " + mib(last->floor_kib - first->floor_kib));
        row("RSS spread within those 36 s, first / last", mib(first->spread_kib) + " / " + mib(last->spread_kib));
        row("RSS over the hourly marks (min / max)", mib(rss_min) + " / " + mib(rss_max));
        row("file descriptors first / last hour", std::to_string(first->fds) + " / " + std::to_string(last->fds) +
                                                      " (difference: " + kinds_diff(*first, *last) + ")");
        row("threads first / last hour", std::to_string(first->threads) + " / " + std::to_string(last->threads));
    }
    if (last) row("peak RSS (VmHWM) at the last hour", mib(last->peak_kib));
    row("log lines / error-level", std::to_string(lines.size()) + " / " + std::to_string(errors.size()));
    row("wall time (per day)", seconds_text(wall) + " (" + per_day + ")");
    char l[64];
    std::snprintf(l, sizeof l, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    row("load average at the end (1, 5, 15 min)", l);
    const std::string table = t.str();
    std::cout << table << "\n";
    if (!opt.out.empty()) {
        test::write_file(opt.out / "figures.md", table);
        test::write_file(opt.out / "fair.script", fair.script);
        std::ostringstream csv;
        csv << "hour,rss_kib,anon_kib,file_kib,shmem_kib,fds,threads\n";
        for (const auto& [h, u] : hourly)
            csv << h << "," << u.rss_kib << "," << u.anon_kib << "," << u.file_kib << "," << u.shmem_kib << "," << u.fds
                << "," << u.threads << "\n";
        test::write_file(opt.out / "hourly.csv", csv.str());
        // Every request the platform received, for a failed check's post-mortem.
        std::ofstream rq(opt.out / "requests.jsonl");
        for (std::size_t i = 0; i < requests.size(); ++i) {
            json ids = json::array();
            try {
                const json batch = json::parse(requests[i].body);
                for (const auto& r : batch.at("records")) ids.push_back(r.at("id"));
            } catch (const std::exception&) {
            }
            rq << json{{"i", i}, {"path", requests[i].path}, {"behaviour", requests[i].behaviour},
                       {"status", requests[i].status}, {"idempotency_key", requests[i].idempotency_key}, {"ids", ids}}
                      .dump()
               << "\n";
        }
    }
    std::cout << c.passed << " checks passed, " << c.failed.size() << " failed\n";
    for (const auto& [what, detail] : c.failed) std::cout << "FAILED: " << what << (detail.empty() ? "" : ": " + detail) << "\n";
    return c.failed.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse_options(argc, argv);
    try {
        return play(o);
    } catch (const std::exception& e) {
        std::cerr << "soak: " << e.what() << "\n";
        return 1;
    }
}
