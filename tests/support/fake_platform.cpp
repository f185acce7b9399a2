#include "support/fake_platform.hpp"

#include <httplib.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vitrine::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono;

// cpp-httplib compresses an answer of exactly "application/json" for a client
// that accepts gzip or br; with a parameter the bytes on the wire are the ones
// written here (which a trickle needs).
constexpr const char* kJson = "application/json; charset=utf-8";

const char* kind_name(Behaviour::Kind k) {
    switch (k) {
        case Behaviour::Kind::Normal: return "normal";
        case Behaviour::Kind::Status: return "status";
        case Behaviour::Kind::Hang: return "hang";
        case Behaviour::Kind::Reset: return "reset";
        case Behaviour::Kind::Garbage: return "garbage";
        case Behaviour::Kind::Omit: return "omit";
        case Behaviour::Kind::Trickle: return "trickle";
    }
    return "?";
}

void answer_error(httplib::Response& res, int status, const std::string& message) {
    res.status = status;
    res.set_content(json{{"error", message}}.dump(), kJson);
}

// A checked batch's records, each an object with a string id.
using Batch = std::vector<json>;

// Runs `argv` (PATH searched), its output into `log`; its exit status.
int spawn_wait(const std::vector<std::string>& argv, const fs::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Shuts down every socket of this process whose local end is 127.0.0.1:port:
// once the listening socket is closed, the connections the server accepted.
// httplib's threads wait on an idle keep-alive connection or a slow request
// until their own timeouts, whatever stop() said; a shut-down socket ends
// the wait at once.
void shutdown_accepted(int port) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec)) {
        int fd = std::atoi(entry.path().filename().c_str());
        sockaddr_in local{};
        socklen_t len = sizeof local;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 && local.sin_family == AF_INET &&
            ntohs(local.sin_port) == port && local.sin_addr.s_addr == htonl(INADDR_LOOPBACK))
            ::shutdown(fd, SHUT_RDWR);
    }
}

}  // namespace

