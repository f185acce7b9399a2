// vitrine queue status | list | export: the outbox as staff and support see
// it. Sealed parts stay sealed (base64); nothing here can decrypt them.
#include "kiosk/commands.hpp"
#include "platform/outbox.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vitrine {
namespace {

using namespace platform;

// The outbox of the configured data directory, or null when the kiosk has
// not created it yet (reading commands do not create it).
std::unique_ptr<Outbox> open_outbox(CommandContext& ctx) {
    const Config& c = ctx.config();
    const fs::path file = c.outbox_file();
    std::error_code ec;
    if (!fs::exists(file, ec)) return nullptr;
    return std::make_unique<Outbox>(file, c.outbox_options());
}

std::string age_text(std::chrono::seconds age) {
    auto s = age.count();
    char out[48];
    if (s < 60)
        std::snprintf(out, sizeof out, "%lld s", static_cast<long long>(s));
    else if (s < 3600)
        std::snprintf(out, sizeof out, "%lld min", static_cast<long long>(s / 60));
    else if (s < 86400)
        std::snprintf(out, sizeof out, "%lld h %02lld min", static_cast<long long>(s / 3600),
                      static_cast<long long>(s % 3600 / 60));
    else
        std::snprintf(out, sizeof out, "%lld d %lld h", static_cast<long long>(s / 86400),
                      static_cast<long long>(s % 86400 / 3600));
    return out;
}

const State kStates[] = {State::Pending, State::Sent, State::Rejected};

std::string shorten(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }

}  // namespace

void add_queue_commands(CLI::App& app, CommandContext& ctx) {
    CLI::App* queue = app.add_subcommand("queue", "the outbox: records waiting for the platform, sent, rejected");
    queue->require_subcommand(1);

    {
        auto* cmd = queue->add_subcommand("status", "outbox counts by state and kind, and the oldest pending record");
        auto as_json = std::make_shared<bool>(false);
        cmd->add_flag("--json", *as_json, "print the status as JSON on stdout");
        cmd->callback([&ctx, as_json] {
            guarded(ctx, *as_json, [&] {
                const fs::path file = ctx.config().outbox_file();
                auto outbox = open_outbox(ctx);
                OutboxStatus st =
                    outbox ? outbox->status(std::chrono::system_clock::now()) : OutboxStatus::none();
                if (*as_json) {
                    json j = {{"ok", true},
                              {"file", file.string()},
                              {"exists", outbox != nullptr},
                              {"schema_version", outbox ? json(outbox->schema_version()) : json(nullptr)},
                              {"total", st.total},
                              {"counts", st.counts},
                              {"oldest_pending_age_s",
                               st.oldest_pending_age ? json(st.oldest_pending_age->count()) : json(nullptr)}};
                    std::cout << j.dump(2) << "\n";
                    return;
                }
                if (!outbox) {
                    std::cout << "no outbox yet at " << file.string() << ": nothing has been recorded on this device\n";
                    return;
                }
                std::cout << "outbox " << file.string() << " (schema " << outbox->schema_version() << ")\n";
                std::printf("%-10s %9s %9s %9s\n", "", "interest", "stats", "total");
                for (State s : kStates) {
                    const auto& row = st.counts[state_name(s)];
                    long long interest = row.at("interest"), stats = row.at("stats");
                    std::printf("%-10s %9lld %9lld %9lld\n", state_name(s), interest, stats, interest + stats);
                }
                if (st.oldest_pending_age)
                    std::cout << "oldest pending record: " << age_text(*st.oldest_pending_age) << " old\n";
                else
                    std::cout << "nothing pending\n";
            });
        });
    }

    {
        auto* cmd = queue->add_subcommand("list", "the records, oldest first (sealed parts stay sealed)");
        auto as_json = std::make_shared<bool>(false);
        auto state = std::make_shared<std::string>();
        cmd->add_flag("--json", *as_json, "print the records as JSON on stdout");
        cmd->add_option("--state", *state, "only the records in this state")
            ->check(CLI::IsMember({"pending", "sent", "rejected"}));
        cmd->callback([&ctx, as_json, state] {
            guarded(ctx, *as_json, [&] {
                const fs::path file = ctx.config().outbox_file();
                auto outbox = open_outbox(ctx);
                std::vector<State> states;
                for (State s : kStates)
                    if (*state == state_name(s)) states.push_back(s);
                std::vector<StoredRecord> records;
                if (outbox) records = outbox->list(states);
                if (*as_json) {
                    json list = json::array();
                    for (const auto& r : records) list.push_back(to_json(r));
                    std::cout << json{{"ok", true}, {"file", file.string()}, {"records", list}}.dump(2) << "\n";
                    return;
                }
                if (records.empty()) {
                    std::cout << "no " << (state->empty() ? "" : *state + " ") << "records in " << file.string()
                              << "\n";
                    return;
                }
                std::printf("%-24s  %-36s  %-8s  %-8s  %8s  %s\n", "created", "id", "kind", "state", "attempts",
                            "last error");
                for (const auto& r : records) {
                    std::printf("%-24s  %-36s  %-8s  %-8s  %8d", rfc3339(r.record.created).c_str(),
                                r.record.id.c_str(), kind_name(r.record.kind), state_name(r.state), r.attempts);
                    if (!r.last_error.empty()) std::printf("  %s", shorten(r.last_error, 60).c_str());
                    std::printf("\n");
                }
                std::printf("%zu record%s\n", records.size(), records.size() == 1 ? "" : "s");
            });
        });
    }

    {
        auto* cmd = queue->add_subcommand(
            "export", "write the pending and rejected records to FILE as JSON lines, for hand-over (sealed parts "
                      "stay sealed)");
        auto target = std::make_shared<std::string>();
        auto as_json = std::make_shared<bool>(false);
        cmd->add_option("FILE", *target, "the file to write (replaced if it exists)")->required();
        cmd->add_flag("--json", *as_json, "print the result as JSON on stdout");
        cmd->callback([&ctx, target, as_json] {
            guarded(ctx, *as_json, [&] {
                const fs::path file = ctx.config().outbox_file();
                auto outbox = open_outbox(ctx);
                if (!outbox)
                    throw std::runtime_error("no outbox at " + file.string() +
                                             ": nothing has been recorded on this device, so there is nothing to "
                                             "export");
                std::int64_t n = outbox->export_jsonl(*target);
                if (*as_json)
                    std::cout << json{{"ok", true}, {"file", *target}, {"records", n}, {"outbox", file.string()}}.dump(2)
                              << "\n";
                else
                    std::cout << "exported " << n << " records (pending and rejected) to " << *target << "\n";
            });
        });
    }
}

}  // namespace vitrine
