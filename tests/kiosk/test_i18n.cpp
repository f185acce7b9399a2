// The UI translation catalogs: every catalog has every key, every key the
// code uses exists, and placeholders survive translation.
#include "kiosk/i18n.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <set>

using namespace vitrine;
using namespace vitrine::test;

namespace {

const fs::path kAssets = fs::path(VITRINE_SOURCE_DIR) / "assets/i18n";

// String literals in the kiosk's sources that look like catalog keys.
std::set<std::string> keys_used_in_code() {
    static const std::regex key(R"re("((?:attract|grid|showcase|idle|common|language|staffmode|update)\.[^"\s]+)")re");
    std::set<std::string> keys;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(VITRINE_SOURCE_DIR) / "kiosk")) {
        if (e.path().extension() != ".cpp") continue;
        std::string text = read_file(e.path());
        for (std::sregex_iterator it(text.begin(), text.end(), key), end; it != end; ++it) keys.insert((*it)[1]);
    }
    return keys;
}

}  // namespace

TEST_CASE("every shipped catalog has exactly the keys of the French one, none empty") {
    Catalogs c = Catalogs::load(kAssets, "fr");
    auto langs = c.languages();
    CHECK(langs.front() == "fr");
    for (const char* l : {"en", "es", "de"}) CHECK(std::find(langs.begin(), langs.end(), l) != langs.end());
    const auto& fr = *c.catalog("fr");
    CHECK(fr.size() >= 20);
    for (const auto& l : langs) {
        CAPTURE(l);
        const auto& cat = *c.catalog(l);
        CHECK(cat.size() == fr.size());
        for (const auto& entry : fr) {
            const std::string& key = entry.first;  // not a structured binding: clang 14 cannot capture one
            const std::string& text = entry.second;
            CAPTURE(key);
            REQUIRE(c.has(key, l));
            CHECK_FALSE(cat.at(key).empty());
            // The same placeholders in every language.
            static const std::regex ph(R"(\{[a-z]+\})");
            std::set<std::string> a, b;
            for (std::sregex_iterator it(text.begin(), text.end(), ph), end; it != end; ++it) a.insert(it->str());
            for (std::sregex_iterator it(cat.at(key).begin(), cat.at(key).end(), ph), end; it != end; ++it)
                b.insert(it->str());
            CHECK(a == b);
        }
    }
}

TEST_CASE("every key the code uses is in the catalogs") {
    Catalogs c = Catalogs::load(kAssets, "fr");
    auto used = keys_used_in_code();
    CHECK(used.size() >= 15);  // the scan itself works
    for (const auto& key : used) {
        CAPTURE(key);
        CHECK(c.has(key, "fr"));
    }
}

TEST_CASE("lookups fall back to the default language, then to the key; placeholders are filled") {
    TempDir tmp;
    write_file(tmp / "fr.json", R"({"a.b": "Bonjour {name}", "only.fr": "seulement"})");
    write_file(tmp / "en.json", R"({"a.b": "Hello {name}"})");
    Catalogs c = Catalogs::load(tmp.path, "fr");
    CHECK(c.tr("a.b", "en", {{"name", "Ada"}}) == "Hello Ada");
    CHECK(c.tr("only.fr", "en") == "seulement");
    CHECK(c.tr("a.b", "de") == "Bonjour {name}");
    CHECK(c.tr("no.such", "en") == "no.such");
}

TEST_CASE("a malformed catalog is refused, naming the file") {
    TempDir tmp;
    write_file(tmp / "fr.json", R"({"a.b": 3})");
    CHECK_THROWS_WITH_AS(Catalogs::load(tmp.path, "fr"), doctest::Contains("fr.json: a.b must be a string"),
                         std::runtime_error);
    write_file(tmp / "fr.json", "{");
    CHECK_THROWS_WITH_AS(Catalogs::load(tmp.path, "fr"), doctest::Contains("fr.json: not a valid catalog"),
                         std::runtime_error);
    TempDir empty;
    CHECK_THROWS_WITH_AS(Catalogs::load(empty.path, "fr"), doctest::Contains("no UI translation catalogs"),
                         std::runtime_error);
}