TlsFiles make_self_signed(const fs::path& dir) {
    fs::create_directories(dir);
    TlsFiles files{dir / "cert.pem", dir / "key.pem"};
    fs::path log = dir / "openssl.log";
    int rc = spawn_wait({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                         "-nodes", "-keyout", files.key.string(), "-out", files.cert.string(), "-days", "2",
                         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                        log);
    if (rc != 0) {
        std::ifstream in(log);
        std::stringstream text;
        text << in.rdbuf();
        throw std::runtime_error("openssl could not make a self-signed certificate in " + dir.string() + ": " +
                                 text.str());
    }
    return files;
}

Behaviour Behaviour::normal() { return {}; }

Behaviour Behaviour::status(int code, std::string retry_after, std::string body) {
    Behaviour b;
    b.kind = Kind::Status;
    b.code = code;
    b.retry_after = std::move(retry_after);
    b.body = body.empty() ? json{{"error", "fake platform: status " + std::to_string(code)}}.dump() : std::move(body);
    return b;
}

Behaviour Behaviour::hang(milliseconds d, Behaviour then) {
    Behaviour b;
    b.kind = Kind::Hang;
    b.delay = d;
    b.then = std::make_shared<const Behaviour>(std::move(then));
    return b;
}

Behaviour Behaviour::reset() {
    Behaviour b;
    b.kind = Kind::Reset;
    return b;
}

Behaviour Behaviour::garbage(std::string body) {
    Behaviour b;
    b.kind = Kind::Garbage;
    b.body = std::move(body);
    return b;
}

Behaviour Behaviour::wrong_shape(const json& doc) { return garbage(doc.dump()); }

Behaviour Behaviour::omit(std::size_t n) {
    Behaviour b;
    b.kind = Kind::Omit;
    b.omit_last = n;
    return b;
}

Behaviour Behaviour::omit(std::function<bool(const json& record)> leave_out) {
    Behaviour b;
    b.kind = Kind::Omit;
    b.omit_if = std::move(leave_out);
    return b;
}

Behaviour Behaviour::trickle(std::size_t bytes, milliseconds interval) {
    Behaviour b;
    b.kind = Kind::Trickle;
    b.piece = bytes > 0 ? bytes : 1;
    b.delay = interval;
    return b;
}

struct FakePlatform::Impl {
    std::string token;
    bool tls = false;
    std::unique_ptr<httplib::Server> server;
    std::thread thread;
    int port = 0;
    std::atomic<bool> listen_returned{false};

    mutable std::mutex mu;
    mutable std::condition_variable changed;  // a request arrived or was handled, or the server stops
    bool stopping = false;
    std::uint64_t events = 0;  // arrivals and handled requests
    std::size_t batches = 0, batches_handled = 0;
    std::map<std::string, json> records;
    std::map<std::string, int> deliveries;
    std::vector<Heartbeat> heartbeats;
    std::vector<Request> requests;
    std::deque<Behaviour> queue;
    Behaviour fallback;
    std::function<std::optional<std::string>(const json&)> reject;
    std::function<std::chrono::system_clock::time_point()> clock;  // the Date header's; none: no Date

    // Logs the request as it arrived; its index in `requests`.
    std::size_t arrived(const httplib::Request& req, bool batch) {
        Request r;
        r.method = req.method;
        r.path = req.path;
        r.authorization = req.get_header_value("Authorization");
        r.idempotency_key = req.get_header_value("Idempotency-Key");
        r.content_type = req.get_header_value("Content-Type");
        r.body = req.body;
        std::size_t index;
        {
            std::lock_guard lock(mu);
            if (batch) ++batches;
            ++events;
            requests.push_back(std::move(r));
            index = requests.size() - 1;
        }
        changed.notify_all();
        return index;
    }

    void done(std::size_t index, int status, const char* behaviour, bool batch) {
        {
            std::lock_guard lock(mu);
            requests[index].status = status;
            requests[index].behaviour = behaviour;
            ++events;
            if (batch) ++batches_handled;
        }
        changed.notify_all();
    }

    bool authorised(const httplib::Request& req) const {
        return req.get_header_value("Authorization") == "Bearer " + token;
    }

    // Sleeps `d` unless the server stops first; false when it stops.
    bool sleep(milliseconds d) {
        std::unique_lock lock(mu);
        return !changed.wait_for(lock, d, [&] { return stopping; });
    }

    // The checks every batch request passes before its behaviour: an error
    // answer, or the batch.
    std::optional<Batch> check_batch(const httplib::Request& req, httplib::Response& res) {
        if (!authorised(req)) {
            answer_error(res, 401, "missing or wrong bearer token");
            return {};
        }
        if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
            answer_error(res, 415, "Content-Type must be application/json");
            return {};
        }
        if (req.get_header_value("Idempotency-Key").empty()) {
            answer_error(res, 400, "Idempotency-Key missing");
            return {};
        }
        json doc = json::parse(req.body, nullptr, false);
        if (doc.is_discarded() || !doc.is_object()) {
            answer_error(res, 400, "the body is not a JSON object");
            return {};
        }
        if (!doc.contains("device_id") || !doc["device_id"].is_string()) {
            answer_error(res, 400, "device_id missing or not a string");
            return {};
        }
        if (!doc.contains("records") || !doc["records"].is_array()) {
            answer_error(res, 400, "records missing or not an array");
            return {};
        }
        Batch batch;
        for (auto& r : doc["records"]) {
            if (!r.is_object() || !r.contains("id") || !r["id"].is_string()) {
                answer_error(res, 400, "records[" + std::to_string(batch.size()) +
                                           "] is not an object with a string id");
                return {};
            }
            batch.push_back(std::move(r));
        }
        return batch;
    }

    // Stores and counts the batch's records but those `b` omits; the normal answer.
    json process(const Batch& batch, const Behaviour& b) {
        std::function<std::optional<std::string>(const json&)> rejecter;
        {
            std::lock_guard lock(mu);
            rejecter = reject;
        }
        std::size_t keep = batch.size() - std::min(b.omit_last, batch.size());
        std::vector<std::pair<const json*, std::optional<std::string>>> answered;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < keep; ++i) {
            const json& r = batch[i];
            if (b.omit_if && b.omit_if(r)) continue;
            if (!seen.insert(r["id"].get<std::string>()).second) continue;
            std::optional<std::string> reason;
            auto kind = r.find("kind");
            if (kind == r.end() || (*kind != "interest" && *kind != "stats")) reason = "unknown kind";
            if (!reason && rejecter) reason = rejecter(r);
            answered.emplace_back(&r, std::move(reason));
        }
        json accepted = json::array(), rejected = json::array();
        std::lock_guard lock(mu);
        for (auto& [r, reason] : answered) {
            const std::string& id = (*r)["id"].get_ref<const std::string&>();
            ++deliveries[id];
            if (reason) {
                rejected.push_back({{"id", id}, {"reason", *reason}});
            } else {
                records.try_emplace(id, *r);
                accepted.push_back(id);
            }
        }
        return {{"accepted", std::move(accepted)}, {"rejected", std::move(rejected)}};
    }

    // Answers a checked batch as `b` says; the behaviour that answered.
    const char* apply(const Behaviour& b, const Batch& batch, httplib::Response& res) {
        switch (b.kind) {
            case Behaviour::Kind::Status:
                res.status = b.code;
                if (!b.retry_after.empty()) res.set_header("Retry-After", b.retry_after);
                res.set_content(b.body, kJson);
                return "status";
            case Behaviour::Kind::Hang:
                if (!sleep(b.delay)) {
                    answer_error(res, 503, "fake platform stopping");
                    return "hang";
                }
                apply(b.then ? *b.then : Behaviour::normal(), batch, res);
                return "hang";
            case Behaviour::Kind::Normal:
            case Behaviour::Kind::Omit:
                res.status = 200;
                res.set_content(process(batch, b).dump(), kJson);
                return kind_name(b.kind);
            case Behaviour::Kind::Garbage:
                process(batch, b);
                res.status = 200;
                res.set_content(b.body, kJson);
                return "garbage";
            case Behaviour::Kind::Reset: {
                auto body = std::make_shared<std::string>(process(batch, b).dump());
                res.status = 200;
                // Returning false after half the body makes httplib drop the
                // connection, Content-Length still promising the whole.
                res.set_content_provider(body->size(), kJson, [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                    sink.write(body->data(), body->size() / 2);
                    return false;
                });
                return "reset";
            }
            case Behaviour::Kind::Trickle: {
                auto body = std::make_shared<std::string>(process(batch, b).dump());
                auto sent = std::make_shared<std::size_t>(0);
                res.status = 200;
                res.set_chunked_content_provider(
                    kJson, [this, body, sent, piece = b.piece, interval = b.delay](std::size_t, httplib::DataSink& sink) {
                        if (*sent >= body->size()) {
                            sink.done();
                            return true;
                        }
                        if (!sleep(interval)) return false;
                        std::size_t n = std::min(piece, body->size() - *sent);
                        if (!sink.write(body->data() + *sent, n)) return false;
                        *sent += n;
                        return true;
                    });
                return "trickle";
            }
        }
        return "?";
    }

    void on_batch(const httplib::Request& req, httplib::Response& res) {
        std::size_t index = arrived(req, true);
        const char* behaviour = "";
        if (auto batch = check_batch(req, res)) {
            Behaviour b;
            {
                std::lock_guard lock(mu);
                if (queue.empty()) {
                    b = fallback;
                } else {
                    b = std::move(queue.front());
                    queue.pop_front();
                }
            }
            behaviour = apply(b, *batch, res);
        }
        done(index, res.status, behaviour, true);
    }

    void on_heartbeat(const httplib::Request& req, httplib::Response& res) {
        std::size_t index = arrived(req, false);
        json doc = json::parse(req.body, nullptr, false);
        if (!authorised(req)) {
            answer_error(res, 401, "missing or wrong bearer token");
        } else if (doc.is_discarded() || !doc.is_object()) {
            answer_error(res, 400, "the body is not a JSON object");
        } else {
            std::lock_guard lock(mu);
            heartbeats.push_back({req.matches[1].str(), std::move(doc)});
            res.status = 204;
        }
        done(index, res.status, "", false);
    }

    void on_other(const httplib::Request& req, httplib::Response& res) {
        std::size_t index = arrived(req, false);
        answer_error(res, 404, "no such API path: " + req.method + " " + req.path);
        done(index, res.status, "", false);
    }
};

