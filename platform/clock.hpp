// The clock every timer reads (idle reset, countdown, statistics hours,
// sync back-off), so tests and scripts (`advance`) can move time forward
// without waiting. `now()` is monotonic time for durations; `wall()` is UTC
// time for what is written in records.
#pragma once
#include <atomic>
#include <chrono>

namespace vitrine {

class Clock {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using wall_time = std::chrono::system_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
    virtual wall_time wall() const = 0;
};

// Real time plus whatever `advance` added. Read by the sync worker while
// the UI thread advances it.
class KioskClock : public Clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now() + offset(); }
    wall_time wall() const override {
        return std::chrono::system_clock::now() +
               std::chrono::duration_cast<std::chrono::system_clock::duration>(offset());
    }
    void advance(std::chrono::steady_clock::duration d) { offset_ += d.count(); }

private:
    std::chrono::steady_clock::duration offset() const { return std::chrono::steady_clock::duration(offset_.load()); }
    std::atomic<std::chrono::steady_clock::rep> offset_{0};
};

// Time that moves only when told to (state model tests). The wall clock
// starts at `start` (default 2026-01-05 09:00:00 UTC).
class ManualClock : public Clock {
public:
    explicit ManualClock(wall_time start = wall_time(std::chrono::seconds(1767603600))) : start_(start) {}
    time_point now() const override { return time_point(std::chrono::hours(1)) + offset_; }
    wall_time wall() const override {
        return start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(offset_);
    }
    void advance(std::chrono::steady_clock::duration d) { offset_ += d; }

private:
    wall_time start_;
    std::chrono::steady_clock::duration offset_{};
};

}  // namespace vitrine
