#include "platform/sync_worker.hpp"

#include "platform/outbox_files.hpp"

namespace vitrine::platform {

using namespace std::chrono;

SyncWorker::SyncWorker(SyncWorkerSetup setup, const Clock& clock) : setup_(std::move(setup)), clock_(clock) {
    SyncStatus first;
    first.configured = true;
    status_ = std::make_shared<const SyncStatus>(first);
    thread_ = std::thread([this] { run(); });
}

SyncWorker::~SyncWorker() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void SyncWorker::poke() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    wake_.notify_all();
}

void SyncWorker::sync_now() {
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
        forced_ = true;
    }
    wake_.notify_all();
}

std::shared_ptr<const SyncStatus> SyncWorker::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void SyncWorker::publish(SyncStatus s) {
    auto snapshot = std::make_shared<const SyncStatus>(std::move(s));
    std::lock_guard lock(mutex_);
    status_ = std::move(snapshot);
}

// Sleeps until `t` on the clock, a poke or stop. The clock may be moved
// forward meanwhile (scripts): whoever moves it pokes.
void SyncWorker::wait_until(Clock::time_point t) {
    std::unique_lock lock(mutex_);
    const auto delta = t - clock_.now();
    if (delta > decltype(delta)::zero())
        wake_.wait_for(lock, delta, [this] { return poked_ || stop_.load(); });
    poked_ = false;
}

void SyncWorker::run() {
    std::unique_ptr<Outbox> outbox;
    std::unique_ptr<SyncClient> client;
    std::string token;
    Clock::time_point next_heartbeat = clock_.now();
    Clock::time_point next_purge = clock_.now();

    std::string last_said;
    auto say = [&](SyncLogLevel level, const std::string& line) {
        if (setup_.log && line != last_said) setup_.log(level, "sync: " + line);
        last_said = line;
    };
    std::optional<seconds> warned_offset;
    auto warn_clock = [&](std::optional<seconds> offset) {
        if (!offset) return;
        const bool off = std::chrono::abs(*offset) > minutes(5);
        if (!off) {
            warned_offset.reset();
            return;
        }
        if (warned_offset && std::chrono::abs(*offset - *warned_offset) < minutes(5)) return;
        warned_offset = offset;
        const auto s = std::chrono::abs(*offset).count();
        say(SyncLogLevel::Warning,
            "the kiosk's clock is " + std::to_string(s / 86400) + " d " + std::to_string(s % 86400 / 3600) + " h " +
                std::to_string(s % 3600 / 60) + " min " + (offset->count() > 0 ? "ahead of" : "behind") +
                " the platform's: records carry the kiosk's time as their created time (the platform keeps "
                "when they arrived); check the network time (NTP)");
    };
    auto failed_setup = [&](const std::string& error) {
        SyncStatus s;
        s.configured = true;
        s.last_error = error;
        publish(std::move(s));
        say(SyncLogLevel::Error, error);
    };

    while (!stop_) {
        bool forced = false;
        {
            std::lock_guard lock(mutex_);
            std::swap(forced, forced_);
        }
        const Clock::time_point now = clock_.now();
        Clock::time_point wake = now + setup_.recheck;
        try {
            if (!client) {
                // Token, outbox and client: any of them may be fixed by staff later, so keep trying.
                token = read_token_file(setup_.token_file);
                SyncSettings settings = setup_.settings;
                settings.token = token;
                if (!outbox) {
                    OutboxOptions options = setup_.outbox_options;
                    options.relaxed_marks = true;
                    outbox = std::make_unique<Outbox>(setup_.outbox_file, options);
                    if (std::string what = describe(outbox->opening()); !what.empty()) say(SyncLogLevel::Error, what);
                }
                client = std::make_unique<SyncClient>(settings, *outbox, clock_);
                client->abort_when(&stop_);
                publish(client->status());
            }

            if (const auto due = client->next_attempt()) {
                if ((forced || *due <= clock_.now()) && !outbox->pending_texts(1).empty()) {
                    const PassResult r = client->pass();
                    ++rounds_;
                    if (r.sent + r.rejected > 0)
                        say(SyncLogLevel::Info, "sent " + std::to_string(r.sent) + ", rejected " +
                                                    std::to_string(r.rejected) + ", " + std::to_string(r.remaining) +
                                                    " pending");
                    if (!r.last_error.empty()) say(SyncLogLevel::Warning, r.last_error);
                    publish(client->status());
                    if (r.sent + r.rejected > 0) next_heartbeat = now;  // tell the platform the new queue depth
                }
                if (auto again = client->next_attempt(); again && *again > clock_.now()) wake = std::min(wake, *again);
            } else {
                // Not authorised: only a new token (or new settings, at restart) resumes.
                std::string fresh;
                try {
                    fresh = read_token_file(setup_.token_file);
                } catch (const SyncConfigError&) {
                }
                if (forced || (!fresh.empty() && fresh != token)) {
                    client.reset();
                    continue;
                }
            }

            if (client->authorised() && clock_.now() >= next_heartbeat && setup_.device) {
                const Clock::time_point at = clock_.now();
                client->heartbeat(device_status(setup_.device(), outbox->status(clock_.wall()), client->status(),
                                                clock_.wall()));
                ++rounds_;
                publish(client->status());
                next_heartbeat = at + setup_.settings.heartbeat_interval;
            }
            wake = std::min(wake, next_heartbeat);

            warn_clock(client->status().clock_offset);
            // Only once the platform has told the time: the device's own
            // clock could delete sent records early, never late.
            if (clock_.now() >= next_purge) {
                if (const auto trusted = client->trusted_now()) {
                    const std::int64_t n = outbox->purge(trusted);
                    purged_ += n;
                    ++purges_;
                    if (n > 0)
                        say(SyncLogLevel::Info, "deleted " + std::to_string(n) +
                                                    " sent records that the platform acknowledged more than " +
                                                    std::to_string(setup_.outbox_options.retention_days) +
                                                    " days ago (retention_days, by the platform's clock)");
                    next_purge = clock_.now() + hours(1);
                }
            }
        } catch (const SyncConfigError& e) {
            client.reset();
            failed_setup(e.what());
        } catch (const OutboxError& e) {
            client.reset();
            outbox.reset();
            failed_setup(e.what());
        }
        wait_until(wake);
    }
}

}  // namespace vitrine::platform
