// ServiceNotifier: sd_notify messages for systemd's Type=notify and its
// watchdog. See service.hpp for why the pings come from the UI loop.
#include "kiosk/service.hpp"

#include "kiosk/log.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace vitrine {

ServiceNotifier::ServiceNotifier() {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    socket_ = socket && *socket;
    if (!socket_) return;
    std::uint64_t usec = 0;
    // Left in the environment (0): the kiosk starts no child that could take them for its own.
    int r = sd_watchdog_enabled(0, &usec);
    if (r < 0) {
        log(LogLevel::Warning, std::string("the service watchdog is not used: WATCHDOG_USEC or WATCHDOG_PID is not "
                                           "valid (") + std::strerror(-r) + ")");
    } else if (r > 0 && usec > 0) {
        watchdog_ = std::chrono::microseconds(usec);
        log(LogLevel::Info, "service watchdog: " + std::to_string(usec / 1000) +
                                " ms; the UI loop sends a keep-alive every half of it");
    }
}

void ServiceNotifier::notify(const std::string& state) {
    if (!socket_) return;
    int r = sd_notify(0, state.c_str());
    if (r < 0 && !failed_) {
        failed_ = true;
        log(LogLevel::Warning, std::string("cannot notify the service manager (NOTIFY_SOCKET): ") + std::strerror(-r));
    }
}

void ServiceNotifier::ready(std::string_view status) {
    std::string state = "READY=1\nSTATUS=";
    state += status;
    notify(state);
}

void ServiceNotifier::ping() {
    if (watchdog_.count() == 0) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ping_ < watchdog_ / 2) return;
    last_ping_ = now;
    notify("WATCHDOG=1");
}

void ServiceNotifier::stopping() { notify("STOPPING=1\nSTATUS=stopping"); }

std::chrono::milliseconds ServiceNotifier::until_ping() const {
    using namespace std::chrono;
    if (watchdog_.count() == 0) return hours(24);
    return std::max(milliseconds(0), ceil<milliseconds>(last_ping_ + watchdog_ / 2 - steady_clock::now()));
}

}  // namespace vitrine
