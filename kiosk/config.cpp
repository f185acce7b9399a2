#include "config.hpp"

#include "content/error.hpp"
#include "content/pack_path.hpp"
#include "content/qr_url.hpp"
#include "kiosk/pin.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace vitrine {
namespace {

class Reader {
public:
    Reader(const std::string& source) : source_(source) {}

    [[noreturn]] void fail(const toml::node* node, std::string_view key, const std::string& what) const {
        std::string where = source_;
        if (node && node->source().begin) where += ":" + std::to_string(node->source().begin.line);
        // A quoted TOML key may hold any character; the message goes to a screen.
        throw ConfigError(where + ": " + content::printable(key) + ": " + what);
    }

    // Every key of `table` must be one of `known`.
    void only(const toml::table& table, std::string_view prefix, std::initializer_list<std::string_view> known) const {
        for (const auto& [k, v] : table) {
            bool ok = false;
            for (auto n : known) ok = ok || k.str() == n;
            if (!ok)
                fail(&v, std::string(prefix) + std::string(k.str()),
                     prefix.empty() ? "unknown key (the sections are [device], [packs], [platform], [staff] and [hours]; "
                                                   "see the README)"
                                    : "unknown key (see the README for the keys of [" +
                                          std::string(prefix.substr(0, prefix.size() - 1)) + "])");
        }
    }

