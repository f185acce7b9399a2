// The sync client against the fake platform on loopback: one case per
// behaviour of the platform (normal, errors, Retry-After, hangs, cut
// connections, garbage, partial answers, rejections, 401, TLS, a trickle),
// the back-off on the injected clock, the worker thread, and `vitrine sync`.
#include "fixture.hpp"
#include "platform/sync.hpp"
#include "platform/sync_worker.hpp"
#include "support/fake_platform.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <set>
#include <thread>

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using namespace std::chrono;
using json = nlohmann::json;
using Outcome = PassResult::Outcome;

namespace {

struct SyncFixture {
    TempDir dir;
    TestKeyPair keys;
    ManualClock clock;
    std::unique_ptr<Outbox> outbox = std::make_unique<Outbox>(dir / "outbox.db");
    std::vector<Record> added;

    SyncSettings settings(const FakePlatform& server, int batch = 100) const {
        SyncSettings s;
        s.base_url = server.base_url();
        s.device_id = "kiosk-07";
        s.token = "test-token";
        s.allow_insecure_http = true;
        s.batch_size = batch;
        s.connect_timeout = 2s;
        s.total_timeout = 2s;
        return s;
    }

    // n records, one per second from kMonday9 on, every third an interest record.
    void add(int n) {
        for (int i = 0; i < n; ++i) {
            const auto at = kMonday9 + seconds(static_cast<long>(added.size()));
            Record r = added.size() % 3 == 0 ? sample_interest(keys, at) : sample_stats(at);
            outbox->add(r);
            added.push_back(r);
        }
    }

    std::vector<std::string> ids_in(State s) const {
        std::vector<std::string> out;
        for (const auto& r : outbox->list({s})) out.push_back(r.record.id);
        return out;
    }
    std::vector<std::string> all_ids() const {
        std::vector<std::string> out;
        for (const auto& r : added) out.push_back(r.id);
        return out;
    }
};

std::vector<std::string> keys_of(const std::map<std::string, json>& m) {
    std::vector<std::string> out;
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


}  // namespace

TEST_CASE_FIXTURE(SyncFixture, "normal batches: oldest first, bearer token, one idempotency key per batch, all sent") {
    FakePlatform server;
    add(250);
    SyncClient client(settings(server), *outbox, clock);
    const PassResult r = client.pass();
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.sent == 250);
    CHECK(r.remaining == 0);
    CHECK(r.last_error.empty());
    CHECK(ids_in(State::Sent).size() == 250);
    CHECK(keys_of(server.records()) == sorted(all_ids()));

    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    std::vector<std::string> order;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto& q = requests[i];
        CHECK(q.path == "/v1/records:batch");
        CHECK(q.authorization == "Bearer test-token");
        CHECK(has(q.content_type, "application/json"));
        const json body = json::parse(q.body);
        CHECK(body["device_id"] == "kiosk-07");
        std::vector<std::string> ids;
        for (const auto& rec : body["records"]) ids.push_back(rec["id"]);
        CHECK(ids.size() == (i < 2 ? 100u : 50u));
        CHECK(q.idempotency_key == idempotency_key(ids));
        order.insert(order.end(), ids.begin(), ids.end());
    }
    CHECK(order == all_ids());
    // What was sent is batch_body() of the records, as the API document says.
    CHECK(json::parse(requests[2].body) ==
          batch_body("kiosk-07", std::vector<Record>(added.begin() + 200, added.end())));
    for (const auto& [id, n] : server.deliveries()) CHECK(n == 1);

    const SyncStatus st = client.status();
    CHECK(st.online);
    CHECK(st.pending == 0);
    CHECK(st.last_success == clock.wall());
    CHECK(client.next_attempt() == clock.now());
    // What the next run and `vitrine status` will know.
    REQUIRE(outbox->sync_state().has_value());
    CHECK((*outbox->sync_state())["last_success"] == rfc3339(clock.wall()));
}

