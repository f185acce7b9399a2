// vitrine pack verify | install | list | rollback | build
#include "content/builder.hpp"
#include "content/error.hpp"
#include "content/pack_dir.hpp"
#include "content/store.hpp"
#include "kiosk/commands.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vitrine {
namespace {

using namespace content;

std::string mb(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

// Progress on stderr: one line rewritten on a terminal, a line a second otherwise.
class ProgressPrinter {
public:
    explicit ProgressPrinter(std::string verb) : verb_(std::move(verb)), tty_(::isatty(2)) {}
    void operator()(const Progress& p) {
        auto now = std::chrono::steady_clock::now();
        bool last = p.files_done == p.files_total;
        if (!last && now - shown_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::seconds(1))) return;
        shown_ = now;
        int pct = p.bytes_total ? static_cast<int>(100.0 * static_cast<double>(p.bytes_done) /
                                                   static_cast<double>(p.bytes_total))
                                : 100;
        std::fprintf(stderr, "%s%s: %zu/%zu files, %s of %s (%d%%)%s", tty_ ? "\r" : "", verb_.c_str(), p.files_done,
                     p.files_total, mb(p.bytes_done).c_str(), mb(p.bytes_total).c_str(), pct,
                     tty_ && !last ? "" : "\n");
        std::fflush(stderr);
    }

private:
    std::string verb_;
    bool tty_;
    std::chrono::steady_clock::time_point shown_{};
};

const std::vector<PublicKey>& trusted_keys(CommandContext& ctx) {
    const Config& c = ctx.config();
    if (c.packs.trusted_keys.empty())
        throw PackError("no trusted keys are configured: add the content author's minisign public key to "
                        "[packs] trusted_keys in " + c.source);
    return c.packs.trusted_keys;
}

json pack_json(const InstalledPack& p) {
    json j = {{"dir", p.dir_name}, {"path", p.path.string()}, {"id", p.id}, {"version", p.version},
              {"created", p.created}, {"title", p.title}, {"installed_at", p.installed_at},
              {"key_id", p.key_id}, {"current", p.current}, {"previous", p.previous}};
    if (!p.problem.empty()) j["problem"] = p.problem;
    return j;
}

std::string relation_text(Relation r, const std::optional<InstalledPack>& cur) {
    switch (r) {
    case Relation::NothingInstalled: return "no pack is installed yet";
    case Relation::Newer: return "newer than the installed version " + std::to_string(cur->version);
    case Relation::Same: return "the same version as the installed one";
    case Relation::Older: return "older than the installed version " + std::to_string(cur->version);
    case Relation::OtherPack: return "a different pack from the installed " + cur->id;
    }
    return {};
}

void print_warnings(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
}

}  // namespace

