// The fake platform server itself: what it stores and answers, and each of
// its misbehaviours as a client sees it on the wire (httplib::Client, the
// curl tool, raw sockets).
#include "support/fake_platform.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

extern char** environ;

using namespace vitrine::test;
using json = nlohmann::json;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

const char* kBatch = "/v1/records:batch";

json record(const std::string& id, const std::string& kind = "interest") {
    return {{"id", id}, {"kind", kind}, {"created", "2026-01-05T09:00:00.042Z"}, {"device_id", "kiosk-07"}};
}

json batch(const std::vector<json>& records) { return {{"device_id", "kiosk-07"}, {"records", records}}; }

httplib::Headers headers(const std::string& token = "test-token", const std::string& key = "key-1") {
    httplib::Headers h = {{"Idempotency-Key", key}};
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return h;
}

httplib::Result post(httplib::Client& c, const json& body, const std::string& token = "test-token",
                     const std::string& key = "key-1") {
    return c.Post(kBatch, headers(token, key), body.dump(), "application/json");
}

std::vector<std::string> ids(const json& array) {
    std::vector<std::string> out;
    for (const auto& v : array) out.push_back(v.is_string() ? v.get<std::string>() : v["id"].get<std::string>());
    return out;
}

template <class F>
milliseconds timed(F&& f) {
    auto t0 = steady_clock::now();
    f();
    return duration_cast<milliseconds>(steady_clock::now() - t0);
}

// curl posting a batch of one record; its exit code and output.
ProcessResult curl_post(const std::string& url, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {"curl", "-sS", "-X", "POST", "-H", "Authorization: Bearer test-token",
                                     "-H", "Idempotency-Key: k", "-H", "Content-Type: application/json",
                                     "--data-binary", batch({record("r1")}).dump(), "-w", "\n%{http_code}"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url + kBatch);
    return run(argv);
}

