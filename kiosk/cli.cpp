#include "kiosk/cli.hpp"

#include "content/error.hpp"
#include "kiosk/commands.hpp"

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

void guarded(CommandContext& ctx, bool json, const std::function<void()>& body) {
    try {
        body();
    } catch (const ConfigError& e) {
        ctx.exit_code = 1;
        if (json) std::cout << nlohmann::json{{"ok", false}, {"error", e.what()}}.dump(2) << "\n";
        std::cerr << "vitrine: configuration error: " << e.what() << "\n";
    } catch (const std::runtime_error& e) {  // packs, outbox, scripts, catalogs
        ctx.exit_code = 1;
        if (json) std::cout << nlohmann::json{{"ok", false}, {"error", e.what()}}.dump(2) << "\n";
        std::cerr << "vitrine: " << e.what() << "\n";
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
