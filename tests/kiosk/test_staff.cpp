// The staff-mode state model, driven with no rendering: the hidden gesture,
// the PIN pad with a real Argon2id hash checked off the calling thread, the
// wrong-PIN lockout, and the idle timeout, on a clock that moves when told.
#include "kiosk/staff.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace vitrine;
using namespace std::chrono_literals;

namespace {

// One hash for the whole suite: making one costs as much as checking one.
const std::string& hash_1234() {
    static const std::string h = hash_pin("1234");
    return h;
}

struct Staff {
    ManualClock clock;
    StaffMode staff{StaffOptions{hash_1234(), 120s}, clock};
    static constexpr float W = 1920, H = 1080;

    // A tap in the top-right corner square (108 px at 1080p).
    bool corner_tap() { return staff.press(W - 20, 20, W, H); }
    void gesture() {
        for (int i = 0; i < 5; ++i) {
            corner_tap();
            clock.advance(200ms);
        }
    }
    void type(const std::string& digits) {
        for (char c : digits) staff.digit(c - '0');
    }
    // Waits (for real) for the check running off this thread.
    void settle() {
        for (int i = 0; i < 500 && staff.note() == StaffMode::PadNote::Checking; ++i) {
            std::this_thread::sleep_for(10ms);
            staff.tick();
        }
        REQUIRE(staff.note() != StaffMode::PadNote::Checking);
    }
    void enter() {
        gesture();
        REQUIRE(staff.state() == StaffMode::State::Pad);
        type("1234");
        staff.submit();
        settle();
        REQUIRE(staff.state() == StaffMode::State::Open);
    }
};

}  // namespace

TEST_CASE_FIXTURE(Staff, "five taps in the corner within three seconds open the pad; the fifth says so") {
    for (int i = 0; i < 4; ++i) {
        CHECK_FALSE(corner_tap());
        clock.advance(700ms);
    }
    CHECK(staff.state() == StaffMode::State::Closed);
    CHECK(corner_tap());  // 2.8 s after the first
    CHECK(staff.state() == StaffMode::State::Pad);
    CHECK(staff.digits() == 0);
    CHECK(staff.note() == StaffMode::PadNote::None);
}

TEST_CASE_FIXTURE(Staff, "too slow, elsewhere, or interrupted: no pad") {
    SUBCASE("taps a second apart") {
        for (int i = 0; i < 10; ++i) {
            CHECK_FALSE(corner_tap());
            clock.advance(1s);
        }
    }
    SUBCASE("just outside the corner square") {
        for (int i = 0; i < 5; ++i) CHECK_FALSE(staff.press(W - 120, 20, W, H));
        for (int i = 0; i < 5; ++i) CHECK_FALSE(staff.press(W - 20, 120, W, H));
        for (int i = 0; i < 5; ++i) CHECK_FALSE(staff.press(20, 20, W, H));  // the other corner
    }
    SUBCASE("a press elsewhere in the middle starts the count again") {
        for (int i = 0; i < 4; ++i) CHECK_FALSE(corner_tap());
        CHECK_FALSE(staff.press(W / 2, H / 2, W, H));
        for (int i = 0; i < 4; ++i) CHECK_FALSE(corner_tap());
        CHECK(corner_tap());
        staff.cancel();
    }
    CHECK(staff.state() == StaffMode::State::Closed);
}

TEST_CASE_FIXTURE(Staff, "the corner follows the screen's short side, in portrait too") {
    CHECK(staff.corner_side(1920, 1080) == doctest::Approx(108));
    CHECK(staff.corner_side(1080, 1920) == doctest::Approx(108));
    for (int i = 0; i < 4; ++i) CHECK_FALSE(staff.press(1080 - 100, 100, 1080, 1920));
    CHECK(staff.press(1080 - 100, 100, 1080, 1920));
}

TEST_CASE("no PIN configured: the gesture does nothing") {
    ManualClock clock;
    StaffMode staff{StaffOptions{}, clock};
    CHECK_FALSE(staff.enabled());
    for (int i = 0; i < 10; ++i) CHECK_FALSE(staff.press(1900, 10, 1920, 1080));
    CHECK(staff.state() == StaffMode::State::Closed);
}

