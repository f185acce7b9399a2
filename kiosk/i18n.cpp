#include "kiosk/i18n.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

namespace vitrine {

Catalogs Catalogs::load(const std::filesystem::path& dir, const std::string& default_language) {
    Catalogs c;
    c.default_ = default_language;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        if (e.path().extension() != ".json") continue;
        std::ifstream in(e.path());
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& ex) {
            throw std::runtime_error(e.path().string() + ": not a valid catalog: " + ex.what());
        }
        if (!j.is_object()) throw std::runtime_error(e.path().string() + ": a catalog is a JSON object");
        auto& m = c.by_lang_[e.path().stem().string()];
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!it->is_string())
                throw std::runtime_error(e.path().string() + ": " + it.key() + " must be a string");
            m[it.key()] = it->get<std::string>();
        }
    }
    if (ec || c.by_lang_.empty())
        throw std::runtime_error(dir.string() + ": no UI translation catalogs found");
    if (!c.by_lang_.count(default_language))
        throw std::runtime_error(dir.string() + ": no catalog for the default language \"" + default_language + "\"");
    return c;
}

const std::map<std::string, std::string, std::less<>>* Catalogs::catalog(std::string_view lang) const {
    auto it = by_lang_.find(lang);
    return it == by_lang_.end() ? nullptr : &it->second;
}

bool Catalogs::has(std::string_view key, std::string_view lang) const {
    auto* c = catalog(lang);
    return c && c->find(key) != c->end();
}

const std::string& Catalogs::tr(std::string_view key, std::string_view lang) const {
    for (std::string_view l : {lang, std::string_view(default_)}) {
        if (auto* c = catalog(l)) {
            auto it = c->find(key);
            if (it != c->end()) return it->second;
        }
    }
    static thread_local std::string missing;
    missing = std::string(key);
    return missing;
}

std::string Catalogs::tr(std::string_view key, std::string_view lang,
                         std::initializer_list<std::pair<std::string_view, std::string>> args) const {
    std::string s = tr(key, lang);
    for (const auto& [name, value] : args) {
        std::string pattern = "{" + std::string(name) + "}";
        for (auto p = s.find(pattern); p != std::string::npos; p = s.find(pattern, p + value.size()))
            s.replace(p, pattern.size(), value);
    }
    return s;
}

std::vector<std::string> Catalogs::languages() const {
    std::vector<std::string> out{default_};
    for (const auto& [lang, m] : by_lang_)
        if (lang != default_) out.push_back(lang);
    return out;
}

}  // namespace vitrine
