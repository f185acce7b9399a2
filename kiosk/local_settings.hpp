// What staff change on the kiosk's screen (event id, default language,
// volume), kept across restarts in <data_dir>/settings.json and applied over
// the configuration at start by `vitrine run`, `tour` and `status`. The
// config file stays untouched (it may be read-only on the device).
#pragma once
#include "kiosk/config.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace vitrine {

struct LocalSettings {
    std::optional<std::string> event;
    std::optional<std::string> default_language;
    std::optional<int> volume;  // 0..100
    bool empty() const { return !event && !default_language && !volume; }
};

inline constexpr const char* kLocalSettingsFile = "settings.json";

// A missing file gives empty settings. A malformed one gives empty settings
// too (the kiosk must start), and its reason in `*error` when given; never
// throws.
LocalSettings load_local_settings(const std::filesystem::path& data_dir, std::string* error = nullptr);

// Written atomically (temporary file, fsync, rename, fsync of the directory).
// Throws std::runtime_error with an actionable message; std::invalid_argument
// for a value the config would refuse.
void save_local_settings(const std::filesystem::path& data_dir, const LocalSettings& s);

// The settings over the config (each one only when set).
void apply(Config& c, const LocalSettings& s);

// load_local_settings from c.device.data_dir, then apply: what `vitrine run`,
// `tour` and `status` do after loading the config. A malformed file is
// logged as a warning and ignored.
void apply_local_settings(Config& c);

}  // namespace vitrine