void add_pack_commands(CLI::App& app, CommandContext& ctx) {
    CLI::App* pack = app.add_subcommand("pack", "verify, install, list and roll back content packs");
    pack->require_subcommand(1);

    {
        auto* cmd = pack->add_subcommand("verify", "check a pack against the trusted keys, hashing every file");
        auto dir = std::make_shared<std::string>();
        auto as_json = std::make_shared<bool>(false);
        cmd->add_option("DIR", *dir, "pack directory")->required();
        cmd->add_flag("--json", *as_json, "print the result as JSON on stdout");
        cmd->callback([&ctx, dir, as_json] {
            guarded(ctx, *as_json, [&] {
                const auto& keys = trusted_keys(ctx);
                PackDir pack(*dir);
                SignedManifest sm = read_signed_manifest(pack, keys);
                ProgressPrinter printer("verifying");
                check_files(pack, sm.manifest, [&](const Progress& p) { printer(p); });
                const Manifest& m = sm.manifest;
                PackStore store(ctx.config().device.data_dir);
                auto cur = store.current();
                Relation rel = relation_to(m.pack, cur);
                print_warnings(m.warnings);
                if (*as_json) {
                    json j = {{"ok", true}, {"id", m.pack.id}, {"version", m.pack.version},
                              {"created", m.pack.created}, {"title", m.text(m.pack.title, m.default_language())},
                              {"languages", m.languages}, {"showcases", m.showcases.size()},
                              {"files", m.files.size()}, {"bytes", m.total_size()}, {"key_id", sm.key_id},
                              {"trusted_comment", sm.trusted_comment}, {"relation", relation_name(rel)},
                              {"warnings", m.warnings}};
                    if (cur) j["installed_version"] = cur->version;
                    std::cout << j.dump(2) << "\n";
                } else {
                    std::cout << "valid: " << m.pack.id << " version " << m.pack.version << ", "
                              << m.showcases.size() << " showcases, " << m.files.size() << " files, "
                              << mb(m.total_size()) << ", signed by key " << sm.key_id << "; "
                              << relation_text(rel, cur) << "\n";
                }
            });
        });
    }

    {
        auto* cmd = pack->add_subcommand("install", "verify a pack and install it as the current pack");
        auto dir = std::make_shared<std::string>();
        auto as_json = std::make_shared<bool>(false);
        auto downgrade = std::make_shared<bool>(false);
        cmd->add_option("DIR", *dir, "pack directory")->required();
        cmd->add_flag("--allow-downgrade", *downgrade, "install even if not newer than the installed pack");
        cmd->add_flag("--json", *as_json, "print the result as JSON on stdout");
        cmd->callback([&ctx, dir, as_json, downgrade] {
            guarded(ctx, *as_json, [&] {
                const auto& keys = trusted_keys(ctx);
                PackStore store(ctx.config().device.data_dir);
                ProgressPrinter printer("installing");
                InstallOptions opt;
                opt.allow_downgrade = *downgrade;
                opt.progress = [&](const Progress& p) { printer(p); };
                InstallResult r = store.install(*dir, keys, opt);
                if (*as_json) {
                    json j = {{"ok", true}, {"installed", pack_json(r.pack)}, {"files", r.files},
                              {"bytes", r.bytes}, {"seconds", r.seconds}};
                    if (r.replaced) j["replaced"] = pack_json(*r.replaced);
                    std::cout << j.dump(2) << "\n";
                } else {
                    std::cout << "installed " << r.pack.id << " version " << r.pack.version << " ("
                              << r.files << " files, " << mb(r.bytes) << ") in " << r.pack.path.string();
                    if (r.replaced) std::cout << "; previous: " << r.replaced->dir_name;
                    std::cout << "\n";
                }
            });
        });
    }

    {
        auto* cmd = pack->add_subcommand("list", "installed packs, and which is current");
        auto as_json = std::make_shared<bool>(false);
        cmd->add_flag("--json", *as_json, "print the list as JSON on stdout");
        cmd->callback([&ctx, as_json] {
            guarded(ctx, *as_json, [&] {
                PackStore store(ctx.config().device.data_dir);
                auto packs = store.list();
                if (*as_json) {
                    json list = json::array();
                    for (const auto& p : packs) list.push_back(pack_json(p));
                    std::cout << json{{"ok", true}, {"data_dir", store.data_dir().string()}, {"packs", list}}.dump(2)
                              << "\n";
                    return;
                }
                if (packs.empty()) {
                    std::cout << "no pack installed in " << store.data_dir().string() << "\n";
                    return;
                }
                for (const auto& p : packs) {
                    std::cout << (p.current ? "* " : "  ") << p.dir_name;
                    if (!p.problem.empty()) {
                        std::cout << "  DAMAGED: " << p.problem << "\n";
                        continue;
                    }
                    std::cout << "  \"" << p.title << "\"  created " << p.created << ", installed "
                              << p.installed_at << (p.current ? "  (current)" : "")
                              << (p.previous ? "  (previous, for rollback)" : "") << "\n";
                }
            });
        });
    }

    {
        auto* cmd = pack->add_subcommand("rollback", "make the previous pack current again");
        auto as_json = std::make_shared<bool>(false);
        cmd->add_flag("--json", *as_json, "print the result as JSON on stdout");
        cmd->callback([&ctx, as_json] {
            guarded(ctx, *as_json, [&] {
                PackStore store(ctx.config().device.data_dir);
                InstalledPack p = store.rollback();
                if (*as_json)
                    std::cout << json{{"ok", true}, {"current", pack_json(p)}}.dump(2) << "\n";
                else
                    std::cout << "rolled back: " << p.dir_name << " is current again\n";
            });
        });
    }

    {
        auto* cmd = pack->add_subcommand("build", "fill the files list of DIR/manifest.json and check the manifest");
        auto dir = std::make_shared<std::string>();
        cmd->add_option("DIR", *dir, "pack directory holding manifest.json")->required();
        cmd->callback([&ctx, dir] {
            guarded(ctx, false, [&] {
                BuildResult r = build_pack(*dir);
                print_warnings(r.manifest.warnings);
                const Manifest& m = r.manifest;
                std::cout << "built " << m.pack.id << " version " << m.pack.version << ": " << m.showcases.size()
                          << " showcases, " << m.files.size() << " files, " << mb(m.total_size()) << "\n"
                          << "now sign it: minisign -Sm " << (fs::path(*dir) / "manifest.json").string() << "\n";
                if (r.signature_stale)
                    std::cerr << "note: the existing manifest.json.minisig no longer matches; sign again\n";
            });
        });
    }
}

}  // namespace vitrine
