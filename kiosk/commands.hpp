// Subcommands, grouped by area. Each add_* registers its commands on the
// app; the callbacks set the exit code through CommandContext.
#pragma once
#include "kiosk/config.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

namespace vitrine {

struct CommandContext {
    std::string config_file;  // --config
    std::string data_dir;     // --data
    int exit_code = 0;

    // The configuration, loaded once: --config, else /etc/vitrine/vitrine.toml
    // if it exists, else the defaults; --data overrides the data directory.
    const Config& config();

private:
    std::optional<Config> config_;
};

// Runs `body`; a ConfigError, PackError or OutboxError becomes a message (or
// a JSON document with --json) and exit code 1.
void guarded(CommandContext& ctx, bool json, const std::function<void()>& body);

void add_pack_commands(CLI::App& app, CommandContext& ctx);
void add_queue_commands(CLI::App& app, CommandContext& ctx);
void add_run_commands(CLI::App& app, CommandContext& ctx);
void add_staff_commands(CLI::App& app, CommandContext& ctx);
void add_sync_commands(CLI::App& app, CommandContext& ctx);

}  // namespace vitrine
