// vitrine sync --once | vitrine status: one sync pass by hand, and the
// device status document the heartbeat sends.
#include "kiosk/commands.hpp"
#include "kiosk/device_info.hpp"
#include "kiosk/local_settings.hpp"
#include "platform/clock.hpp"
#include "platform/outbox_files.hpp"
#include "platform/status.hpp"
#include "platform/sync.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vitrine {
namespace {

using namespace platform;
using namespace std::chrono;

const char* outcome_name(PassResult::Outcome o) {
    switch (o) {
    case PassResult::Outcome::Done: return "done";
    case PassResult::Outcome::Remaining: return "remaining";
    case PassResult::Outcome::Unauthorised: return "unauthorised";
    }
    return "?";
}

}  // namespace

void add_sync_commands(CLI::App& app, CommandContext& ctx) {
    {
        auto* cmd = app.add_subcommand("sync", "send pending records to the platform now (the kiosk also does it by itself)");
        auto once = std::make_shared<bool>(false);
        auto as_json = std::make_shared<bool>(false);
        cmd->add_flag("--once", *once, "one pass: send until nothing is pending or a failure stops it")->required();
        cmd->add_flag("--json", *as_json, "print the outcome as JSON on stdout");
        // CLI11 writes the flags when it parses, after this block: the
        // callback owns them, `once` included although it reads only as_json.
        cmd->callback([&ctx, once, as_json] {
            guarded(ctx, *as_json, [&] {
                const Config& c = ctx.config();
                if (c.platform.base_url.empty())
                    throw SyncConfigError("no platform configured: set [platform] base_url in " + c.source);
                SyncSettings settings = c.sync_settings();
                settings.token = read_token_file(c.platform.token_file);
                OutboxOptions options = c.outbox_options();
                options.relaxed_marks = true;  // only marks records sent: losing that resends them
                Outbox outbox(c.outbox_file(), options);
                if (std::string what = describe(outbox.opening()); !what.empty()) std::cerr << "vitrine: " << what << "\n";
                KioskClock clock;  // real time
                SyncClient client(settings, outbox, clock);
                const PassResult r = client.pass();
                ctx.exit_code = r.outcome == PassResult::Outcome::Done        ? 0
                                : r.outcome == PassResult::Outcome::Remaining ? 3
                                                                              : 1;
                if (*as_json) {
                    json j = {{"ok", r.outcome != PassResult::Outcome::Unauthorised},
                              {"outcome", outcome_name(r.outcome)},
                              {"sent", r.sent},
                              {"rejected", r.rejected},
                              {"remaining", r.remaining},
                              {"last_error", r.last_error},
                              {"retry_in_s", r.wait ? json(duration<double>(*r.wait).count()) : json(nullptr)}};
                    std::cout << j.dump(2) << "\n";
                } else {
                    std::cout << "sent " << r.sent << ", rejected " << r.rejected << ", " << r.remaining
                              << " pending\n";
                }
                if (!r.last_error.empty()) std::cerr << "vitrine: sync: " << r.last_error << "\n";
            });
        });
    }

    {
        auto* cmd = app.add_subcommand("status", "the device status the heartbeat sends: versions, queue, sync, disk");
        auto as_json = std::make_shared<bool>(false);
        cmd->add_flag("--json", *as_json, "print the document as JSON on stdout");
        cmd->callback([&ctx, as_json] {
            guarded(ctx, *as_json, [&] {
                Config c = ctx.config();
                apply_local_settings(c);  // the event staff set on the screen
                const auto now = system_clock::now();
                OutboxStatus queue = OutboxStatus::none();
                SyncStatus sync;
                std::error_code ec;
                if (fs::exists(c.outbox_file(), ec)) {
                    const OutboxRead read = read_outbox(c.outbox_file());  // read only: works on a read-only partition
                    queue = status_of(read.records, now);
                    if (read.sync_state) sync = sync_status_from(*read.sync_state);
                }
                sync.configured = !c.platform.base_url.empty();
                const json doc = device_status(device_info(c), queue, sync, now);
                if (*as_json) {
                    std::cout << doc.dump(2) << "\n";
                    return;
                }
                std::cout << "device " << doc["device_id"].get<std::string>() << " at "
                          << doc["event"].get<std::string>() << ", vitrine " << doc["app_version"].get<std::string>()
                          << "\n";
                if (doc["pack"].is_null())
                    std::cout << "pack: none installed\n";
                else
                    std::cout << "pack: " << doc["pack"]["id"].get<std::string>() << " version "
                              << doc["pack"]["version"] << "\n";
                std::cout << "queue: " << doc["queue"]["pending"] << " pending, " << doc["queue"]["sent"]
                          << " sent, " << doc["queue"]["rejected"] << " rejected\n";
                if (!sync.configured)
                    std::cout << "sync: no platform configured ([platform] base_url)\n";
                else {
                    std::cout << "sync: " << (sync.authorised ? "" : "DEVICE NOT AUTHORISED; ") << "last success "
                              << (sync.last_success ? rfc3339(*sync.last_success) : std::string("never")) << "\n";
                    if (!sync.last_error.empty()) std::cout << "last error: " << sync.last_error << "\n";
                }
                if (!doc["disk_free_bytes"].is_null())
                    std::cout << "disk free: " << doc["disk_free_bytes"].get<std::uint64_t>() / (1024 * 1024)
                              << " MiB\n";
            });
        });
    }
}

}  // namespace vitrine