FakePlatform::FakePlatform(std::string token, std::optional<TlsFiles> tls) : impl_(std::make_unique<Impl>()) {
    Impl& d = *impl_;
    d.token = std::move(token);
    d.tls = tls.has_value();
    if (tls) {
        d.server = std::make_unique<httplib::SSLServer>(tls->cert.c_str(), tls->key.c_str());
        if (!d.server->is_valid())
            throw std::runtime_error("fake platform: cannot use " + tls->cert.string() + " and " + tls->key.string());
    } else {
        d.server = std::make_unique<httplib::Server>();
    }
    httplib::Server& s = *d.server;
    // Enough threads for a few hanging requests beside the client's next
    // ones; httplib's default is max(8, cores - 1).
    s.new_task_queue = [] { return new httplib::ThreadPool(16); };
    // Headers and body go out in two writes: without TCP_NODELAY, Nagle and
    // the client's delayed ACK cost 40 ms per request.
    s.set_tcp_nodelay(true);
    s.set_keep_alive_max_count(100000);
    s.set_keep_alive_timeout(10);
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        answer_error(res, 500, "fake platform: " + what);
    });
    s.set_post_routing_handler([&d](const httplib::Request&, httplib::Response& res) {
        std::function<std::chrono::system_clock::time_point()> clock;
        {
            std::lock_guard lock(d.mu);
            clock = d.clock;
        }
        if (!clock) return;
        const std::time_t t = std::chrono::system_clock::to_time_t(clock());
        std::tm utc{};
        gmtime_r(&t, &utc);
        char date[64];
        std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &utc);  // RFC 9110's IMF-fixdate
        res.set_header("Date", date);
    });
    s.Post("/v1/records:batch", [&d](const httplib::Request& req, httplib::Response& res) { d.on_batch(req, res); });
    s.Post(R"(/v1/devices/([^/]+)/heartbeat)",
           [&d](const httplib::Request& req, httplib::Response& res) { d.on_heartbeat(req, res); });
    auto other = [&d](const httplib::Request& req, httplib::Response& res) { d.on_other(req, res); };
    s.Get(".*", other);
    s.Post(".*", other);
    s.Put(".*", other);
    s.Delete(".*", other);

    d.port = s.bind_to_any_port("127.0.0.1");
    if (d.port <= 0) throw std::runtime_error("fake platform: cannot bind a port on 127.0.0.1");
    d.thread = std::thread([&d] {
        d.server->listen_after_bind();
        d.listen_returned = true;
    });
    // stop() does nothing before the accept loop runs.
    while (!s.is_running() && !d.listen_returned) std::this_thread::sleep_for(1ms);
    if (!s.is_running()) {
        d.thread.join();
        throw std::runtime_error("fake platform: the server did not start");
    }
}

