#include "soak/cable.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitrine::soak {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("cable: " + what + ": " + std::strerror(errno)); }

sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// Closes with a reset, not a polite FIN: the peer sees a broken connection.
void cut(int fd) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

bool send_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

struct Pair {
    int client = -1, server = -1;
    Clock::time_point last_up{}, last_down{};
    // A request went up and its answer has not finished coming down.
    bool busy(Clock::time_point now) const {
        return last_up > last_down || now - last_down < std::chrono::milliseconds(100);
    }
};

}  // namespace

Cable::Cable(int upstream_port) : upstream_(upstream_port) {
    if (::pipe2(wake_, O_CLOEXEC) != 0 || ::pipe2(reply_, O_CLOEXEC) != 0) fail("pipe");
    listener_ = listen_socket();
    sockaddr_in a{};
    socklen_t n = sizeof a;
    if (::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &n) != 0) fail("getsockname");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
}

Cable::~Cable() {
    command('q');
    thread_.join();
    for (int fd : {wake_[0], wake_[1], reply_[0], reply_[1]}) ::close(fd);
}

int Cable::listen_socket() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(port_);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("bind to port " + std::to_string(port_));
    if (::listen(fd, 64) != 0) fail("listen");
    return fd;
}

void Cable::command(int c) {
    std::lock_guard lock(mutex_);
    char b = static_cast<char>(c);
    if (::write(wake_[1], &b, 1) != 1) fail("write");
}

std::size_t Cable::unplug() {
    std::lock_guard lock(mutex_);
    char b = 'u';
    if (::write(wake_[1], &b, 1) != 1) fail("write");
    std::size_t busy = 0;
    if (::read(reply_[0], &busy, sizeof busy) != sizeof busy) fail("read");
    return busy;
}

void Cable::plug() {
    std::lock_guard lock(mutex_);
    char b = 'p';
    if (::write(wake_[1], &b, 1) != 1) fail("write");
    std::size_t ignored = 0;
    if (::read(reply_[0], &ignored, sizeof ignored) != sizeof ignored) fail("read");
}

// One thread relays every connection: loopback writes do not block for
// long, and the kiosk makes one request at a time.
void Cable::run() {
    std::vector<Pair> pairs;
    char buf[65536];
    for (;;) {
        std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
        for (const auto& p : pairs) {
            fds.push_back({p.client, POLLIN, 0});
            fds.push_back({p.server, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[0].revents & POLLIN) {
            char c = 0;
            if (::read(wake_[0], &c, 1) != 1 || c == 'q') break;
            std::size_t busy = 0;
            if (c == 'u') {
                auto now = Clock::now();
                for (const auto& p : pairs) {
                    busy += p.busy(now);
                    cut(p.client);
                    cut(p.server);
                }
                pairs.clear();
                if (listener_ >= 0) ::close(listener_);
                listener_ = -1;
            } else if (c == 'p' && listener_ < 0) {
                try {
                    listener_ = listen_socket();
                } catch (const std::exception&) {
                    listener_ = -1;  // the port was taken meanwhile: the harness sees the kiosk never sync again
                }
            }
            (void)!::write(reply_[1], &busy, sizeof busy);
            continue;  // the pairs changed under fds
        }
        const std::size_t polled = pairs.size();  // a pair accepted below has no entry in fds yet
        if (listener_ >= 0 && (fds[1].revents & POLLIN)) {
            int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client >= 0) {
                int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                sockaddr_in a = loopback(upstream_);
                if (server >= 0 && ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
                    pairs.push_back({client, server, {}, {}});
                    ++accepted_;
                } else {
                    if (server >= 0) ::close(server);
                    cut(client);
                }
            }
        }
        std::vector<bool> closed(pairs.size(), false);
        for (std::size_t i = 0; i < polled; ++i) {
            Pair& p = pairs[i];
            for (int side = 0; side < 2 && !closed[i]; ++side) {
                const pollfd& f = fds[2 + 2 * i + static_cast<std::size_t>(side)];
                if (!(f.revents & (POLLIN | POLLHUP | POLLERR))) continue;
                int from = side == 0 ? p.client : p.server, to = side == 0 ? p.server : p.client;
                ssize_t n = ::recv(from, buf, sizeof buf, 0);
                if (n <= 0 || !send_all(to, buf, static_cast<std::size_t>(n))) {
                    closed[i] = true;
                    break;
                }
                (side == 0 ? p.last_up : p.last_down) = Clock::now();
            }
        }
        for (std::size_t i = pairs.size(); i-- > 0;) {
            if (!closed[i]) continue;
            ::close(pairs[i].client);
            ::close(pairs[i].server);
            pairs.erase(pairs.begin() + static_cast<std::ptrdiff_t>(i));
        }
    }
    for (const auto& p : pairs) {
        ::close(p.client);
        ::close(p.server);
    }
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
}

}  // namespace vitrine::soak
