// The kiosk under a stand-in for systemd's service manager: an AF_UNIX
// datagram socket named by NOTIFY_SOCKET and a watchdog of 400 ms, as
// systemd sets them for a Type=notify unit with WatchdogSec. The real
// `vitrine run --script` on the offscreen driver with the demo pack. What
// must hold: READY=1 once the first frame is on screen; WATCHDOG=1 from the
// UI loop while the kiosk is idle and draws nothing; none while the loop
// is hung (`stall`), which is how systemd notices; pings again afterwards;
// STOPPING=1 at the end.
#include "rendered.hpp"
#include "support/demo_kiosk.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <regex>
#include <thread>

extern char** environ;

using namespace vitrine::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds kWatchdog{400};

struct Datagram {
    Clock::time_point at;
    std::string text;
    std::string err_before;  // the kiosk's stderr received by then
};
struct ErrLine {
    Clock::time_point at;
    std::string text;
};
struct Observed {
    int exit_code = -1;
    std::vector<Datagram> datagrams;
    std::vector<ErrLine> err_lines;
    std::string err;
    std::vector<Clock::time_point> pings() const {
        std::vector<Clock::time_point> out;
        for (const auto& d : datagrams)
            if (d.text == "WATCHDOG=1") out.push_back(d.at);
        return out;
    }
    const ErrLine* line(const std::string& start) const {
        for (const auto& l : err_lines)
            if (l.text.starts_with(start)) return &l;
        return nullptr;
    }
};

long ms(Clock::duration d) { return static_cast<long>(std::chrono::duration_cast<milliseconds>(d).count()); }

// The demo kiosk, with the notify socket bound.
struct ServiceKiosk : DemoKiosk {
    fs::path socket_path = tmp / "notify";
    int sock = -1;

    ServiceKiosk() {
        sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        REQUIRE(sock >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        REQUIRE(socket_path.string().size() < sizeof addr.sun_path);
        std::strcpy(addr.sun_path, socket_path.c_str());
        REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~ServiceKiosk() {
        if (sock >= 0) ::close(sock);
    }

    // Runs the kiosk with `script` as systemd would start it: NOTIFY_SOCKET,
    // WATCHDOG_USEC, and WATCHDOG_PID set to the kiosk's own pid (a shell
    // that execs it keeps its pid), unless `watchdog_pid` names another.
    Observed run_kiosk(const std::string& script, std::optional<std::string> watchdog_pid = {}) {
        write_file(tmp / "script.txt", script);
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e) {
            std::string v = *e;
            for (const char* drop : {"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID=", "JOURNAL_STREAM=",
                                     "VITRINE_LOG_PRIORITY=", "SDL_VIDEODRIVER="})
                if (v.starts_with(drop)) v.clear();
            if (!v.empty()) env.push_back(v);
        }
        env.push_back("NOTIFY_SOCKET=" + socket_path.string());
        env.push_back("WATCHDOG_USEC=" + std::to_string(std::chrono::microseconds(kWatchdog).count()));
        env.push_back("SDL_VIDEODRIVER=offscreen");
        std::string launcher = watchdog_pid ? "WATCHDOG_PID=" + *watchdog_pid + " exec \"$0\" \"$@\""
                                            : "WATCHDOG_PID=$$ exec \"$0\" \"$@\"";
        std::vector<std::string> argv = {"sh", "-c", launcher};
        for (const auto& a : script_args()) argv.push_back(a);

        int err[2];
        REQUIRE(::pipe2(err, O_CLOEXEC) == 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        std::vector<char*> args, envp;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        for (auto& v : env) envp.push_back(v.data());
        envp.push_back(nullptr);
        pid_t pid = -1;
        int rc = ::posix_spawnp(&pid, "sh", &fa, nullptr, args.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        ::close(err[1]);
        REQUIRE(rc == 0);

        // The collector: datagrams and stderr lines, each stamped when it
        // arrives. After each datagram, stderr is drained again, so a line
        // written before the datagram was sent is always seen before it.
        Observed o;
        std::thread collector([&] {
            std::string partial;
            auto drain_err = [&] {
                char buf[4096];
                for (;;) {
                    pollfd p{err[0], POLLIN, 0};
                    if (::poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP))) return true;
                    ssize_t n = ::read(err[0], buf, sizeof buf);
                    if (n <= 0) return false;
                    auto now = Clock::now();
                    o.err.append(buf, static_cast<std::size_t>(n));
                    partial.append(buf, static_cast<std::size_t>(n));
                    for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos; partial.erase(0, nl + 1))
                        o.err_lines.push_back({now, partial.substr(0, nl)});
                }
            };
            auto drain_socket = [&] {
                char buf[4096];
                for (;;) {
                    ssize_t n = ::recv(sock, buf, sizeof buf, 0);
                    if (n < 0) return;
                    auto now = Clock::now();
                    drain_err();
                    o.datagrams.push_back({now, std::string(buf, static_cast<std::size_t>(n)), o.err});
                }
            };
            bool open = true;
            while (open) {
                pollfd p[2] = {{sock, POLLIN, 0}, {err[0], POLLIN, 0}};
                ::poll(p, 2, 1000);
                drain_socket();
                open = drain_err();
            }
            drain_socket();  // the kiosk has closed stderr: it is exiting
        });
        int status = 0;
        ::waitpid(pid, &status, 0);
        collector.join();
        ::close(err[0]);
        {  // anything sent between stderr's end and the exit
            char buf[4096];
            for (ssize_t n; (n = ::recv(sock, buf, sizeof buf, 0)) >= 0;)
                o.datagrams.push_back({Clock::now(), std::string(buf, static_cast<std::size_t>(n)), o.err});
        }
        o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        return o;
    }
};

