// The kiosk's clock. Every timer (idle reset, countdown) reads it, so tests
// and scripts (`advance`) can move time forward without waiting.
#pragma once
#include <chrono>

namespace vitrine {

class Clock {
public:
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
};

// Real time plus whatever `advance` added.
class KioskClock : public Clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now() + offset_; }
    void advance(std::chrono::steady_clock::duration d) { offset_ += d; }

private:
    std::chrono::steady_clock::duration offset_{};
};

// Time that moves only when told to (state model tests).
class ManualClock : public Clock {
public:
    time_point now() const override { return now_; }
    void advance(std::chrono::steady_clock::duration d) { now_ += d; }

private:
    time_point now_{std::chrono::hours(1)};
};

}  // namespace vitrine
