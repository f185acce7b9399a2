// A board with no real-time clock: its wall clock reads 1970 before NTP, or
// whatever a bad time source said (2038), and jumps when it is set, while
// the monotonic clock runs on. The sync worker against the fake platform
// (its Date header is the platform's clock) with the wall clock jumping by
// days and years across capture, purge and sync: nothing that was not
// delivered is deleted, retention runs on the platform's clock (a wrong
// clock delays a deletion, never hastens it), every record arrives once,
// and neither the back-off nor a Retry-After stalls.
#include "fixture.hpp"
#include "platform/sync.hpp"
#include "platform/sync_worker.hpp"
#include "support/fake_platform.hpp"

#include <sys/stat.h>

#include <functional>
#include <mutex>
#include <set>
#include <thread>

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using namespace std::chrono;
using json = nlohmann::json;

namespace {

const SysTime k1970 = SysTime(seconds(86400));              // 1970-01-02
const SysTime k2038 = SysTime(seconds(2145916800));         // 2038-01-01
const SysTime kTrueStart = kMonday9 + days(300);            // 2026-11-01: what time it really is

// The board's clock: real time that tests can move forward (both clocks
// together, as `advance` does) and a wall clock that can be set to anything
// (only the wall clock, as NTP or a bad time source does).
class BoardClock : public Clock {
public:
    explicit BoardClock(SysTime wall) : start_wall_(wall) {}
    time_point now() const override {
        std::lock_guard lock(mu_);
        return steady_clock::now() + advanced_;
    }
    wall_time wall() const override {
        std::lock_guard lock(mu_);
        return start_wall_ + duration_cast<system_clock::duration>(steady_clock::now() - start_ + advanced_) + shift_;
    }
    // What time it really is: the start plus the time that really passed.
    SysTime truth() const {
        std::lock_guard lock(mu_);
        return kTrueStart + duration_cast<system_clock::duration>(steady_clock::now() - start_ + advanced_);
    }
    void advance(steady_clock::duration d) {
        std::lock_guard lock(mu_);
        advanced_ += d;
    }
    void set_wall(SysTime t) {
        std::lock_guard lock(mu_);
        shift_ = t - (start_wall_ + duration_cast<system_clock::duration>(steady_clock::now() - start_ + advanced_));
    }

private:
    mutable std::mutex mu_;
    steady_clock::time_point start_ = steady_clock::now();
    SysTime start_wall_;
    steady_clock::duration advanced_{};
    system_clock::duration shift_{};
};


// The worker under a sanitizer on a loaded machine: up to 10 s.
bool soon(const std::function<bool()>& done) { return eventually(done, 10s); }

// A free port with nothing behind it: the platform is unreachable.
std::string unreachable_url() { return "http://127.0.0.1:9"; }

struct Board {
    TempDir dir;
    TestKeyPair keys;
    BoardClock clock{kTrueStart};
    fs::path file = dir / "outbox.db";
    std::mutex log_mu;
    std::vector<std::string> log_lines;

    Board() {
        write_file(dir / "token", "test-token\n");
        ::chmod((dir / "token").c_str(), 0600);
    }

    SyncWorkerSetup setup(const std::string& base_url) {
        SyncWorkerSetup s;
        s.settings.base_url = base_url;
        s.settings.device_id = "kiosk-07";
        s.settings.allow_insecure_http = true;
        s.settings.connect_timeout = 2s;
        s.settings.total_timeout = 5s;
        s.settings.backoff_base = 1s;
        s.settings.backoff_cap = 4s;
        s.token_file = dir / "token";
        s.outbox_file = file;
        s.outbox_options.retention_days = 30;
        s.device = [] {
            DeviceInfo d;
            d.device_id = "kiosk-07";
            return d;
        };
        s.log = [this](SyncLogLevel, const std::string& line) {
            std::lock_guard lock(log_mu);
            log_lines.push_back(line);
        };
        return s;
    }

    std::vector<std::string> lines_with(const std::string& part) {
        std::lock_guard lock(log_mu);
        std::vector<std::string> out;
        for (const auto& l : log_lines)
            if (l.find(part) != std::string::npos) out.push_back(l);
        return out;
    }

