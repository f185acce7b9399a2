// The kiosk as a systemd service (Type=notify): it tells the service
// manager when the first frame is on screen (READY=1), that the UI loop is
// alive (WATCHDOG=1), and that it is stopping (STOPPING=1), through
// libsystemd's sd_notify.
//
// The keep-alive must come from the UI loop itself, every iteration, and
// never from a timer thread: a timer thread would keep pinging while the
// loop hangs, and a hung kiosk would never be restarted. So ping() is cheap
// enough to call on every iteration, and the loop sleeps no longer than
// until_ping().
//
// With no NOTIFY_SOCKET in the environment (a terminal, the tests) every
// call does nothing. UI thread only.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

namespace vitrine {

class ServiceNotifier {
public:
    // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID once.
    ServiceNotifier();

    // The service manager's watchdog timeout; zero when it expects no
    // keep-alive from this process.
    std::chrono::microseconds watchdog() const { return watchdog_; }

    // READY=1 with a STATUS= line that `systemctl status` shows. Never
    // personal data.
    void ready(std::string_view status);
    // WATCHDOG=1, at most once every half watchdog interval (as systemd
    // recommends); does nothing when called sooner, or with no watchdog.
    void ping();
    // STOPPING=1: the kiosk is shutting down (flushing the outbox, stopping
    // the sync worker).
    void stopping();

    // How long the UI loop may sleep before the next ping() is due (at most
    // half the timeout; zero when it is due now; a day with no watchdog).
    // Waking then, not later, keeps the gaps between keep-alives near half
    // the timeout, however idle (or dark) the kiosk is.
    std::chrono::milliseconds until_ping() const;

private:
    void notify(const std::string& state);

    bool socket_ = false;
    bool failed_ = false;  // one warning, not one per ping
    std::chrono::microseconds watchdog_{0};
    std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace vitrine
