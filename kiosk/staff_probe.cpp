#include "kiosk/staff_probe.hpp"

#include "kiosk/device_info.hpp"
#include "kiosk/usb_export.hpp"

namespace vitrine {

using namespace std::chrono;

StaffProbe::StaffProbe(Config config, const content::PackStore& store)
    : config_(std::move(config)), store_(store), thread_([this] { run(); }) {}

StaffProbe::~StaffProbe() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void StaffProbe::watch(system_clock::time_point now, bool outbox_open) {
    {
        std::lock_guard lock(mutex_);
        now_ = now;
        outbox_open_ = outbox_open;
        wanted_ = true;
    }
    wake_.notify_all();
}

void StaffProbe::refresh(bool forget) {
    {
        std::lock_guard lock(mutex_);
        if (forget) {
            latest_.reset();
            ++generation_;
        }
        wanted_ = true;
        urgent_ = true;
    }
    wake_.notify_all();
}

std::shared_ptr<const StaffSnapshot> StaffProbe::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

void StaffProbe::run() {
    steady_clock::time_point last{};
    std::unique_lock lock(mutex_);
    for (;;) {
        // Nobody watching for 2 s: the staff screen is closed, so the
        // probe's outbox connection is let go (the kiosk may set its files
        // aside, or reopen them alone).
        if (!wake_.wait_for(lock, seconds(2), [&] { return stop_ || wanted_; })) {
            lock.unlock();
            outbox_.reset();
            lock.lock();
            continue;
        }
        if (stop_) return;
        // At most one a second, unless asked at once or none is there.
        if (!urgent_ && latest_) {
            wake_.wait_until(lock, last + seconds(1), [&] { return stop_ || urgent_ || !latest_; });
            if (stop_) return;
        }
        wanted_ = urgent_ = false;
        const std::uint64_t generation = generation_;
        const system_clock::time_point now = now_;
        const bool outbox_open = outbox_open_;
        lock.unlock();
        auto snapshot = std::make_shared<const StaffSnapshot>(gather(now, outbox_open));
        last = steady_clock::now();
        lock.lock();
        // Dropped by refresh(true) meanwhile: it may be older than that.
        if (generation == generation_) latest_ = std::move(snapshot);
    }
}

StaffSnapshot StaffProbe::gather(system_clock::time_point now, bool outbox_open) {
    StaffSnapshot s;
    if (!outbox_open) outbox_.reset();
    if (outbox_open) {
        try {
            if (!outbox_) outbox_ = std::make_unique<platform::Outbox>(config_.outbox_file());
            s.queue = outbox_->status(now);
        } catch (const std::exception& e) {
            outbox_.reset();
            s.queue_error = e.what();
        }
    }
    s.set_aside = platform::quarantined(config_.outbox_file());
    s.device = device_info(config_);
    s.addresses = network_addresses();
    s.problems = recent_problems(8);
    try {
        for (auto& p : store_.list()) {
            if (p.current) s.current = p;
            if (p.previous) s.previous = p;
        }
    } catch (const std::exception&) {
        // No readable pack store: the status line says "none installed".
    }
    s.sticks = writable_sticks(config_.packs.watch_dirs);
    return s;
}

}  // namespace vitrine
