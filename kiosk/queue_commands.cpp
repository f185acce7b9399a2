// vitrine queue status | list | export | drop: the outbox as staff and
// support see it. Sealed parts stay sealed (base64); nothing here can
// decrypt them. status, list and export only read
// (platform/outbox_files.hpp): they work on a read-only partition, on a
// damaged outbox (what can still be read) and on the outboxes the kiosk set
// aside, and never change a file. drop is the one way records that were not
// delivered are ever deleted: by staff, by name or all rejected ones.
#include "content/pack_path.hpp"
#include "kiosk/commands.hpp"
#include "platform/outbox_files.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vitrine {
namespace {

using namespace platform;
using std::chrono::milliseconds;
using std::chrono::system_clock;

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

// One line of text from elsewhere (a platform's reason), cut and with its
// control characters shown, so that it cannot draw on the terminal.
std::string shown(const std::string& s, std::size_t n) {
    std::string p = content::printable(s);
    if (p.size() <= n) return p;
    std::size_t cut = n - 3;
    while (cut > 0 && (static_cast<unsigned char>(p[cut]) & 0xc0) == 0x80) --cut;
    return p.substr(0, cut) + "...";
}

// What is wrong with the outbox, for the line printed above the figures.
std::string condition_line(const fs::path& file, const Inspection& in) {
    return "the outbox " + file.string() + " is " + verdict_name(in.verdict) + " (" + in.why +
           "): nothing in it was changed; what can be read from it is below. The kiosk sets it aside under "
           "quarantine/ at its next start and carries these records into a new outbox";
}

json quarantine_json(const std::vector<Quarantine>& qs) {
    json list = json::array();
    for (const auto& q : qs) list.push_back({{"dir", q.dir.string()}, {"verdict", verdict_name(q.verdict)}, {"why", q.why}});
    return list;
}

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
                const OutboxRead read = read_outbox(file);
                const bool exists = read.inspection.verdict != Verdict::Missing;
                const bool sound = read.inspection.verdict == Verdict::Sound;
                const OutboxStatus st = status_of(read.records, system_clock::now());
                const auto aside = quarantined(file);
                if (*as_json) {
                    json j = {{"ok", true},
                              {"file", file.string()},
                              {"exists", exists},
                              {"condition", verdict_name(read.inspection.verdict)},
                              {"problem", sound || !exists ? json(nullptr) : json(read.inspection.why)},
                              {"schema_version", exists ? json(read.inspection.schema) : json(nullptr)},
                              {"total", st.total},
                              {"counts", st.counts},
                              {"oldest_pending_age_s",
                               st.oldest_pending_age ? json(st.oldest_pending_age->count()) : json(nullptr)},
                              {"unreadable", read.unreadable},
                              {"quarantined", quarantine_json(aside)}};
                    std::cout << j.dump(2) << "\n";
                    return;
                }
                if (!exists) {
                    std::cout << "no outbox yet at " << file.string() << ": nothing has been recorded on this device\n";
                } else {
                    if (!sound) std::cout << "WARNING: " << condition_line(file, read.inspection) << "\n";
                    std::cout << "outbox " << file.string() << " (schema " << read.inspection.schema << ")\n";
                    std::printf("%-10s %9s %9s %9s\n", "", "interest", "stats", "total");
                    for (State s : kStates) {
                        const auto& row = st.counts.at(state_name(s));
                        long long interest = row.at("interest"), stats = row.at("stats"), all = 0;
                        for (const auto& [kind, n] : row) all += n;
                        std::printf("%-10s %9lld %9lld %9lld\n", state_name(s), interest, stats, all);
                    }
                    if (st.oldest_pending_age)
                        std::cout << "oldest pending record: " << age_text(*st.oldest_pending_age) << " old\n";
                    else
                        std::cout << "nothing pending\n";
                    if (read.unreadable)
                        std::cout << read.unreadable << " records could not be read\n";
                }
                for (const auto& q : aside)
                    std::cout << "set aside: " << q.dir.string() << " (" << verdict_name(q.verdict) << ": "
                              << content::printable(q.why) << "); `vitrine queue export` hands its records over\n";
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
                const OutboxRead read = read_outbox(file);
                std::vector<const SavedRecord*> records;
                for (const auto& r : read.records)
                    if (state->empty() || r.state == *state) records.push_back(&r);
                if (read.inspection.verdict != Verdict::Missing && read.inspection.verdict != Verdict::Sound)
                    std::cerr << "vitrine: " << condition_line(file, read.inspection) << "\n";
                if (*as_json) {
                    json list = json::array();
                    for (const auto* r : records) list.push_back(*hand_over_line(*r));
                    json j = {{"ok", true}, {"file", file.string()}, {"records", list}, {"unreadable", read.unreadable}};
                    std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
                    return;
                }
                if (records.empty()) {
                    std::cout << "no " << (state->empty() ? "" : *state + " ") << "records in " << file.string()
                              << "\n";
                } else {
                    std::printf("%-24s  %-36s  %-8s  %-8s  %8s  %s\n", "created", "id", "kind", "state", "attempts",
                                "last error");
                    for (const auto* r : records) {
                        std::printf("%-24s  %-36s  %-8s  %-8s  %8d",
                                    rfc3339(system_clock::time_point(milliseconds(r->created_ms))).c_str(),
                                    shown(r->id, 36).c_str(), shown(r->kind, 8).c_str(), shown(r->state, 8).c_str(),
                                    r->attempts);
                        if (!r->last_error.empty()) std::printf("  %s", shown(r->last_error, 60).c_str());
                        std::printf("\n");
                    }
                    std::printf("%zu record%s\n", records.size(), records.size() == 1 ? "" : "s");
                }
                if (read.unreadable) std::cout << read.unreadable << " records could not be read\n";
            });
        });
    }

    {
        auto* cmd = queue->add_subcommand(
            "export", "write the pending and rejected records to FILE as JSON lines, for hand-over (sealed parts "
                      "stay sealed), with those of outboxes the kiosk set aside");
        auto target = std::make_shared<std::string>();
        auto as_json = std::make_shared<bool>(false);
        cmd->add_option("FILE", *target, "the file to write (replaced if it exists)")->required();
        cmd->add_flag("--json", *as_json, "print the result as JSON on stdout");
        cmd->callback([&ctx, target, as_json] {
            guarded(ctx, *as_json, [&] {
                const fs::path file = ctx.config().outbox_file();
                std::error_code ec;
                if (!fs::exists(file, ec) && quarantined(file).empty())
                    throw std::runtime_error("no outbox at " + file.string() +
                                             ": nothing has been recorded on this device, so there is nothing to "
                                             "export");
                const HandOver h = hand_over(file);
                write_whole(*target, h.text);
                const bool sound = h.outbox.verdict == Verdict::Sound || h.outbox.verdict == Verdict::Missing;
                if (!sound) std::cerr << "vitrine: " << condition_line(file, h.outbox) << "\n";
                for (const auto& n : h.notes) std::cerr << "vitrine: " << content::printable(n) << "\n";
                if (*as_json) {
                    std::cout << json{{"ok", true},
                                      {"file", *target},
                                      {"records", h.records},
                                      {"from_quarantine", h.from_quarantine},
                                      {"unreadable", h.unreadable},
                                      {"condition", verdict_name(h.outbox.verdict)},
                                      {"problem", sound ? json(nullptr) : json(h.outbox.why)},
                                      {"notes", h.notes},
                                      {"outbox", file.string()}}
                                     .dump(2)
                              << "\n";
                } else {
                    std::cout << "exported " << h.records << " records (pending and rejected) to " << *target;
                    if (h.from_quarantine) std::cout << ", " << h.from_quarantine << " of them from outboxes set aside";
                    std::cout << "\n";
                    if (h.unreadable)
                        std::cout << h.unreadable << " records could not be read and are not in the file\n";
                }
            });
        });
    }

    {
        auto* cmd = queue->add_subcommand(
            "drop", "delete records for good: those named, and with --rejected every rejected one (hand them over "
                    "first: `vitrine queue export`)");
        auto ids = std::make_shared<std::vector<std::string>>();
        auto rejected = std::make_shared<bool>(false);
        auto as_json = std::make_shared<bool>(false);
        cmd->add_option("ID", *ids, "the id of a record to delete, whatever its state");
        cmd->add_flag("--rejected", *rejected, "delete every rejected record");
        cmd->add_flag("--json", *as_json, "print the result as JSON on stdout");
        cmd->callback([&ctx, ids, rejected, as_json] {
            if (ids->empty() && !*rejected)  // a usage error (exit 2), outside guarded()
                throw CLI::ValidationError("queue drop", "name the records to delete, or give --rejected");
            guarded(ctx, *as_json, [&] {
                const fs::path file = ctx.config().outbox_file();
                std::error_code ec;
                if (!fs::exists(file, ec)) throw std::runtime_error("no outbox at " + file.string() + ": nothing to delete");
                Outbox outbox(file, ctx.config().outbox_options());
                if (std::string what = describe(outbox.opening()); !what.empty()) std::cerr << "vitrine: " << what << "\n";
                const std::int64_t n = outbox.drop(*ids, *rejected);
                if (*as_json)
                    std::cout << json{{"ok", true}, {"deleted", n}, {"outbox", file.string()}}.dump(2) << "\n";
                else
                    std::cout << "deleted " << n << " record" << (n == 1 ? "" : "s") << " from " << file.string() << "\n";
            });
        });
    }
}

}  // namespace vitrine