    std::string string(const toml::table& t, std::string_view key, std::string_view full, std::string dflt) const {
        const toml::node* n = t.get(key);
        if (!n) return dflt;
        if (!n->is_string()) fail(n, full, "must be a string");
        return **n->as_string();
    }
    bool boolean(const toml::table& t, std::string_view key, std::string_view full, bool dflt) const {
        const toml::node* n = t.get(key);
        if (!n) return dflt;
        if (!n->is_boolean()) fail(n, full, "must be true or false");
        return **n->as_boolean();
    }
    std::int64_t integer(const toml::table& t, std::string_view key, std::string_view full, std::int64_t dflt,
                         std::int64_t lo, std::int64_t hi) const {
        const toml::node* n = t.get(key);
        if (!n) return dflt;
        if (!n->is_integer()) fail(n, full, "must be an integer");
        std::int64_t v = **n->as_integer();
        if (v < lo || v > hi) fail(n, full, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
        return v;
    }
    std::vector<std::string> strings(const toml::table& t, std::string_view key, std::string_view full,
                                     bool* present = nullptr) const {
        std::vector<std::string> out;
        const toml::node* n = t.get(key);
        if (present) *present = n != nullptr;
        if (!n) return out;
        if (!n->is_array()) fail(n, full, "must be an array of strings");
        for (const auto& e : *n->as_array()) {
            if (!e.is_string()) fail(&e, full, "must be an array of strings");
            out.push_back(**e.as_string());
        }
        return out;
    }
    const toml::table* section(const toml::table& root, std::string_view name) const {
        const toml::node* n = root.get(name);
        if (!n) return nullptr;
        if (!n->is_table()) fail(n, name, "must be a table ([" + std::string(name) + "])");
        return n->as_table();
    }
    const toml::node* node(const toml::table& t, std::string_view key) const { return t.get(key); }

private:
    const std::string& source_;
};

}  // namespace

bool valid_identifier(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

bool valid_language_code(std::string_view s) {
    return s.size() >= 2 && s.size() <= 3 && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos;
}

OpeningHours Config::Hours::hours() const { return parse_hours(open, close); }

Config parse_config(std::string_view text, const std::string& source_name, const std::filesystem::path& base_dir) {
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        throw ConfigError(source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                          std::to_string(e.source().begin.column) + ": " + content::printable(e.description()));
    }
    Reader r(source_name);
    Config c;
    c.source = source_name;
    r.only(root, "", {"device", "packs", "platform", "staff", "hours"});
    auto resolve = [&](const std::string& p) {
        std::filesystem::path path(p);
        return path.is_relative() && !base_dir.empty() ? base_dir / path : path;
    };

    if (const toml::table* d = r.section(root, "device")) {
        r.only(*d, "device.", {"id", "event", "data_dir", "default_language", "idle_timeout_s", "volume"});
        c.device.id = r.string(*d, "id", "device.id", c.device.id);
        if (!valid_identifier(c.device.id))
            r.fail(r.node(*d, "id"), "device.id", "letters, digits, '-', '_' and '.' only, at most 64");
        c.device.event = r.string(*d, "event", "device.event", c.device.event);
        if (!valid_identifier(c.device.event))
            r.fail(r.node(*d, "event"), "device.event", "letters, digits, '-', '_' and '.' only, at most 64");
        c.device.data_dir = resolve(r.string(*d, "data_dir", "device.data_dir", c.device.data_dir.string()));
        c.device.default_language = r.string(*d, "default_language", "device.default_language", "fr");
        if (!valid_language_code(c.device.default_language))
            r.fail(r.node(*d, "default_language"), "device.default_language", "a language code like \"fr\"");
        c.device.idle_timeout_s =
            static_cast<int>(r.integer(*d, "idle_timeout_s", "device.idle_timeout_s", 60, 10, 3600));
        c.device.volume = static_cast<int>(r.integer(*d, "volume", "device.volume", 0, 0, 100));
    }

    if (const toml::table* p = r.section(root, "packs")) {
        r.only(*p, "packs.", {"trusted_keys", "watch_dirs", "auto_install"});
        auto keys = r.strings(*p, "trusted_keys", "packs.trusted_keys");
        const toml::node* keys_node = r.node(*p, "trusted_keys");
        for (std::size_t i = 0; i < keys.size(); ++i) {
            try {
                c.packs.trusted_keys.push_back(content::parse_public_key(keys[i]));
            } catch (const content::PackError& e) {
                const toml::node* item = keys_node->as_array()->get(i);
                r.fail(item, "packs.trusted_keys[" + std::to_string(i) + "]", e.what());
            }
        }
        bool present = false;
        auto dirs = r.strings(*p, "watch_dirs", "packs.watch_dirs", &present);
        if (present) {
            c.packs.watch_dirs.clear();
            for (const auto& d : dirs) c.packs.watch_dirs.push_back(resolve(d));
        }
        c.packs.auto_install = r.boolean(*p, "auto_install", "packs.auto_install", true);
    }

    if (const toml::table* p = r.section(root, "platform")) {
        r.only(*p, "platform.", {"base_url", "token_file", "seal_public_key", "qr_url", "ca_file",
                                 "allow_insecure_http", "batch_size", "retention_days", "max_age_days",
                                 "connect_timeout_s", "timeout_s", "backoff_base_s", "backoff_cap_s",
                                 "heartbeat_s"});
        auto& pl = c.platform;
        pl.allow_insecure_http = r.boolean(*p, "allow_insecure_http", "platform.allow_insecure_http", false);
        pl.base_url = r.string(*p, "base_url", "platform.base_url", "");
        if (!pl.base_url.empty() && !pl.base_url.starts_with("https://") &&
            !(pl.allow_insecure_http && pl.base_url.starts_with("http://")))
            r.fail(r.node(*p, "base_url"), "platform.base_url",
                   pl.allow_insecure_http ? "must start with https:// or http://"
                                          : "must start with https:// (http:// only with allow_insecure_http = true)");
        if (r.node(*p, "token_file"))
            pl.token_file = resolve(r.string(*p, "token_file", "platform.token_file", ""));
        const std::string key = r.string(*p, "seal_public_key", "platform.seal_public_key", "");
        if (!key.empty()) {
            try {
                pl.seal_public_key = platform::SealKey::parse(key);
            } catch (const platform::SealError& e) {
                r.fail(r.node(*p, "seal_public_key"), "platform.seal_public_key", e.what());
            }
        }
        pl.qr_url = r.string(*p, "qr_url", "platform.qr_url", "");
        if (!pl.qr_url.empty())
            if (auto problem = content::qr_url_problem(pl.qr_url)) r.fail(r.node(*p, "qr_url"), "platform.qr_url", *problem);
        const std::string ca = r.string(*p, "ca_file", "platform.ca_file", "");
        if (!ca.empty()) pl.ca_file = resolve(ca);
        pl.batch_size = static_cast<int>(r.integer(*p, "batch_size", "platform.batch_size", 100, 1, 1000));
        pl.retention_days = static_cast<int>(r.integer(*p, "retention_days", "platform.retention_days", 30, 1, 730));
        // No longer used: the device never deletes a record that was not
        // delivered. Read so that older files still load.
        r.integer(*p, "max_age_days", "platform.max_age_days", 730, 1, 730);
        pl.connect_timeout_s =
            static_cast<int>(r.integer(*p, "connect_timeout_s", "platform.connect_timeout_s", 10, 1, 120));
        pl.timeout_s = static_cast<int>(r.integer(*p, "timeout_s", "platform.timeout_s", 30, 1, 600));
        pl.backoff_base_s = static_cast<int>(r.integer(*p, "backoff_base_s", "platform.backoff_base_s", 2, 1, 3600));
        pl.backoff_cap_s = static_cast<int>(r.integer(*p, "backoff_cap_s", "platform.backoff_cap_s", 300, 1, 86400));
        if (pl.backoff_cap_s < pl.backoff_base_s)
            r.fail(r.node(*p, "backoff_cap_s"), "platform.backoff_cap_s",
                   "must be at least backoff_base_s (" + std::to_string(pl.backoff_base_s) + ")");
        pl.heartbeat_s = static_cast<int>(r.integer(*p, "heartbeat_s", "platform.heartbeat_s", 300, 10, 86400));
    }

    if (const toml::table* s = r.section(root, "staff")) {
        r.only(*s, "staff.", {"pin_hash", "idle_timeout_s"});
        c.staff.pin_hash = r.string(*s, "pin_hash", "staff.pin_hash", "");
        if (!c.staff.pin_hash.empty() && !looks_like_pin_hash(c.staff.pin_hash))
            r.fail(r.node(*s, "pin_hash"), "staff.pin_hash",
                   "not a PIN hash (\"$argon2id$...\"): write it with `vitrine staff set-pin`, or leave it empty");
        c.staff.idle_timeout_s =
            static_cast<int>(r.integer(*s, "idle_timeout_s", "staff.idle_timeout_s", 120, 10, 3600));
    }

    if (const toml::table* h = r.section(root, "hours")) {
        r.only(*h, "hours.", {"open", "close", "wake_s"});
        c.hours.open = r.string(*h, "open", "hours.open", "");
        c.hours.close = r.string(*h, "close", "hours.close", "");
        try {
            (void)c.hours.hours();
        } catch (const std::invalid_argument& e) {
            // Name the key that is wrong, or the one set without the other.
            bool open_ok = true;
            try {
                parse_hours(c.hours.open, "24:00");
            } catch (const std::invalid_argument&) {
                open_ok = false;
            }
            const char* key = c.hours.open.empty() ? "close" : (c.hours.close.empty() || !open_ok) ? "open" : "close";
            r.fail(r.node(*h, key), std::string("hours.") + key, e.what());
        }
        c.hours.wake_s = static_cast<int>(r.integer(*h, "wake_s", "hours.wake_s", 120, 5, 3600));
    }
    return c;
}

platform::SyncSettings Config::sync_settings() const {
    using std::chrono::seconds;
    platform::SyncSettings s;
    s.base_url = platform.base_url;
    s.user_agent = std::string("vitrine/") + VITRINE_VERSION;
    s.device_id = device.id;
    s.ca_file = platform.ca_file;
    s.allow_insecure_http = platform.allow_insecure_http;
    s.batch_size = platform.batch_size;
    s.connect_timeout = seconds(platform.connect_timeout_s);
    s.total_timeout = seconds(platform.timeout_s);
    s.backoff_base = seconds(platform.backoff_base_s);
    s.backoff_cap = seconds(platform.backoff_cap_s);
    s.heartbeat_interval = seconds(platform.heartbeat_s);
    return s;
}

Config load_config(const std::filesystem::path& file) {
    std::error_code ec;
    std::ifstream in(file, std::ios::binary);
    if (!in || !std::filesystem::is_regular_file(file, ec))
        throw ConfigError(file.string() + ": cannot read the configuration file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), file.string(), std::filesystem::absolute(file).parent_path());
}

}  // namespace vitrine