TEST_CASE_FIXTURE(SyncFixture, "500 then 200: kept pending with the error, retried after the back-off, then sent") {
    FakePlatform server;
    add(5);
    server.push(Behaviour::status(500));
    SyncClient client(settings(server), *outbox, clock);
    PassResult r = client.pass();
    CHECK(r.outcome == Outcome::Remaining);
    CHECK(r.sent == 0);
    CHECK(r.remaining == 5);
    CHECK(has(r.last_error, "HTTP 500"));
    REQUIRE(r.wait.has_value());
    CHECK(*r.wait <= 2s);
    CHECK(client.next_attempt() == clock.now() + *r.wait);
    CHECK(server.records().empty());
    for (const auto& s : outbox->list()) {
        CHECK(s.state == State::Pending);
        CHECK(s.attempts == 1);
        CHECK(has(s.last_error, "HTTP 500"));
    }
    CHECK(client.status().online);  // the platform answered, badly

    clock.advance(*r.wait);
    r = client.pass();
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.sent == 5);
    CHECK(server.records().size() == 5);
    CHECK(client.status().last_error.empty());
}

TEST_CASE_FIXTURE(SyncFixture, "503 and 429 with Retry-After: seconds and HTTP-date are waited exactly") {
    FakePlatform server;
    add(3);
    SyncClient client(settings(server), *outbox, clock);

    SUBCASE("503, Retry-After in seconds") {
        server.push(Behaviour::status(503, "7"));
        const PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Remaining);
        CHECK(r.wait == milliseconds(7s));
        CHECK(client.next_attempt() == clock.now() + 7s);
        CHECK(client.status().next_attempt == clock.wall() + 7s);
    }
    SUBCASE("503, Retry-After as an HTTP-date") {
        server.push(Behaviour::status(503, "Mon, 05 Jan 2026 09:00:30 GMT"));  // the clock says 09:00:00
        const PassResult r = client.pass();
        CHECK(r.wait == milliseconds(30s));
    }
    SUBCASE("429, Retry-After in seconds") {
        server.push(Behaviour::status(429, "12"));
        const PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Remaining);
        CHECK(has(r.last_error, "HTTP 429"));
        CHECK(r.wait == milliseconds(12s));
    }
    SUBCASE("429 without Retry-After, or an absurd one: the back-off") {
        server.push(Behaviour::status(429));
        PassResult r = client.pass();
        CHECK(*r.wait <= 2s);
        clock.advance(*r.wait);
        server.push(Behaviour::status(503, "999999"));
        r = client.pass();
        CHECK(*r.wait <= 4s);
    }
    CHECK(server.records().empty());
    CHECK(ids_in(State::Pending).size() == 3);
    // Nothing is sent before the time is up; then everything is.
    clock.advance(client.next_attempt().value() - clock.now());
    CHECK(client.pass().outcome == Outcome::Done);
    CHECK(server.records().size() == 3);
}

TEST_CASE_FIXTURE(SyncFixture, "a server that hangs past the timeout: pending, then delivered again and deduplicated") {
    FakePlatform server;
    add(4);
    server.push(Behaviour::hang(3500ms));  // then processes the batch: the platform has it, the device does not know
    auto s = settings(server);
    s.total_timeout = 1s;
    SyncClient client(s, *outbox, clock);
    const auto t0 = steady_clock::now();
    PassResult r = client.pass();
    const auto took = steady_clock::now() - t0;
    CHECK(r.outcome == Outcome::Remaining);
    CHECK(has(r.last_error, "did not answer in time"));
    CHECK(took < 2500ms);
    CHECK(ids_in(State::Pending).size() == 4);
    CHECK_FALSE(client.status().online);

    REQUIRE(server.wait_for_batches(1, 5s));
    clock.advance(*r.wait);
    r = client.pass();
    CHECK(r.outcome == Outcome::Done);
    CHECK(server.records().size() == 4);
    for (const auto& [id, n] : server.deliveries()) CHECK(n == 2);  // at least once; once after dedupe
}

