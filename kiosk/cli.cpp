#include "kiosk/cli.hpp"

#include "content/error.hpp"
#include "kiosk/commands.hpp"
#include "kiosk/log.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

namespace vitrine {

const Config& CommandContext::config() {
    if (!config_) {
        if (!config_file.empty())
            config_ = load_config(config_file);
        else if (std::filesystem::exists(kDefaultConfigPath))
            config_ = load_config(kDefaultConfigPath);
        else {
            config_ = Config{};
            config_->source = "(defaults)";
        }
        if (!data_dir.empty()) config_->device.data_dir = data_dir;
    }
    return *config_;
}

// The error line goes through the log: the same text on a terminal, and
// an error-priority entry when `vitrine run` fails to start under systemd.
// A message may quote bytes that are not UTF-8 (a path): printed with
// U+FFFD for them rather than failing to print at all.
void guarded(CommandContext& ctx, bool json, const std::function<void()>& body) {
    auto error_document = [](const char* what) {
        return nlohmann::json{{"ok", false}, {"error", what}}.dump(2, ' ', false,
                                                                   nlohmann::json::error_handler_t::replace);
    };
    try {
        body();
    } catch (const ConfigError& e) {
        ctx.exit_code = 1;
        if (json) std::cout << error_document(e.what()) << "\n";
        log(LogLevel::Error, std::string("configuration error: ") + e.what());
    } catch (const std::runtime_error& e) {  // packs, outbox, scripts, catalogs
        ctx.exit_code = 1;
        if (json) std::cout << error_document(e.what()) << "\n";
        log(LogLevel::Error, e.what());
    }
}

int run_cli(int argc, char** argv) {
    CLI::App app{"Vitrine: the trade-fair showroom kiosk"};
    app.set_version_flag("--version", VITRINE_VERSION);
    app.require_subcommand(1);
    CommandContext ctx;
    app.add_option("--config", ctx.config_file, "configuration file (default /etc/vitrine/vitrine.toml)");
    app.add_option("--data", ctx.data_dir, "data directory (overrides device.data_dir)");
    add_pack_commands(app, ctx);
    add_queue_commands(app, ctx);
    add_run_commands(app, ctx);
    add_staff_commands(app, ctx);
    add_sync_commands(app, ctx);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    return ctx.exit_code;
}

}  // namespace vitrine