// A connection to 127.0.0.1:port, or -1.
int connect_to(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

TEST_CASE("normal: records are stored once by id, every delivery counted, every request logged") {
    FakePlatform fake;
    httplib::Client c(fake.base_url());
    auto r1 = post(c, batch({record("a"), record("b", "stats")}), "test-token", "key-1");
    auto r2 = post(c, batch({record("b", "stats"), record("c")}), "test-token", "key-2");
    REQUIRE(r1);
    REQUIRE(r2);
    CHECK(r1->status == 200);
    CHECK(r1->get_header_value("Content-Type") == "application/json; charset=utf-8");
    CHECK(json::parse(r1->body) == json{{"accepted", {"a", "b"}}, {"rejected", json::array()}});
    CHECK(json::parse(r2->body) == json{{"accepted", {"b", "c"}}, {"rejected", json::array()}});

    auto stored = fake.records();
    REQUIRE(stored.size() == 3);
    CHECK(stored["a"] == record("a"));
    CHECK(stored["b"] == record("b", "stats"));
    CHECK(fake.deliveries() == std::map<std::string, int>{{"a", 1}, {"b", 2}, {"c", 1}});
    CHECK(fake.batch_count() == 2);

    auto log = fake.requests();
    REQUIRE(log.size() == 2);
    CHECK(log[0].method == "POST");
    CHECK(log[0].path == kBatch);
    CHECK(log[0].authorization == "Bearer test-token");
    CHECK(log[0].idempotency_key == "key-1");
    CHECK(log[1].idempotency_key == "key-2");
    CHECK(log[0].content_type == "application/json");
    CHECK(json::parse(log[0].body) == batch({record("a"), record("b", "stats")}));
    CHECK(log[0].status == 200);
    CHECK(log[0].behaviour == "normal");
    CHECK(fake.wait_for_batches(2, 0ms));
    CHECK_FALSE(fake.wait_for_batches(3, 10ms));

    // never compressed, even for a client that would take it
    auto h = headers();
    h.emplace("Accept-Encoding", "gzip, br");
    auto r3 = c.Post(kBatch, h, batch({record("d")}).dump(), "application/json");
    REQUIRE(r3);
    CHECK_FALSE(r3->has_header("Content-Encoding"));
    CHECK(json::parse(r3->body)["accepted"] == json{"d"});
}

TEST_CASE("a record twice in one batch is answered and counted once") {
    FakePlatform fake;
    httplib::Client c(fake.base_url());
    auto r = post(c, batch({record("a"), record("a")}));
    REQUIRE(r);
    CHECK(json::parse(r->body)["accepted"] == json{"a"});
    CHECK(fake.deliveries() == std::map<std::string, int>{{"a", 1}});
}

TEST_CASE("401 without a token or with a wrong one, for batches and heartbeats; the behaviour queue is kept") {
    FakePlatform fake("secret");
    fake.push(Behaviour::status(500));
    httplib::Client c(fake.base_url());
    auto none = post(c, batch({record("a")}), "");
    auto wrong = post(c, batch({record("a")}), "not-secret");
    auto hb = c.Post("/v1/devices/kiosk-07/heartbeat", headers("wrong"), "{}", "application/json");
    REQUIRE(none);
    REQUIRE(wrong);
    REQUIRE(hb);
    CHECK(none->status == 401);
    CHECK(wrong->status == 401);
    CHECK(hb->status == 401);
    CHECK(json::parse(wrong->body).contains("error"));
    CHECK(fake.records().empty());
    CHECK(fake.deliveries().empty());
    CHECK(fake.heartbeats().empty());
    // the queued 500 is still there for the first authorised batch
    auto ok = post(c, batch({record("a")}), "secret");
    REQUIRE(ok);
    CHECK(ok->status == 500);
}

TEST_CASE("malformed batches: 400 for a body that is not JSON or has no records, 415, missing Idempotency-Key") {
    FakePlatform fake;
    httplib::Client c(fake.base_url());
    auto status = [&](const std::string& body, const httplib::Headers& h = headers(),
                      const std::string& type = "application/json") {
        auto r = c.Post(kBatch, h, body, type.c_str());
        return r ? r->status : -1;
    };
    CHECK(status("not json") == 400);
    CHECK(status(R"({"device_id": "kiosk-07"})") == 400);
    CHECK(status(R"({"device_id": "kiosk-07", "records": {}})") == 400);
    CHECK(status(R"({"records": []})") == 400);
    CHECK(status(R"({"device_id": "kiosk-07", "records": [{"kind": "stats"}]})") == 400);
    CHECK(status(batch({record("a")}).dump(), headers(), "text/plain") == 415);
    CHECK(status(batch({record("a")}).dump(), {{"Authorization", "Bearer test-token"}}) == 400);
    CHECK(status(batch({}).dump()) == 200);
    CHECK(fake.records().empty());
    CHECK(fake.batch_count() == 8);
    CHECK(c.Get("/v1/nothing")->status == 404);
}

TEST_CASE("reject_ids and unknown kinds: answered as rejected with a reason, not stored") {
    FakePlatform fake;
    fake.reject_ids([](const json& r) -> std::optional<std::string> {
        if (r["id"] == "bad") return "payload invalid";
        return std::nullopt;
    });
    httplib::Client c(fake.base_url());
    auto r = post(c, batch({record("good"), record("bad"), record("odd", "photo")}));
    REQUIRE(r);
    CHECK(r->status == 200);
    auto answer = json::parse(r->body);
    CHECK(answer["accepted"] == json{"good"});
    CHECK(answer["rejected"] ==
          json{{{"id", "bad"}, {"reason", "payload invalid"}}, {{"id", "odd"}, {"reason", "unknown kind"}}});
    CHECK(fake.records().size() == 1);
    CHECK(fake.deliveries() == std::map<std::string, int>{{"bad", 1}, {"good", 1}, {"odd", 1}});
    fake.reject_ids({});
    r = post(c, batch({record("bad")}));
    CHECK(json::parse(r->body)["accepted"] == json{"bad"});
}

TEST_CASE("heartbeat: 204, the document kept with the device id of the path") {
    FakePlatform fake;
    httplib::Client c(fake.base_url());
    json doc = {{"device_id", "kiosk-07"}, {"queue", {{"pending", 3}}}};
    auto r = c.Post("/v1/devices/kiosk-07/heartbeat", headers(), doc.dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 204);
    CHECK(c.Post("/v1/devices/kiosk-07/heartbeat", headers(), "nope", "application/json")->status == 400);
    auto hbs = fake.heartbeats();
    REQUIRE(hbs.size() == 1);
    CHECK(hbs[0].device_id == "kiosk-07");
    CHECK(hbs[0].body == doc);
    CHECK(fake.batch_count() == 0);
    CHECK(fake.requests().size() == 2);
}

TEST_CASE("status: code, Retry-After and body; the queue in order, then the default") {
    FakePlatform fake;
    fake.push(Behaviour::status(503, "7"));
    fake.push(Behaviour::status(429, "Wed, 21 Oct 2026 07:28:00 GMT", R"({"error": "slow down"})"));
    fake.push(Behaviour::status(403));
    httplib::Client c(fake.base_url());
    auto r1 = post(c, batch({record("a")}));
    auto r2 = post(c, batch({record("a")}));
    auto r3 = post(c, batch({record("a")}));
    auto r4 = post(c, batch({record("a")}));
    REQUIRE((r1 && r2 && r3 && r4));
    CHECK(r1->status == 503);
    CHECK(r1->get_header_value("Retry-After") == "7");
    CHECK(json::parse(r1->body)["error"] == "fake platform: status 503");
    CHECK(r2->status == 429);
    CHECK(r2->get_header_value("Retry-After") == "Wed, 21 Oct 2026 07:28:00 GMT");
    CHECK(r2->body == R"({"error": "slow down"})");
    CHECK(r3->status == 403);
    CHECK_FALSE(r3->has_header("Retry-After"));
    CHECK(r4->status == 200);
    CHECK(fake.deliveries() == std::map<std::string, int>{{"a", 1}});

    fake.set_default(Behaviour::status(500));
    CHECK(post(c, batch({record("b")}))->status == 500);
    CHECK(post(c, batch({record("b")}))->status == 500);
    fake.push(Behaviour::normal());
    CHECK(post(c, batch({record("b")}))->status == 200);
    CHECK(post(c, batch({record("c")}))->status == 500);
    fake.set_default(Behaviour::normal());
    CHECK(post(c, batch({record("c")}))->status == 200);
    CHECK(fake.records().size() == 3);

    auto log = fake.requests();
    CHECK(log[0].status == 503);
    CHECK(log[0].behaviour == "status");
}

TEST_CASE("hang: outlasts a 1 s client timeout, then the platform processes the batch") {
    FakePlatform fake;
    fake.push(Behaviour::hang(1500ms));
    httplib::Client c(fake.base_url());
    c.set_read_timeout(1s);
    auto t0 = steady_clock::now();
    auto r = post(c, batch({record("a")}));
    auto took = steady_clock::now() - t0;
    CHECK_FALSE(r);
    CHECK(r.error() == httplib::Error::Read);
    CHECK(took >= 950ms);
    CHECK(took < 1400ms);
    CHECK(fake.records().empty());
    REQUIRE(fake.wait_for_batches(1, 3s));
    CHECK(fake.records().count("a") == 1);
    CHECK(fake.requests()[0].behaviour == "hang");
    CHECK(fake.requests()[0].status == 200);
}

TEST_CASE("hang then another behaviour; a hang is cut short when the server stops") {
    std::optional<FakePlatform> fake(std::in_place);
    fake->push(Behaviour::hang(100ms, Behaviour::status(502)));
    fake->push(Behaviour::hang(60s));
    httplib::Client c(fake->base_url());
    CHECK(post(c, batch({record("a")}))->status == 502);

    std::thread client([url = fake->base_url()] {
        httplib::Client c2(url);
        c2.set_read_timeout(30s);
        auto r = post(c2, batch({record("b")}));
        CHECK((!r || r->status == 503));
    });
    REQUIRE(fake->wait_until([&] { return fake->batch_count() == 2; }, 2s));
    auto took = timed([&] { fake.reset(); });
    client.join();
    CHECK(took < 2s);
}

TEST_CASE("reset: the platform has the records, the client sees the connection cut mid-answer") {
    FakePlatform fake;
    fake.push(Behaviour::reset());
    auto r = curl_post(fake.base_url());
    CHECK(r.exit_code == 18);  // CURLE_PARTIAL_FILE: transfer closed with bytes remaining
    CHECK(r.err.find("transfer closed with") != std::string::npos);
    CHECK(r.out.find(R"({"accepted":[)") == 0);
    CHECK(fake.records().count("r1") == 1);
    CHECK(fake.requests()[0].behaviour == "reset");

    fake.push(Behaviour::reset());
    httplib::Client c(fake.base_url());
    auto r2 = post(c, batch({record("a")}));
    CHECK_FALSE(r2);
    CHECK(fake.records().count("a") == 1);
    CHECK(post(c, batch({record("a")}))->status == 200);  // the server goes on
    CHECK(fake.deliveries()["a"] == 2);
}

TEST_CASE("garbage and wrong shape: 200 with a body that is not the answer; the records are processed") {
    FakePlatform fake;
    fake.push(Behaviour::garbage());
    fake.push(Behaviour::wrong_shape());
    fake.push(Behaviour::wrong_shape({{"accepted", {1, 2}}, {"rejected", "none"}}));
    httplib::Client c(fake.base_url());
    auto r1 = post(c, batch({record("a")}));
    auto r2 = post(c, batch({record("b")}));
    auto r3 = post(c, batch({record("c")}));
    REQUIRE((r1 && r2 && r3));
    CHECK(r1->status == 200);
    CHECK(json::parse(r1->body, nullptr, false).is_discarded());
    CHECK(r2->status == 200);
    CHECK(json::parse(r2->body) == json{{"ok", true}});
    CHECK(json::parse(r3->body)["rejected"] == "none");
    CHECK(fake.records().size() == 3);
    CHECK(fake.requests()[0].behaviour == "garbage");
}

TEST_CASE("omit: the answer leaves out the last n records, or those a predicate picks; they are not stored") {
    FakePlatform fake;
    fake.push(Behaviour::omit(2));
    fake.push(Behaviour::omit([](const json& r) { return r["kind"] == "stats"; }));
    fake.push(Behaviour::omit(5));
    httplib::Client c(fake.base_url());
    auto r1 = post(c, batch({record("a"), record("b"), record("c"), record("d")}));
    REQUIRE(r1);
    CHECK(r1->status == 200);
    CHECK(ids(json::parse(r1->body)["accepted"]) == std::vector<std::string>{"a", "b"});
    auto r2 = post(c, batch({record("e", "stats"), record("f"), record("g", "stats")}));
    CHECK(ids(json::parse(r2->body)["accepted"]) == std::vector<std::string>{"f"});
    auto r3 = post(c, batch({record("h")}));
    CHECK(json::parse(r3->body) == json{{"accepted", json::array()}, {"rejected", json::array()}});
    auto stored = fake.records();
    CHECK(stored.size() == 3);
    CHECK(stored.count("c") == 0);
    CHECK(fake.deliveries().count("d") == 0);
    CHECK(fake.requests()[0].behaviour == "omit");
}

TEST_CASE("trickle: headers at once, the body a few bytes at a time; a 1 s total timeout gives up") {
    FakePlatform fake;
    fake.push(Behaviour::trickle(1, 100ms));
    ProcessResult r;
    auto took = timed([&] { r = curl_post(fake.base_url(), {"--max-time", "1"}); });
    CHECK(r.exit_code == 28);  // CURLE_OPERATION_TIMEDOUT
    std::string body = r.out.substr(0, r.out.rfind('\n'));  // then -w's "\n000"
    CHECK(body.size() >= 5);
    CHECK(body.size() <= 10);
    CHECK(body.rfind(R"({"acc)", 0) == 0);
    CHECK(took >= 950ms);
    CHECK(took < 1500ms);
    CHECK(fake.records().count("r1") == 1);

    // a patient client gets the whole normal answer
    fake.push(Behaviour::trickle(4, 10ms));
    httplib::Client c(fake.base_url());
    auto t0 = steady_clock::now();
    auto ok = post(c, batch({record("a")}));
    took = duration_cast<milliseconds>(steady_clock::now() - t0);
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(json::parse(ok->body) == json{{"accepted", {"a"}}, {"rejected", json::array()}});
    CHECK(took >= 70ms);  // 29 bytes, 8 pieces
}

TEST_CASE("TLS: curl trusts the server with --cacert cert.pem, and refuses it without") {
    TempDir dir;
    auto files = make_self_signed(dir.path);
    FakePlatform fake("test-token", files);
    CHECK(fake.base_url().rfind("https://127.0.0.1:", 0) == 0);
    auto trusted = curl_post(fake.base_url(), {"--cacert", files.cert.string()});
    CHECK(trusted.exit_code == 0);
    CHECK(trusted.out.find("\n200") != std::string::npos);
    auto by_name = curl_post("https://localhost:" + std::to_string(fake.port()),
                             {"--cacert", files.cert.string(), "--resolve",
                              "localhost:" + std::to_string(fake.port()) + ":127.0.0.1"});
    CHECK(by_name.exit_code == 0);
    auto untrusted = curl_post(fake.base_url());
    CHECK(untrusted.exit_code == 60);  // CURLE_PEER_FAILED_VERIFICATION
    auto plain = curl_post("http://127.0.0.1:" + std::to_string(fake.port()));
    CHECK(plain.exit_code != 0);
    CHECK(fake.deliveries()["r1"] == 2);
}

TEST_CASE("clients that vanish mid-request or mid-answer do not disturb the server") {
    FakePlatform fake;
    // a request cut in its body
    int fd = connect_to(fake.port());
    REQUIRE(fd >= 0);
    std::string head = std::string("POST ") + kBatch +
                       " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\nIdempotency-Key: k\r\n"
                       "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"records\": [";
    REQUIRE(::write(fd, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
    ::close(fd);
    // a client gone before a hang ends, and during a trickle: writes to closed sockets
    fake.push(Behaviour::hang(300ms));
    fake.push(Behaviour::trickle(1, 200ms));
    {
        httplib::Client c(fake.base_url());
        c.set_read_timeout(100ms);
        CHECK_FALSE(post(c, batch({record("a")})));
        CHECK_FALSE(post(c, batch({record("b")})));
    }
    REQUIRE(fake.wait_for_batches(2, 2s));
    std::this_thread::sleep_for(500ms);  // the trickle writes into the closed socket
    httplib::Client c(fake.base_url());
    auto r = post(c, batch({record("c")}));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(fake.records().size() == 3);
}

TEST_CASE("a curl killed with SIGKILL mid-answer does not disturb the server") {
    FakePlatform fake;
    fake.push(Behaviour::trickle(1, 50ms));
    std::vector<std::string> argv = {"curl", "-sS", "-o", "/dev/null", "-H", "Authorization: Bearer test-token",
                                     "-H", "Idempotency-Key: k", "-H", "Content-Type: application/json",
                                     "--data-binary", batch({record("a")}).dump(), fake.base_url() + kBatch};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid;
    REQUIRE(::posix_spawnp(&pid, "curl", nullptr, nullptr, args.data(), environ) == 0);
    REQUIRE(fake.wait_for_batches(1, 2s));
    std::this_thread::sleep_for(200ms);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    httplib::Client c(fake.base_url());
    auto r = post(c, batch({record("b")}));
    REQUIRE(r);
    CHECK(r->status == 200);
}

TEST_CASE("the server stops at once with an idle keep-alive connection and a stalled request open") {
    std::optional<FakePlatform> fake(std::in_place);
    httplib::Client idle(fake->base_url());
    idle.set_keep_alive(true);
    REQUIRE(post(idle, batch({record("a")}))->status == 200);
    int stalled = connect_to(fake->port());
    REQUIRE(stalled >= 0);
    std::string head = std::string("POST ") + kBatch + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{";
    REQUIRE(::write(stalled, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
    std::this_thread::sleep_for(50ms);
    auto took = timed([&] { fake.reset(); });
    ::close(stalled);
    CHECK(took < 500ms);
}

TEST_CASE("fast enough: 1000 batches of one record over one keep-alive connection") {
    FakePlatform fake;
    httplib::Client c(fake.base_url());
    c.set_keep_alive(true);
    c.set_tcp_nodelay(true);
    auto took = timed([&] {
        for (int i = 0; i < 1000; ++i) REQUIRE(post(c, batch({record(std::to_string(i))}))->status == 200);
    });
    MESSAGE("1000 batches of one record: " << took.count() << " ms");
    CHECK(fake.records().size() == 1000);
    CHECK(took < 5s);
    json big = json::array();
    for (int i = 0; i < 500; ++i) big.push_back(record("big-" + std::to_string(i)));
    took = timed([&] { REQUIRE(post(c, batch(big))->status == 200); });
    MESSAGE("one batch of 500 records: " << took.count() << " ms");
    CHECK(fake.records().size() == 1500);
}