TEST_CASE_FIXTURE(SyncFixture, "a connection cut in the middle of the answer: pending, resent, stored once") {
    FakePlatform server;
    add(6);
    server.push(Behaviour::reset());
    SyncClient client(settings(server), *outbox, clock);
    PassResult r = client.pass();
    CHECK(r.outcome == Outcome::Remaining);
    CHECK_FALSE(r.last_error.empty());
    CHECK(server.records().size() == 6);          // the platform got them
    CHECK(ids_in(State::Pending).size() == 6);    // the device cannot know it
    clock.advance(*r.wait);
    r = client.pass();
    CHECK(r.outcome == Outcome::Done);
    CHECK(server.records().size() == 6);
    for (const auto& [id, n] : server.deliveries()) CHECK(n == 2);
}

TEST_CASE_FIXTURE(SyncFixture, "garbage answers: not JSON, or JSON of another shape, keep everything pending") {
    FakePlatform server;
    add(3);
    server.push(Behaviour::garbage());
    server.push(Behaviour::wrong_shape());
    server.push(Behaviour::garbage("{\"accepted\": \"all of them\"}"));
    SyncClient client(settings(server), *outbox, clock);
    for (int i = 0; i < 3; ++i) {
        const PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Remaining);
        CHECK(has(r.last_error, "not the expected JSON"));
        CHECK(r.sent == 0);
        clock.advance(*r.wait);
    }
    CHECK(ids_in(State::Pending).size() == 3);
    for (const auto& s : outbox->list()) CHECK(s.attempts == 3);
    CHECK(client.pass().outcome == Outcome::Done);
    CHECK(ids_in(State::Sent).size() == 3);
}

TEST_CASE_FIXTURE(SyncFixture, "an answer that omits ids: those stay pending and go again, the others are sent") {
    FakePlatform server;
    add(5);
    server.push(Behaviour::omit(2));
    SyncClient client(settings(server), *outbox, clock);
    PassResult r = client.pass();
    CHECK(r.outcome == Outcome::Remaining);
    CHECK(r.sent == 3);
    CHECK(r.remaining == 2);
    CHECK(has(r.last_error, "does not account for 2 of 5"));
    CHECK(ids_in(State::Pending) == std::vector<std::string>{added[3].id, added[4].id});
    clock.advance(*r.wait);
    r = client.pass();
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.sent == 2);
    CHECK(keys_of(server.records()) == sorted(all_ids()));
}

TEST_CASE_FIXTURE(SyncFixture, "per-record rejections: kept with the reason, never resent, never blocking the others") {
    FakePlatform server;
    add(9);
    const std::string poisoned = added[1].id;
    server.reject_ids([&](const json& rec) -> std::optional<std::string> {
        if (rec["id"] == poisoned) return "unknown event salon-2026";
        return std::nullopt;
    });
    SyncClient client(settings(server, 4), *outbox, clock);
    const PassResult r = client.pass();
    CHECK(r.outcome == Outcome::Done);
    CHECK(r.sent == 8);
    CHECK(r.rejected == 1);
    const auto stored = outbox->find(poisoned);
    REQUIRE(stored.has_value());
    CHECK(stored->state == State::Rejected);
    CHECK(stored->last_error == "unknown event salon-2026");
    CHECK(server.batch_count() == 3);
    add(1);
    CHECK(client.pass().outcome == Outcome::Done);
    CHECK(server.deliveries().at(poisoned) == 1);  // never sent again
}

TEST_CASE_FIXTURE(SyncFixture, "413: the batch is halved until it fits, nothing is lost") {
    FakePlatform server;
    add(10);
    server.push(Behaviour::status(413));
    server.push(Behaviour::status(413));
    SyncClient client(settings(server, 8), *outbox, clock);
    for (int i = 0; i < 2; ++i) {
        const PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Remaining);
        CHECK(has(r.last_error, "HTTP 413"));
        clock.advance(*r.wait);
    }
    CHECK(client.pass().outcome == Outcome::Done);
    std::vector<std::size_t> sizes;
    for (const auto& q : server.requests()) sizes.push_back(nlohmann::json::parse(q.body)["records"].size());
    CHECK(sizes == std::vector<std::size_t>{8, 4, 2, 2, 2, 2, 2});
    CHECK(server.records().size() == 10);
}