FakePlatform::~FakePlatform() {
    {
        std::lock_guard lock(impl_->mu);
        impl_->stopping = true;
    }
    impl_->changed.notify_all();
    impl_->server->stop();
    shutdown_accepted(impl_->port);
    impl_->thread.join();
}

std::string FakePlatform::base_url() const {
    return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port);
}

int FakePlatform::port() const { return impl_->port; }

std::map<std::string, json> FakePlatform::records() const {
    std::lock_guard lock(impl_->mu);
    return impl_->records;
}

std::map<std::string, int> FakePlatform::deliveries() const {
    std::lock_guard lock(impl_->mu);
    return impl_->deliveries;
}

std::vector<Heartbeat> FakePlatform::heartbeats() const {
    std::lock_guard lock(impl_->mu);
    return impl_->heartbeats;
}

std::vector<Request> FakePlatform::requests() const {
    std::lock_guard lock(impl_->mu);
    return impl_->requests;
}

std::size_t FakePlatform::batch_count() const {
    std::lock_guard lock(impl_->mu);
    return impl_->batches;
}

bool FakePlatform::wait_until(const std::function<bool()>& done, milliseconds timeout) const {
    auto deadline = steady_clock::now() + timeout;
    for (;;) {
        std::uint64_t seen;
        {
            std::lock_guard lock(impl_->mu);
            seen = impl_->events;
        }
        if (done()) return true;
        std::unique_lock lock(impl_->mu);
        if (!impl_->changed.wait_until(lock, deadline, [&] { return impl_->events != seen || impl_->stopping; }))
            return false;
        if (impl_->stopping) return false;
    }
}

bool FakePlatform::wait_for_batches(std::size_t n, milliseconds timeout) const {
    std::unique_lock lock(impl_->mu);
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->batches_handled >= n; });
}

void FakePlatform::push(Behaviour b) {
    std::lock_guard lock(impl_->mu);
    impl_->queue.push_back(std::move(b));
}

void FakePlatform::set_default(Behaviour b) {
    std::lock_guard lock(impl_->mu);
    impl_->fallback = std::move(b);
}

void FakePlatform::reject_ids(std::function<std::optional<std::string>(const json& record)> reason) {
    std::lock_guard lock(impl_->mu);
    impl_->reject = std::move(reason);
}

void FakePlatform::set_clock(std::function<std::chrono::system_clock::time_point()> clock) {
    std::lock_guard lock(impl_->mu);
    impl_->clock = std::move(clock);
}

}  // namespace vitrine::test
