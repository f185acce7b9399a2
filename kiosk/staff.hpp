// Staff mode as plain state: the hidden gesture that calls the PIN pad
// (five taps in the top-right corner within three seconds, on any screen,
// the dark one included), the pad itself (digits, delete, OK, cancel, the
// wrong-PIN lockout) and the staff screen's idle timeout. No SDL, no ImGui:
// the kiosk feeds it raw presses and the pad's taps; tests drive it alone.
//
// The PIN typed is a secret: it lives only in this object's buffer, wiped
// once checked, cancelled or left; it is never logged or shown (the pad
// shows dots). Checking it is slow by design (Argon2id): it runs off the UI
// thread, and the pad says "checking" meanwhile.
#pragma once
#include "kiosk/pin.hpp"
#include "platform/clock.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <string>

namespace vitrine {

struct StaffOptions {
    std::string pin_hash;                    // "": staff mode cannot be entered
    std::chrono::seconds idle_timeout{120};  // the pad and the staff screen close after this untouched
    int gesture_taps = 5;
    std::chrono::milliseconds gesture_window{3000};  // from the first tap to the last
    float corner = 0.10f;  // the corner square's side, as a fraction of the screen's short side
};

class StaffMode {
public:
    enum class State { Closed, Pad, Open };
    // Why the pad shows what it shows, besides the dots.
    enum class PadNote { None, Checking, Wrong, Locked };
    static constexpr std::size_t kMaxDigits = 8;

    StaffMode(StaffOptions options, const Clock& clock);
    ~StaffMode();  // waits for a check under way (well under a second)
    StaffMode(const StaffMode&) = delete;
    StaffMode& operator=(const StaffMode&) = delete;

    // A PIN hash is configured: without one the gesture does nothing.
    bool enabled() const { return !options_.pin_hash.empty(); }

    // A finger (or mouse) press anywhere, in window pixels, whatever the
    // screen shows. The gesture's last tap opens the pad: true then.
    bool press(float x, float y, float width, float height);
    // The corner square the gesture is made in, for the given window.
    float corner_side(float width, float height) const;

    State state() const { return state_; }
    bool closed() const { return state_ == State::Closed; }

    // The pad. Digits are ignored while locked or checking, and past
    // kMaxDigits.
    void digit(int d);
    void erase();
    void submit();  // OK: a wrong length fails at once, anything else is checked off the UI thread
    void cancel();  // closes the pad
    std::size_t digits() const { return pin_.size(); }
    PadNote note() const;
    bool locked() const { return gate_.locked(); }
    std::chrono::seconds locked_for() const { return gate_.locked_for(); }
    int failures() const { return gate_.failures(); }

    // The staff screen.
    void touched();  // any touch on the pad or the staff screen: restarts the idle timer
    void leave();

    // Time passing: a finished check opens the staff screen (or counts a
    // wrong PIN); after idle_timeout untouched, the pad or the screen
    // closes. Call once per frame.
    void tick();

    // Grow each time the staff screen opens, and each time it closes: the
    // kiosk resets the visitor session on both.
    std::uint64_t entries() const { return entries_; }
    std::uint64_t exits() const { return exits_; }
    // Why the last exit happened: true when the idle timeout closed it.
    bool left_idle() const { return left_idle_; }

private:
    void wipe();
    void close(bool idle);

    StaffOptions options_;
    const Clock& clock_;
    PinGate gate_;
    State state_ = State::Closed;
    std::string pin_;  // the digits typed: wiped, never logged
    std::future<bool> check_;
    bool check_cancelled_ = false;  // the pad was closed while checking: a right PIN opens nothing
    bool wrong_ = false;
    Clock::time_point last_touch_{};
    std::deque<Clock::time_point> taps_;  // recent taps in the corner
    std::uint64_t entries_ = 0, exits_ = 0;
    bool left_idle_ = false;
};

}  // namespace vitrine