TEST_CASE("401 and 403: stop, say the device is not authorised, keep everything") {
    for (int code : {401, 403}) {
        CAPTURE(code);
        SyncFixture f;
        FakePlatform server;
        f.add(3);
        server.push(Behaviour::status(code));
        SyncClient client(f.settings(server), *f.outbox, f.clock);
        PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Unauthorised);
        CHECK(has(r.last_error, "device not authorised"));
        CHECK(has(r.last_error, std::to_string(code)));
        CHECK_FALSE(has(r.last_error, "test-token"));
        CHECK_FALSE(client.status().authorised);
        CHECK_FALSE(client.next_attempt().has_value());
        CHECK(f.ids_in(State::Pending).size() == 3);
        // No more requests, even much later.
        f.clock.advance(1h);
        r = client.pass();
        CHECK(r.outcome == Outcome::Unauthorised);
        CHECK_FALSE(client.heartbeat(json::object()));
        CHECK(server.requests().size() == 1);
        CHECK((*f.outbox->sync_state())["authorised"] == false);
    }
}

TEST_CASE_FIXTURE(SyncFixture, "a wrong token gets the real 401 of the platform") {
    FakePlatform server("the-right-token");
    add(1);
    SyncClient client(settings(server), *outbox, clock);
    CHECK(client.pass().outcome == Outcome::Unauthorised);
}

TEST_CASE_FIXTURE(SyncFixture, "TLS: a self-signed platform is refused by default, accepted with its CA file") {
    const TlsFiles tls = make_self_signed(dir / "tls");
    FakePlatform server("test-token", tls);
    REQUIRE(server.base_url().rfind("https://", 0) == 0);
    add(2);
    {
        auto s = settings(server);
        s.allow_insecure_http = false;
        SyncClient client(s, *outbox, clock);
        const PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Remaining);
        CHECK(has(r.last_error, "TLS"));
        CHECK(has(r.last_error, "ca_file"));
        CHECK(server.records().empty());
    }
    auto s = settings(server);
    s.allow_insecure_http = false;
    s.ca_file = tls.cert;
    SyncClient client(s, *outbox, clock);
    CHECK(client.pass().outcome == Outcome::Done);
    CHECK(server.records().size() == 2);
}

TEST_CASE_FIXTURE(SyncFixture, "a slow server that trickles its answer: given up at the total timeout") {
    FakePlatform server;
    add(2);
    server.push(Behaviour::trickle(1, 400ms));
    auto s = settings(server);
    s.total_timeout = 1500ms;
    SyncClient client(s, *outbox, clock);
    const auto t0 = steady_clock::now();
    const PassResult r = client.pass();
    CHECK(steady_clock::now() - t0 < 3s);
    CHECK(r.outcome == Outcome::Remaining);
    CHECK(has(r.last_error, "did not answer in time"));
    CHECK(ids_in(State::Pending).size() == 2);
}

TEST_CASE_FIXTURE(SyncFixture, "no platform there: connection refused and an unknown host are failures like others") {
    add(2);
    SyncSettings s;
    s.device_id = "kiosk-07";
    s.token = "test-token";
    s.allow_insecure_http = true;
    s.connect_timeout = 2s;
    s.total_timeout = 3s;
    SUBCASE("connection refused") {
        s.base_url = "http://127.0.0.1:9";  // discard: nobody listens
        SyncClient client(s, *outbox, clock);
        const PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Remaining);
        CHECK(has(r.last_error, "cannot connect"));
        CHECK_FALSE(client.status().online);
    }
    SUBCASE("unknown host") {
        s.base_url = "http://platform.invalid";
        SyncClient client(s, *outbox, clock);
        const PassResult r = client.pass();
        CHECK(r.outcome == Outcome::Remaining);
        CHECK(has(r.last_error, "resolve"));
    }
    CHECK(ids_in(State::Pending).size() == 2);
}

