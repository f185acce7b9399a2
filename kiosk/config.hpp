// The device configuration (TOML, /etc/vitrine/vitrine.toml or --config).
// Every key is documented in the README with its default. An unknown key or
// a wrong type is a ConfigError naming the file, the line and the key.
#pragma once
#include "content/minisign.hpp"
#include "kiosk/hours.hpp"
#include "platform/outbox.hpp"
#include "platform/seal.hpp"
#include "platform/sync.hpp"

#include <filesystem>
#include <optional>
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
        int volume = 0;  // 0..100: showcase films' sound; the attract loop stays muted
    } device;

    struct Packs {
        std::vector<content::PublicKey> trusted_keys;
        std::vector<std::filesystem::path> watch_dirs{"/media", "/run/media"};
        bool auto_install = true;
    } packs;

    struct Platform {
        std::string base_url;  // "" when no platform is configured (records stay in the outbox)
        std::filesystem::path token_file = "/etc/vitrine/device-token";
        std::optional<platform::SealKey> seal_public_key;  // none: the kiosk offers no contact fields
        std::string qr_url;  // "" or a URL holding {token} (and maybe {event})
        std::filesystem::path ca_file;  // empty: the system's CAs only
        bool allow_insecure_http = false;
        int batch_size = 100;
        int retention_days = 30;
        int connect_timeout_s = 10;
        int timeout_s = 30;  // a whole request, answer included
        int backoff_base_s = 2;
        int backoff_cap_s = 300;
        int heartbeat_s = 300;
    } platform;

    struct Staff {
        std::string pin_hash;  // "": staff mode cannot be entered
        int idle_timeout_s = 120;  // leave staff mode after that long untouched
    } staff;

    struct Hours {
        std::string open, close;  // "HH:MM"; both "": always open
        int wake_s = 120;  // how long a touch wakes a dark kiosk
        OpeningHours hours() const;
    } hours;

    std::string source;  // the file it came from, or "(defaults)"

    std::filesystem::path outbox_file() const { return device.data_dir / "outbox.db"; }
    // What the device's connections use: a foreign, damaged or newer outbox
    // is moved to quarantine/ and replaced, never written to.
    platform::OutboxOptions outbox_options() const {
        platform::OutboxOptions o;
        o.retention_days = platform.retention_days;
        o.on_damage = platform::OutboxOptions::OnDamage::Quarantine;
        return o;
    }
    // The sync client's settings, without the token (read from token_file).
    platform::SyncSettings sync_settings() const;
};

inline constexpr const char* kDefaultConfigPath = "/etc/vitrine/vitrine.toml";

// device.id and device.event: letters, digits, '-', '_' and '.', 1 to 64.
bool valid_identifier(std::string_view s);
// device.default_language: two or three lowercase letters.
bool valid_language_code(std::string_view s);

// `source_name` names the text in errors. Relative paths in the file are
// resolved against `base_dir`.
Config parse_config(std::string_view text, const std::string& source_name,
                    const std::filesystem::path& base_dir = {});
Config load_config(const std::filesystem::path& file);

}  // namespace vitrine
