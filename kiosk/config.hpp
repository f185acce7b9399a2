// The device configuration (TOML, /etc/vitrine/vitrine.toml or --config).
// Every key is documented in the README with its default. An unknown key or
// a wrong type is a ConfigError naming the file, the line and the key.
#pragma once
#include "content/minisign.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Config {
    struct Device {
        std::string id = "kiosk-01";
        std::string event = "demo-fair";
        std::filesystem::path data_dir = "/var/lib/vitrine";
        std::string default_language = "fr";
        int idle_timeout_s = 60;
    } device;

    struct Packs {
        std::vector<content::PublicKey> trusted_keys;
        std::vector<std::filesystem::path> watch_dirs{"/media", "/run/media"};
        bool auto_install = true;
    } packs;

    std::string source;  // the file it came from, or "(defaults)"
};

inline constexpr const char* kDefaultConfigPath = "/etc/vitrine/vitrine.toml";

// `source_name` names the text in errors. Relative paths in the file are
// resolved against `base_dir`.
Config parse_config(std::string_view text, const std::string& source_name,
                    const std::filesystem::path& base_dir = {});
Config load_config(const std::filesystem::path& file);

}  // namespace vitrine