TEST_CASE_FIXTURE(SyncFixture, "back-off on the injected clock: bounded, jittered, not before its time, reset by a success") {
    FakePlatform server;
    server.set_default(Behaviour::status(502));
    add(1);
    auto s = settings(server);
    s.backoff_base = 2s;
    s.backoff_cap = 60s;
    SyncClient client(s, *outbox, clock);
    std::vector<milliseconds> waits;
    for (int n = 1; n <= 10; ++n) {
        const PassResult r = client.pass();
        REQUIRE(r.outcome == Outcome::Remaining);
        const milliseconds bound = std::min<milliseconds>(60s, milliseconds(2000LL << (n - 1)));
        CHECK(*r.wait >= 0ms);
        CHECK(*r.wait <= bound);
        CHECK(client.next_attempt() == clock.now() + *r.wait);
        waits.push_back(*r.wait);
        clock.advance(*r.wait);
    }
    CHECK(server.batch_count() == 10);
    CHECK(std::set<milliseconds>(waits.begin(), waits.end()).size() > 5);  // jittered, not a fixed ladder
    server.set_default(Behaviour::normal());
    CHECK(client.pass().outcome == Outcome::Done);
    add(1);
    server.set_default(Behaviour::status(502));
    const PassResult r = client.pass();
    CHECK(*r.wait <= 2s);  // counting from the start again
}

TEST_CASE_FIXTURE(SyncFixture, "the heartbeat carries the status document to /v1/devices/{id}/heartbeat") {
    FakePlatform server;
    SyncClient client(settings(server), *outbox, clock);
    DeviceInfo d;
    d.device_id = "kiosk-07";
    d.event = "salon-2026";
    d.app_version = "0.1.0";
    const json doc = device_status(d, outbox->status(clock.wall()), client.status(), clock.wall());
    CHECK(client.heartbeat(doc));
    const auto beats = server.heartbeats();
    REQUIRE(beats.size() == 1);
    CHECK(beats[0].device_id == "kiosk-07");
    CHECK(beats[0].body == doc);
    CHECK(server.requests()[0].authorization == "Bearer test-token");
}

TEST_CASE("the worker: sends what is committed when poked, beats, publishes its status, stops at once") {
    TempDir dir;
    FakePlatform server;
    write_file(dir / "token", "test-token\n");
    ::chmod((dir / "token").c_str(), 0600);
    KioskClock clock;
    SyncWorkerSetup setup;
    setup.settings.base_url = server.base_url();
    setup.settings.device_id = "kiosk-07";
    setup.settings.allow_insecure_http = true;
    setup.settings.total_timeout = 20s;
    setup.token_file = dir / "token";
    setup.outbox_file = dir / "outbox.db";
    setup.device = [] {
        DeviceInfo d;
        d.device_id = "kiosk-07";
        return d;
    };
    Outbox outbox(dir / "outbox.db");  // the UI thread's connection
    auto worker = std::make_unique<SyncWorker>(setup, clock);
    REQUIRE(eventually([&] { return !server.heartbeats().empty(); }));

    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
        Record r = sample_stats(kMonday9 + seconds(i));
        outbox.add(r);
        ids.push_back(r.id);
        worker->poke();
    }
    REQUIRE_MESSAGE(eventually([&] { return server.records().size() == 3; }), worker->status()->last_error);
    REQUIRE(eventually([&] { return worker->status()->pending == 0 && worker->status()->last_success; }));
    CHECK(worker->status()->online);
    for (const auto& id : ids) CHECK(outbox.find(id)->state == State::Sent);
    // A heartbeat follows the delivery, with the new queue depth.
    REQUIRE(eventually([&] { return server.heartbeats().size() >= 2; }));
    CHECK(server.heartbeats().back().body["queue"]["sent"] == 3);

    // Stopping cuts a transfer in progress short; the record stays pending.
    server.push(Behaviour::hang(15s));
    const std::size_t batches = server.batch_count();  // the three records may have gone in one batch or more
    Record late = sample_stats(kMonday9 + 10s);
    outbox.add(late);
    worker->poke();
    REQUIRE(eventually([&] { return server.batch_count() == batches + 1; }));
    const auto t0 = steady_clock::now();
    worker.reset();
    CHECK(steady_clock::now() - t0 < 3s);
    CHECK(outbox.find(late.id)->state == State::Pending);
}

