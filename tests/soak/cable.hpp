// The soak test's network cable: a TCP relay on 127.0.0.1 between the kiosk
// and the fake platform that can be unplugged. Unplugged, its port refuses
// connections and the connections it carried are reset, as when the hall's
// network goes away; plugged in again, it listens on the same port.
#pragma once
#include <atomic>
#include <cstddef>
#include <mutex>
#include <thread>

namespace vitrine::soak {

class Cable {
public:
    // Listens on a free port of 127.0.0.1 and relays to 127.0.0.1:upstream.
    // Throws std::runtime_error when it cannot listen.
    explicit Cable(int upstream_port);
    ~Cable();
    Cable(const Cable&) = delete;
    Cable& operator=(const Cable&) = delete;

    int port() const { return port_; }
    // Both return once done: after unplug() a connection attempt is refused.
    // unplug() returns how many relayed connections it cut while a request
    // was waiting for (or receiving) its answer.
    std::size_t unplug();
    void plug();
    std::size_t connections() const { return accepted_.load(); }

private:
    void run();
    void command(int c);
    int listen_socket();

    int upstream_;
    int port_ = 0;
    int listener_ = -1;
    int wake_[2] = {-1, -1};
    std::mutex mutex_;  // one command at a time
    int reply_[2] = {-1, -1};
    std::atomic<std::size_t> accepted_{0};
    std::thread thread_;
};

}  // namespace vitrine::soak