TEST_CASE_FIXTURE(Staff, "the right PIN opens the staff screen, once the check is done") {
    gesture();
    type("12345678");
    staff.digit(9);  // past eight digits: ignored
    CHECK(staff.digits() == 8);
    for (int i = 0; i < 4; ++i) staff.erase();
    CHECK(staff.digits() == 4);
    staff.submit();
    CHECK(staff.digits() == 0);  // the typed PIN is gone from the pad at once
    CHECK(staff.note() == StaffMode::PadNote::Checking);
    staff.digit(1);  // ignored while checking
    CHECK(staff.digits() == 0);
    settle();
    CHECK(staff.state() == StaffMode::State::Open);
    CHECK(staff.entries() == 1);
    CHECK(staff.exits() == 0);
    CHECK(staff.failures() == 0);
    staff.leave();
    CHECK(staff.state() == StaffMode::State::Closed);
    CHECK(staff.exits() == 1);
    CHECK_FALSE(staff.left_idle());
}

TEST_CASE_FIXTURE(Staff, "a wrong PIN says so and clears the pad; cancel closes it") {
    gesture();
    type("4321");
    staff.submit();
    settle();
    CHECK(staff.state() == StaffMode::State::Pad);
    CHECK(staff.note() == StaffMode::PadNote::Wrong);
    CHECK(staff.digits() == 0);
    CHECK(staff.failures() == 1);
    staff.digit(1);
    CHECK(staff.note() == StaffMode::PadNote::None);  // typing again clears the message
    // Too short or too long for a PIN: wrong at once, no check needed.
    staff.erase();
    type("12");
    staff.submit();
    CHECK(staff.note() == StaffMode::PadNote::Wrong);
    CHECK(staff.failures() == 2);
    staff.cancel();
    CHECK(staff.state() == StaffMode::State::Closed);
    CHECK(staff.entries() == 0);
    CHECK(staff.exits() == 0);  // the staff screen never opened
}

TEST_CASE_FIXTURE(Staff, "three wrong PINs lock the pad for 30 s: even the right PIN waits") {
    gesture();
    for (int i = 0; i < 3; ++i) {
        type("9999");
        staff.submit();
        settle();
    }
    CHECK(staff.locked());
    CHECK(staff.note() == StaffMode::PadNote::Locked);
    CHECK(staff.locked_for() == 30s);
    type("1234");
    CHECK(staff.digits() == 0);  // taps ignored
    staff.submit();
    CHECK(staff.state() == StaffMode::State::Pad);
    // Closing and opening the pad again is no way around it.
    staff.cancel();
    gesture();  // one second
    CHECK(staff.note() == StaffMode::PadNote::Locked);
    clock.advance(28s);
    CHECK(staff.locked_for() == 1s);
    clock.advance(2s);
    CHECK_FALSE(staff.locked());
    // A fourth wrong PIN locks again, for twice as long.
    type("0000");
    staff.submit();
    settle();
    CHECK(staff.locked_for() == 60s);
    clock.advance(61s);
    type("1234");
    staff.submit();
    settle();
    CHECK(staff.state() == StaffMode::State::Open);
    CHECK(staff.failures() == 0);  // the right PIN forgets the count
}

TEST_CASE_FIXTURE(Staff, "a check under way is not cancelled away") {
    gesture();
    for (int i = 0; i < 2; ++i) {
        type("9999");
        staff.submit();
        settle();
    }
    type("9999");
    staff.submit();
    staff.cancel();  // while checking: the wrong PIN still counts
    CHECK(staff.state() == StaffMode::State::Closed);
    settle();
    CHECK(staff.locked());
}

TEST_CASE_FIXTURE(Staff, "a right PIN whose pad was closed meanwhile opens nothing") {
    gesture();
    type("1234");
    staff.submit();
    staff.cancel();
    gesture();  // opened again while the first check runs
    settle();
    CHECK(staff.state() == StaffMode::State::Pad);
    CHECK(staff.entries() == 0);
    type("1234");
    staff.submit();
    settle();
    CHECK(staff.state() == StaffMode::State::Open);
}

TEST_CASE_FIXTURE(Staff, "idle: the staff screen and the pad close after the timeout untouched") {
    enter();
    clock.advance(100s);
    staff.touched();
    clock.advance(100s);
    staff.tick();
    CHECK(staff.state() == StaffMode::State::Open);
    clock.advance(21s);
    staff.tick();
    CHECK(staff.state() == StaffMode::State::Closed);
    CHECK(staff.exits() == 1);
    CHECK(staff.left_idle());

    gesture();
    type("12");
    clock.advance(121s);
    staff.tick();
    CHECK(staff.state() == StaffMode::State::Closed);
    CHECK(staff.digits() == 0);
    CHECK(staff.exits() == 1);  // only the staff screen's closing counts
    // The gesture does nothing while the pad or the screen is up.
    enter();
    CHECK_FALSE(corner_tap());
    CHECK(staff.entries() == 2);
}