TEST_CASE("the worker: a 401 stops it until the token file changes") {
    TempDir dir;
    FakePlatform server("new-token");
    write_file(dir / "token", "old-token\n");
    ::chmod((dir / "token").c_str(), 0600);
    KioskClock clock;
    SyncWorkerSetup setup;
    setup.settings.base_url = server.base_url();
    setup.settings.device_id = "kiosk-07";
    setup.settings.allow_insecure_http = true;
    setup.token_file = dir / "token";
    setup.outbox_file = dir / "outbox.db";
    setup.recheck = 1s;
    Outbox outbox(dir / "outbox.db");
    Record r = sample_stats(kMonday9);
    outbox.add(r);
    SyncWorker worker(setup, clock);
    REQUIRE(eventually([&] { return !worker.status()->authorised; }));
    CHECK(has(worker.status()->last_error, "device not authorised"));
    const auto tried = server.batch_count();
    worker.poke();
    std::this_thread::sleep_for(1500ms);
    CHECK(server.batch_count() == tried);  // not hammering the platform

    write_file(dir / "token", "new-token\n");
    ::chmod((dir / "token").c_str(), 0600);
    REQUIRE(eventually([&] { return server.records().size() == 1; }));
    REQUIRE(eventually([&] { return worker.status()->authorised && worker.status()->pending == 0; }));
}

TEST_CASE("vitrine sync --once: exit 0 when all is sent, 3 when some remain, 1 when not authorised") {
    TempDir dir;
    FakePlatform server;
    write_file(dir / "token", "test-token\n");
    ::chmod((dir / "token").c_str(), 0600);
    write_file(dir / "vitrine.toml", "[device]\nid = \"kiosk-07\"\ndata_dir = \"data\"\n[platform]\nbase_url = \"" +
                                         server.base_url() +
                                         "\"\nallow_insecure_http = true\ntoken_file = \"token\"\nbatch_size = 2\n");
    {
        Outbox outbox(dir / "data" / "outbox.db");
        for (int i = 0; i < 5; ++i) outbox.add(sample_stats(kMonday9 + seconds(i)));
    }
    const std::string config = (dir / "vitrine.toml").string();
    auto sync = [&] { return run({vitrine_bin(), "--config", config, "sync", "--once", "--json"}); };

    server.push(Behaviour::normal());
    server.push(Behaviour::status(503, "30"));
    ProcessResult p = sync();
    CHECK(p.exit_code == 3);
    json j = json::parse(p.out);
    CHECK(j["outcome"] == "remaining");
    CHECK(j["sent"] == 2);
    CHECK(j["remaining"] == 3);
    CHECK(j["retry_in_s"] == 30.0);
    CHECK(has(j["last_error"], "HTTP 503"));

    p = sync();
    CHECK(p.exit_code == 0);
    j = json::parse(p.out);
    CHECK(j["sent"] == 3);
    CHECK(j["remaining"] == 0);
    CHECK(server.records().size() == 5);

    // `vitrine status` reports what the pass left behind.
    p = run({vitrine_bin(), "--config", config, "status", "--json"});
    CHECK(p.exit_code == 0);
    j = json::parse(p.out);
    CHECK(j["queue"]["sent"] == 5);
    CHECK(j["sync"]["configured"] == true);
    CHECK(j["sync"]["last_success"].is_string());

    {
        Outbox outbox(dir / "data" / "outbox.db");
        outbox.add(sample_stats(kMonday9 + 1h));
    }
    server.push(Behaviour::status(401));
    p = sync();
    CHECK(p.exit_code == 1);
    CHECK(json::parse(p.out)["outcome"] == "unauthorised");
    CHECK_FALSE(has(p.err + p.out, "test-token"));

    ::chmod((dir / "token").c_str(), 0644);
    p = sync();
    CHECK(p.exit_code == 1);
    CHECK(has(p.err, "chmod 600"));

    p = run({vitrine_bin(), "--config", config, "sync"});
    CHECK(p.exit_code == 2);  // --once is required
}
