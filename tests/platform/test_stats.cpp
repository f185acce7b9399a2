// Anonymous statistics: UTC hour buckets from the wall clock, dwell time
// from the monotonic clock, the per-showcase funnel, each hour taken once.
#include "platform/stats.hpp"

#include <doctest/doctest.h>

using namespace vitrine;
using namespace vitrine::platform;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A clock whose wall time can jump (NTP) while monotonic time does not.
struct SplitClock : Clock {
    time_point mono{std::chrono::hours(5)};
    wall_time wall_now{std::chrono::seconds(1767603600)};  // 2026-01-05 09:00:00 UTC
    time_point now() const override { return mono; }
    wall_time wall() const override { return wall_now; }
};

}  // namespace

TEST_CASE("a finished hour comes out once, with the documented shape") {
    ManualClock clock;  // 2026-01-05 09:00:00 UTC
    StatsCollector stats(clock);
    stats.video_started("");
    stats.video_started("");
    stats.showcase_opened("robots");
    stats.video_started("robots");
    clock.advance(42s);
    stats.video_completed("robots");
    stats.video_completed("");  // the attract loop has no completion count
    stats.showcase_closed();

    CHECK(stats.take().empty());  // the hour is not over
    clock.advance(59min);
    CHECK(stats.take().empty());
    clock.advance(1min);  // 10:00:42
    auto hours = stats.take();
    REQUIRE(hours.size() == 1);
    const json expected = {
        {"hour", "2026-01-05T09:00:00Z"},
        {"flows", {{"started", 0}, {"abandoned", 0}, {"qr_shown", 0}, {"completed", 0}}},
        {"attract_video_starts", 2},
        {"showcases",
         {{"robots",
           {{"views", 1}, {"dwell_s", 42.0}, {"video_starts", 1}, {"video_completions", 1}, {"cta", 0}, {"qr_shown", 0}}}}},
    };
    CHECK(hours[0] == expected);
    CHECK(stats.take().empty());
    CHECK(stats.take(true).empty());
}

TEST_CASE("events on each side of an hour go to their own hour; empty hours give nothing") {
    ManualClock clock;
    StatsCollector stats(clock);
    clock.advance(59min + 59s);
    stats.showcase_opened("a");  // 09:59:59
    stats.showcase_closed();
    clock.advance(1s);
    stats.showcase_opened("b");  // 10:00:00
    stats.showcase_closed();
    clock.advance(3h);  // 13:00: nothing at 11 or 12
    stats.flow_started("");
    auto hours = stats.take();
    REQUIRE(hours.size() == 2);
    CHECK(hours[0]["hour"] == "2026-01-05T09:00:00Z");
    CHECK(hours[0]["showcases"].size() == 1);
    CHECK(hours[0]["showcases"]["a"]["views"] == 1);
    CHECK(hours[1]["hour"] == "2026-01-05T10:00:00Z");
    CHECK(hours[1]["showcases"]["b"]["views"] == 1);

    // The current hour only with `all` (a clean shutdown).
    auto rest = stats.take(true);
    REQUIRE(rest.size() == 1);
    CHECK(rest[0]["hour"] == "2026-01-05T13:00:00Z");
    CHECK(rest[0]["flows"]["started"] == 1);
    CHECK(stats.take(true).empty());

    SUBCASE("across midnight and the new year") {
        ManualClock late(ManualClock::wall_time(std::chrono::sys_days(std::chrono::year(2026) / 12 / 31)) + 23h + 30min);
        StatsCollector s(late);
        s.video_started("");
        late.advance(1h);
        s.video_started("");
        auto h = s.take(true);
        REQUIRE(h.size() == 2);
        CHECK(h[0]["hour"] == "2026-12-31T23:00:00Z");
        CHECK(h[1]["hour"] == "2027-01-01T00:00:00Z");
    }
}

TEST_CASE("the funnel: view, call to action, QR shown, per showcase") {
    ManualClock clock;
    StatsCollector stats(clock);
    stats.showcase_opened("rail");
    stats.flow_started("rail");
    stats.qr_shown();
    stats.flow_completed();
    stats.flow_started("rail");
    stats.flow_abandoned();
    stats.qr_shown();  // after an abandon: counted for the hour, not for the showcase
    stats.showcase_closed();
    stats.flow_started("");  // from the home screen
    stats.qr_shown();
    stats.flow_completed();
    stats.showcase_opened("health");
    clock.advance(1h);
    auto hours = stats.take();
    REQUIRE(hours.size() == 1);
    const json& h = hours[0];
    CHECK(h["flows"] == json{{"started", 3}, {"abandoned", 1}, {"qr_shown", 3}, {"completed", 2}});
    CHECK(h["showcases"]["rail"]["views"] == 1);
    CHECK(h["showcases"]["rail"]["cta"] == 2);
    CHECK(h["showcases"]["rail"]["qr_shown"] == 1);
    CHECK(h["showcases"]["health"]["views"] == 1);
    CHECK(h["showcases"]["health"]["cta"] == 0);
    CHECK(h["showcases"]["health"]["dwell_s"] == 0.0);  // still open when the hour was taken
}

TEST_CASE("dwell time: from the monotonic clock, until closed, another opened, or shutdown") {
    SUBCASE("opening another showcase closes the first") {
        ManualClock clock;
        StatsCollector stats(clock);
        stats.showcase_opened("a");
        clock.advance(10s);
        stats.showcase_opened("b");
        clock.advance(2500ms);
        stats.showcase_closed();
        stats.showcase_closed();  // nothing open: no effect
        clock.advance(1h);
        auto h = stats.take();
        REQUIRE(h.size() == 1);
        CHECK(h[0]["showcases"]["a"]["dwell_s"] == 10.0);
        CHECK(h[0]["showcases"]["b"]["dwell_s"] == 2.5);
    }
    SUBCASE("a showcase still open at shutdown counts until then") {
        ManualClock clock;
        StatsCollector stats(clock);
        stats.showcase_opened("a");
        clock.advance(7s);
        auto h = stats.take(true);
        REQUIRE(h.size() == 1);
        CHECK(h[0]["showcases"]["a"]["dwell_s"] == 7.0);
    }
    SUBCASE("a wall clock set back by an hour changes neither the dwell time nor the views") {
        SplitClock clock;
        StatsCollector stats(clock);
        stats.showcase_opened("a");
        clock.wall_now -= 1h;  // NTP corrects the board's clock
        clock.mono += 12s;
        stats.showcase_closed();
        auto h = stats.take(true);
        double dwell = 0;
        std::int64_t views = 0;
        for (const auto& hour : h) {
            if (hour["showcases"].contains("a")) {
                dwell += hour["showcases"]["a"]["dwell_s"].get<double>();
                views += hour["showcases"]["a"]["views"].get<std::int64_t>();
            }
        }
        CHECK(dwell == 12.0);
        CHECK(views == 1);
    }
}