    // `n` records made now, by the board's wall clock.
    std::vector<std::string> capture(Outbox& outbox, int n) {
        std::vector<std::string> ids;
        for (int i = 0; i < n; ++i) {
            Record r = i % 4 == 3 ? sample_stats(clock.wall()) : sample_interest(keys, clock.wall());
            outbox.add(r);
            ids.push_back(r.id);
        }
        return ids;
    }

};

std::int64_t count(const Outbox& outbox, State s) { return outbox.status(kTrueStart).count(s); }

// The platform's Date follows true time, whatever the board's wall clock says.
void platform_clock(FakePlatform& server, const BoardClock& clock) {
    server.set_clock([&clock] { return clock.truth(); });
}

}  // namespace

TEST_CASE_FIXTURE(Board, "captured in 2026, started under 2038 with the platform unreachable: nothing deleted") {
    Outbox outbox(file);
    const auto ids = capture(outbox, 40);
    clock.set_wall(k2038);
    SyncWorker worker(setup(unreachable_url()), clock);
    for (int i = 0; i < 5; ++i) {  // hours go by; the worker may purge hourly
        clock.advance(hours(2));
        worker.poke();
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE(soon([&] { return worker.rounds() >= 2; }));
    CHECK(worker.purges() == 0);  // no time it can trust
    CHECK(count(outbox, State::Pending) == 40);
    for (const auto& id : ids) CHECK(outbox.find(id));
}

TEST_CASE_FIXTURE(Board, "captured under 1970, then the right clock and the platform up: delivered once, none deleted before") {
    FakePlatform server;
    platform_clock(server, clock);
    Outbox outbox(file);
    clock.set_wall(k1970);
    const auto old = capture(outbox, 25);
    clock.set_wall(clock.truth());  // NTP sets it
    const auto fresh = capture(outbox, 5);
    SyncWorker worker(setup(server.base_url()), clock);
    REQUIRE_MESSAGE(soon([&] { return server.records().size() == 30; }), worker.status()->last_error);
    REQUIRE(soon([&] { return worker.status()->pending == 0 && worker.purges() >= 1; }));
    for (const auto& [id, n] : server.deliveries()) CHECK(n == 1);
    for (const auto& id : old) CHECK(server.records().at(id)["created"].get<std::string>().starts_with("1970-01-02"));
    CHECK(worker.purged() == 0);
    CHECK(count(outbox, State::Sent) == 30);

    // 29 days on by the platform's clock: kept. 31: gone, and the log says how many.
    clock.advance(days(29));
    worker.poke();
    REQUIRE(soon([&] { return worker.purges() >= 2; }));
    CHECK(count(outbox, State::Sent) == 30);
    clock.advance(days(2));
    worker.poke();
    REQUIRE(soon([&] { return worker.purged() == 30; }));
    CHECK(count(outbox, State::Sent) == 0);
    CHECK(lines_with("deleted 30 sent records that the platform acknowledged more than 30 days ago").size() == 1);
}

TEST_CASE_FIXTURE(Board, "sent under a 2038 clock: dated and kept by the platform's clock, not for 12 years") {
    FakePlatform server;
    platform_clock(server, clock);
    clock.set_wall(k2038);
    Outbox outbox(file);
    const auto ids = capture(outbox, 10);
    SyncWorker worker(setup(server.base_url()), clock);
    REQUIRE(soon([&] { return server.records().size() == 10 && worker.status()->pending == 0; }));
    for (const auto& id : ids) {
        const auto r = outbox.find(id);
        REQUIRE(r);
        REQUIRE(r->sent_at);
        CHECK(abs(*r->sent_at - clock.truth()) < minutes(1));  // the platform's time, not the board's
    }
    // The board's clock is far off: staff read it in the log, once.
    REQUIRE(soon([&] { return !lines_with("the kiosk's clock is").empty(); }));
    CHECK(lines_with("ahead of the platform's").size() == 1);
    REQUIRE(worker.status()->clock_offset);
    CHECK(*worker.status()->clock_offset > days(365 * 11));

    clock.advance(days(31));
    worker.poke();
    REQUIRE(soon([&] { return worker.purged() == 10; }));
    CHECK(count(outbox, State::Sent) == 0);
    CHECK(lines_with("ahead of the platform's").size() == 1);
}

TEST_CASE_FIXTURE(Board, "the clock set back by years after sending: the retention still runs on the platform's clock") {
    FakePlatform server;
    platform_clock(server, clock);
    Outbox outbox(file);
    capture(outbox, 8);
    SyncWorker worker(setup(server.base_url()), clock);
    REQUIRE(soon([&] { return worker.status()->pending == 0 && worker.purges() >= 1; }));
    clock.set_wall(k1970);  // a board that lost its time
    clock.advance(days(10));
    worker.poke();
    REQUIRE(soon([&] { return worker.purges() >= 2; }));
    CHECK(count(outbox, State::Sent) == 8);  // 10 days: kept, although the board's clock says "long ago"
    clock.set_wall(k2038);
    clock.advance(days(10));
    worker.poke();
    REQUIRE(soon([&] { return worker.purges() >= 3; }));
    CHECK(count(outbox, State::Sent) == 8);  // 20 days: kept, although the board's clock says "12 years on"
    clock.advance(days(11));
    worker.poke();
    REQUIRE(soon([&] { return worker.purged() == 8; }));
}

TEST_CASE_FIXTURE(Board, "a platform that sends no Date: sent records kept, however long") {
    FakePlatform server;  // no clock: no Date header
    Outbox outbox(file);
    capture(outbox, 6);
    SyncWorker worker(setup(server.base_url()), clock);
    REQUIRE(soon([&] { return worker.status()->pending == 0 && !server.heartbeats().empty(); }));
    const auto rounds = worker.rounds();
    clock.advance(days(400));
    worker.poke();
    REQUIRE(soon([&] { return worker.rounds() > rounds; }));  // the heartbeat that was due
    std::this_thread::sleep_for(200ms);
    CHECK(worker.purges() == 0);
    CHECK(count(outbox, State::Sent) == 6);
}

TEST_CASE_FIXTURE(Board, "capture across jumps back and forth by days and years, a platform failing: each record once") {
    FakePlatform server;
    platform_clock(server, clock);
    server.push(Behaviour::status(500));
    server.push(Behaviour::reset());  // the records are stored, the answer is lost: sent again, deduplicated
    server.push(Behaviour::status(503, "10"));
    Outbox outbox(file);
    std::set<std::string> ids;
    for (SysTime wall : {k2038, kTrueStart - days(3), k1970, kTrueStart + days(400), kTrueStart}) {
        clock.set_wall(wall);
        for (const auto& id : capture(outbox, 7)) ids.insert(id);
        clock.advance(seconds(1));
    }
    clock.set_wall(kTrueStart - days(1));
    SyncWorker worker(setup(server.base_url()), clock);
    // Each failure's wait goes by on the monotonic clock, whatever the wall clock does meanwhile.
    for (int i = 0; i < 60 && (server.records().size() < ids.size() || worker.status()->pending > 0); ++i) {
        clock.set_wall(i % 2 ? k1970 : k2038);
        clock.advance(seconds(11));
        worker.poke();
        std::this_thread::sleep_for(100ms);
    }
    REQUIRE_MESSAGE(soon([&] { return server.records().size() == ids.size(); }), worker.status()->last_error);
    REQUIRE_MESSAGE(soon([&] { return worker.status()->pending == 0; }), worker.status()->last_error);
    std::set<std::string> got;
    for (const auto& [id, r] : server.records()) got.insert(id);
    CHECK(got == ids);
    CHECK(count(outbox, State::Pending) == 0);
    CHECK(count(outbox, State::Sent) == static_cast<std::int64_t>(ids.size()));
}

TEST_CASE("a Retry-After date is read on the platform's clock, not the board's") {
    TempDir dir;
    BoardClock clock(k2038);  // twelve years ahead
    FakePlatform server;
    platform_clock(server, clock);
    Outbox outbox(dir / "outbox.db");
    TestKeyPair keys;
    outbox.add(sample_stats(kMonday9));
    SyncSettings s;
    s.base_url = server.base_url();
    s.device_id = "kiosk-07";
    s.token = "test-token";
    s.allow_insecure_http = true;
    SyncClient client(s, outbox, clock);
    // Learn the platform's time from a first answer (a heartbeat), then a 503 for 30 s by its clock.
    REQUIRE(client.heartbeat(json::object()));
    const std::time_t t = system_clock::to_time_t(clock.truth() + seconds(30));
    std::tm utc{};
    gmtime_r(&t, &utc);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    server.push(Behaviour::status(503, date));
    const PassResult r = client.pass();
    REQUIRE(r.wait);
    CHECK(*r.wait >= 28s);
    CHECK(*r.wait <= 31s);
    REQUIRE(client.trusted_now());
    CHECK(abs(*client.trusted_now() - clock.truth()) < 2s);
}
