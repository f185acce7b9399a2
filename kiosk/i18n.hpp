// The UI's own strings, from translation catalogs (assets/i18n/<lang>.json:
// a flat object from key to text). Pack texts come from the pack; these are
// the buttons and messages of the kiosk itself.
#pragma once
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine {

class Catalogs {
public:
    // Loads every <lang>.json of `dir`. Throws std::runtime_error naming the
    // file on a malformed catalog.
    static Catalogs load(const std::filesystem::path& dir, const std::string& default_language);

    // The text of `key` in `lang`, else in the default language, else the key.
    const std::string& tr(std::string_view key, std::string_view lang) const;
    // The same with "{name}" placeholders replaced.
    std::string tr(std::string_view key, std::string_view lang,
                   std::initializer_list<std::pair<std::string_view, std::string>> args) const;
    std::vector<std::string> languages() const;  // default first
    bool has(std::string_view key, std::string_view lang) const;
    const std::map<std::string, std::string, std::less<>>* catalog(std::string_view lang) const;

private:
    std::string default_;
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> by_lang_;
};

}  // namespace vitrine
