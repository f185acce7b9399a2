#include "kiosk/staff.hpp"

#include <sodium.h>

#include <algorithm>

namespace vitrine {

StaffMode::StaffMode(StaffOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock), gate_(clock) {}

StaffMode::~StaffMode() {
    if (check_.valid()) check_.wait();
    wipe();
}

float StaffMode::corner_side(float width, float height) const { return std::min(width, height) * options_.corner; }

bool StaffMode::press(float x, float y, float width, float height) {
    if (state_ != State::Closed) return false;
    const float side = corner_side(width, height);
    if (!enabled() || x < width - side || y > side || x > width || y < 0) {
        taps_.clear();  // a press elsewhere breaks the sequence
        return false;
    }
    const auto now = clock_.now();
    taps_.push_back(now);
    while (!taps_.empty() && now - taps_.front() > options_.gesture_window) taps_.pop_front();
    if (static_cast<int>(taps_.size()) < options_.gesture_taps) return false;
    taps_.clear();
    state_ = State::Pad;
    wrong_ = false;
    last_touch_ = now;
    return true;
}

void StaffMode::digit(int d) {
    if (state_ != State::Pad || d < 0 || d > 9 || check_.valid() || gate_.locked()) return;
    wrong_ = false;
    if (pin_.size() < kMaxDigits) pin_.push_back(static_cast<char>('0' + d));
}

void StaffMode::erase() {
    if (state_ != State::Pad || check_.valid() || pin_.empty()) return;
    sodium_memzero(&pin_.back(), 1);
    pin_.pop_back();
}

void StaffMode::submit() {
    if (state_ != State::Pad || check_.valid() || gate_.locked() || pin_.empty()) return;
    if (!valid_pin(pin_)) {  // no hash can match it: no need to spend the check on it
        wipe();
        gate_.failed();
        wrong_ = true;
        return;
    }
    // The copy goes with the task, which wipes it when done.
    check_cancelled_ = false;
    check_ = std::async(std::launch::async, [hash = options_.pin_hash, pin = pin_]() mutable {
        bool ok = pin_matches(hash, pin);
        sodium_memzero(pin.data(), pin.size());
        return ok;
    });
    wipe();
}

// A check under way goes on: its outcome still counts (tick()), so
// cancelling is no way around the lockout.
void StaffMode::cancel() {
    if (state_ != State::Pad) return;
    check_cancelled_ = check_.valid();
    wipe();
    wrong_ = false;
    state_ = State::Closed;
}

StaffMode::PadNote StaffMode::note() const {
    if (check_.valid()) return PadNote::Checking;
    if (gate_.locked()) return PadNote::Locked;
    if (wrong_) return PadNote::Wrong;
    return PadNote::None;
}

void StaffMode::touched() {
    if (state_ != State::Closed) last_touch_ = clock_.now();
}

void StaffMode::leave() {
    if (state_ == State::Open) close(false);
}

void StaffMode::close(bool idle) {
    if (state_ == State::Open) {
        ++exits_;
        left_idle_ = idle;
    }
    wipe();
    wrong_ = false;
    state_ = State::Closed;
}

void StaffMode::tick() {
    if (check_.valid() && check_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        bool ok = check_.get();
        last_touch_ = clock_.now();
        if (ok && state_ == State::Pad && !check_cancelled_) {
            gate_.succeeded();
            state_ = State::Open;
            ++entries_;
        } else if (!ok) {
            gate_.failed();
            wrong_ = true;
        }
    }
    if (state_ != State::Closed && !check_.valid() && clock_.now() - last_touch_ >= options_.idle_timeout)
        close(true);
}

void StaffMode::wipe() {
    sodium_memzero(pin_.data(), pin_.size());
    pin_.clear();
}

}  // namespace vitrine
