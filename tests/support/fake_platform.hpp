// A fake talent platform for the sync tests and bench/sync: an HTTP(S)
// server on 127.0.0.1 (cpp-httplib, its own threads) that implements
// platform API version 1 (POST /v1/records:batch, POST
// /v1/devices/{id}/heartbeat), keeps what it received, and misbehaves on
// demand: error statuses, hangs, cut connections, garbage, partial answers,
// a trickling answer.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vitrine::test {

// A certificate and its private key, PEM files.
struct TlsFiles {
    std::filesystem::path cert, key;
};

// Makes a self-signed certificate for 127.0.0.1 and localhost (ECDSA P-256,
// valid 2 days) with the openssl tool: `dir`/cert.pem and `dir`/key.pem.
// The certificate is also the CA file a client trusts it with. Throws
// std::runtime_error with openssl's message when it fails.
TlsFiles make_self_signed(const std::filesystem::path& dir);

// What the server does with one batch request that passed the checks
// (token, Content-Type, Idempotency-Key, body). "Processes the batch"
// means: every record is stored (the first copy of each id is kept) and its
// delivery counted, except those of an unknown kind or that reject_ids()
// refuses, which are counted and answered as rejected but not stored.
// Every answer body is `application/json; charset=utf-8`, never compressed.
struct Behaviour {
    enum class Kind { Normal, Status, Hang, Reset, Garbage, Omit, Trickle };
    Kind kind = Kind::Normal;
    int code = 200;                      // Status
    std::string retry_after;             // Status: the Retry-After header ("" for none)
    std::string body;                    // Status, Garbage: the body as sent
    std::chrono::milliseconds delay{0};  // Hang: the sleep; Trickle: between two pieces
    std::size_t piece = 1;               // Trickle: bytes per piece
    std::shared_ptr<const Behaviour> then;              // Hang: after the sleep (null: normal)
    std::size_t omit_last = 0;                          // Omit: the batch's last n records
    std::function<bool(const nlohmann::json&)> omit_if;  // Omit: or the records this picks

    // Processes the batch; 200 {"accepted": [...], "rejected": [{id, reason}]}.
    static Behaviour normal();
    // Answers `code` with `body` (default {"error": "fake platform: status
    // CODE"}, as application/json) and, unless empty, `Retry-After:
    // retry_after`. Nothing is processed.
    static Behaviour status(int code, std::string retry_after = {}, std::string body = {});
    // Sleeps `d` (cut short when the server stops: then 503, nothing
    // processed), then does `then`.
    static Behaviour hang(std::chrono::milliseconds d, Behaviour then = normal());
    // Processes the batch, then sends the headers of the normal answer
    // (Content-Length N) and only the first N/2 bytes of its body, and
    // closes the connection: the platform has the records, the client sees
    // a transfer error.
    static Behaviour reset();
    // Processes the batch and answers 200 with `body` as application/json.
    static Behaviour garbage(std::string body = "<html><body>502 Bad Gateway</body></html>");
    // garbage() with a JSON document that is not {accepted, rejected}.
    static Behaviour wrong_shape(const nlohmann::json& doc = {{"ok", true}});
    // Processes and answers about only the batch's records but its last `n`;
    // those are neither stored nor counted nor named in the answer.
    static Behaviour omit(std::size_t n);
    static Behaviour omit(std::function<bool(const nlohmann::json& record)> leave_out);
    // Processes the batch, sends the headers of the normal answer at once
    // (chunked) and its body `bytes` at a time, one piece every `interval`.
    static Behaviour trickle(std::size_t bytes, std::chrono::milliseconds interval);
};

// One request as it arrived, and how it was answered.
struct Request {
    std::string method, path;
    std::string authorization, idempotency_key, content_type;  // "" when absent
    std::string body;
    int status = 0;         // the status answered (0 until the handler decided)
    std::string behaviour;  // "normal", "status", "hang", "reset", "garbage", "omit", "trickle";
                            // "" for requests refused by the checks and for heartbeats
};

struct Heartbeat {
    std::string device_id;  // from the path
    nlohmann::json body;
};

class FakePlatform {
public:
    // Listens on 127.0.0.1, a free port, HTTPS when `tls` is given. Requests
    // must carry `Authorization: Bearer <token>`. Throws std::runtime_error
    // when the server cannot start.
    explicit FakePlatform(std::string token = "test-token", std::optional<TlsFiles> tls = {});
    // Stops at once: cuts hangs and trickles short, shuts down the open
    // connections, waits for the handler threads.
    ~FakePlatform();
    FakePlatform(const FakePlatform&) = delete;
    FakePlatform& operator=(const FakePlatform&) = delete;

    // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT"; API paths start with /v1.
    std::string base_url() const;
    int port() const;

    // What arrived; thread-safe copies.
    std::map<std::string, nlohmann::json> records() const;  // by id, each stored once
    std::map<std::string, int> deliveries() const;           // id -> times processed (accepted or rejected)
    std::vector<Heartbeat> heartbeats() const;
    std::vector<Request> requests() const;  // every request, in arrival order
    std::size_t batch_count() const;        // POST /v1/records:batch requests, whatever their answer

    // Waits until `done()` is true, re-checking it each time a request
    // arrives and each time one is handled (its handler has returned:
    // records stored, status decided; a trickle may still be writing).
    // `done` runs without the server's lock, so it may call the accessors
    // above. False on timeout.
    bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) const;
    // wait_until(batch_count() >= n and all of them handled).
    bool wait_for_batches(std::size_t n, std::chrono::milliseconds timeout) const;

    // Behaviours for the next batch requests, one each, in order.
    void push(Behaviour b);
    // What batch requests get when the queue is empty (normal() at first).
    void set_default(Behaviour b);
    // Per-record refusals in the batches that are processed: `reason` gives
    // the reason for a record to reject, nothing to accept it. Empty: none.
    void reject_ids(std::function<std::optional<std::string>(const nlohmann::json& record)> reason);
    // The platform's clock: every answer then carries a Date header (RFC
    // 9110, to the second) read from it. None (the default): no Date.
    void set_clock(std::function<std::chrono::system_clock::time_point()> clock);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace vitrine::test