int frames_in(const std::string& line) {
    std::smatch m;
    static const std::regex re(R"(frames drawn: (\d+))");
    REQUIRE_MESSAGE(std::regex_search(line, m, re), line);
    return std::stoi(m[1]);
}

}  // namespace

TEST_CASE_FIXTURE(ServiceKiosk, "readiness after the first frame, keep-alives from the UI loop, a hung loop noticed") {
    Observed o = run_kiosk("tap Touchez l’écran pour découvrir\n"
                           "expect Aéronautique\n"
                           "wait 1500\n"  // pictures decoded, momentum spent: the grid is still
                           "shot " + (tmp / "idle.png").string() + "\n"
                           "wait 3000\n"  // idle: nothing to draw, the loop sleeps
                           "stall 3000\n"  // the loop hangs
                           "wait 1500\n");
    INFO(o.err);
    REQUIRE(o.exit_code == 0);
    CHECK(o.err.find("service watchdog: 400 ms") != std::string::npos);

    // READY=1, once, after the first frame was swapped (its log line comes
    // right after the swap), with a status line.
    int readies = 0;
    const Datagram* ready = nullptr;
    for (const auto& d : o.datagrams)
        if (d.text.starts_with("READY=1")) {
            ++readies;
            ready = &d;
        }
    CHECK(readies == 1);
    REQUIRE(ready);
    CHECK(ready->err_before.find("first interactive frame") != std::string::npos);
    CHECK(ready->text.find("\nSTATUS=showing pack ") != std::string::npos);

    // STOPPING=1 last: no keep-alive after it.
    REQUIRE(!o.datagrams.empty());
    CHECK(o.datagrams.back().text.starts_with("STOPPING=1"));

    const ErrLine* idle_start = o.line("vitrine: wrote " + (tmp / "idle.png").string());
    const ErrLine* stall = o.line("vitrine: stall: the UI loop blocks for 3000 ms");
    REQUIRE(idle_start);
    REQUIRE(stall);
    // The grid was idle: a few frames to settle, not one per 16 ms.
    int idle_frames = frames_in(stall->text) - frames_in(idle_start->text);
    MESSAGE("frames drawn during the idle wait: ", idle_frames);
    CHECK(idle_frames <= 20);  // steps and their settling; a redrawing grid makes dozens a second

    const auto pings = o.pings();
    // While idle, the gaps stay under the watchdog's timeout.
    long idle_max = 0;
    int idle_pings = 0;
    for (std::size_t i = 1; i < pings.size(); ++i)
        if (pings[i - 1] >= idle_start->at && pings[i] <= stall->at) {
            idle_max = std::max(idle_max, ms(pings[i] - pings[i - 1]));
            ++idle_pings;
        }
    MESSAGE("idle: ", idle_pings, " keep-alive gaps over ", ms(stall->at - idle_start->at), " ms, the longest ",
            idle_max, " ms (timeout ", kWatchdog.count(), " ms)");
    CHECK(idle_pings >= 8);  // about 3 s at one every 200 ms
    CHECK(idle_max < kWatchdog.count());

    // While the loop hangs, none: the gap across the stall is the stall,
    // far over the timeout, which is how systemd notices.
    auto after = std::find_if(pings.begin(), pings.end(), [&](auto t) { return t > stall->at; });
    REQUIRE(after != pings.end());
    REQUIRE(after != pings.begin());
    long stall_gap = ms(*after - *(after - 1));
    MESSAGE("across the stall: no keep-alive for ", stall_gap, " ms");
    CHECK(stall_gap >= 2900);
    CHECK(ms(*after - stall->at) >= 2900);

    // And the kiosk comes back: keep-alives again during the last wait.
    long resumed = static_cast<long>(pings.end() - after);
    MESSAGE("keep-alives after the stall: ", resumed);
    CHECK(resumed >= 4);
    for (auto it = after + 1; it != pings.end(); ++it) CHECK(ms(*it - *(it - 1)) < kWatchdog.count());
}

TEST_CASE_FIXTURE(ServiceKiosk, "a watchdog meant for another process is not answered") {
    // systemd names the main process in WATCHDOG_PID; a kiosk started by
    // something else that does not exec it must not ping in its place.
    Observed o = run_kiosk("wait 1000\n", std::to_string(::getpid()));
    INFO(o.err);
    REQUIRE(o.exit_code == 0);
    CHECK(o.pings().empty());
    REQUIRE(!o.datagrams.empty());
    CHECK(o.datagrams.front().text.starts_with("READY=1"));
    CHECK(o.datagrams.back().text.starts_with("STOPPING=1"));
    CHECK(o.err.find("service watchdog") == std::string::npos);
}
