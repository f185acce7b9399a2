#include "config.hpp"

#include "content/error.hpp"

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
        throw ConfigError(where + ": " + std::string(key) + ": " + what);
    }

    // Every key of `table` must be one of `known`.
    void only(const toml::table& table, std::string_view prefix, std::initializer_list<std::string_view> known) const {
        for (const auto& [k, v] : table) {
            bool ok = false;
            for (auto n : known) ok = ok || k.str() == n;
            if (!ok)
                fail(&v, std::string(prefix) + std::string(k.str()),
                     prefix.empty() ? "unknown key (the sections are [device] and [packs]; see the README)"
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

bool valid_device_id(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    return true;
}

}  // namespace

Config parse_config(std::string_view text, const std::string& source_name, const std::filesystem::path& base_dir) {
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        throw ConfigError(source_name + ":" + std::to_string(e.source().begin.line) + ":" +
                          std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
    }
    Reader r(source_name);
    Config c;
    c.source = source_name;
    r.only(root, "", {"device", "packs"});
    auto resolve = [&](const std::string& p) {
        std::filesystem::path path(p);
        return path.is_relative() && !base_dir.empty() ? base_dir / path : path;
    };

    if (const toml::table* d = r.section(root, "device")) {
        r.only(*d, "device.", {"id", "event", "data_dir", "default_language", "idle_timeout_s"});
        c.device.id = r.string(*d, "id", "device.id", c.device.id);
        if (!valid_device_id(c.device.id))
            r.fail(r.node(*d, "id"), "device.id", "letters, digits, '-', '_' and '.' only, at most 64");
        c.device.event = r.string(*d, "event", "device.event", c.device.event);
        if (!valid_device_id(c.device.event))
            r.fail(r.node(*d, "event"), "device.event", "letters, digits, '-', '_' and '.' only, at most 64");
        c.device.data_dir = resolve(r.string(*d, "data_dir", "device.data_dir", c.device.data_dir.string()));
        c.device.default_language = r.string(*d, "default_language", "device.default_language", "fr");
        const auto& lang = c.device.default_language;
        if (lang.size() < 2 || lang.size() > 3 ||
            lang.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos)
            r.fail(r.node(*d, "default_language"), "device.default_language", "a language code like \"fr\"");
        c.device.idle_timeout_s =
            static_cast<int>(r.integer(*d, "idle_timeout_s", "device.idle_timeout_s", 60, 10, 3600));
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
    return c;
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
