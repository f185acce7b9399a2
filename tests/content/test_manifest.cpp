// parse_manifest and pack_path_problem: the model, unknown keys as warnings, every refusal and its message.
#include "content/error.hpp"
#include "content/manifest.hpp"
#include "content/pack_path.hpp"
#include "content/sha256.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace vitrine::content;
using json = nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

const std::string kHashEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string kHashAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

json loc(const std::string& fr, const std::string& en) { return {{"fr", fr}, {"en", en}}; }

json file_entry(std::uint64_t size, const std::string& sha256 = kHashEmpty) {
    return {{"size", size}, {"sha256", sha256}};
}

// A complete format 1 manifest using every optional part of the format.
json valid_manifest() {
    return {
        {"format", 1},
        {"pack",
         {{"id", "occitanie-demo"},
          {"version", 3},
          {"created", "2026-11-20T10:00:00Z"},
          {"title", loc("Occitanie innove", "Occitania innovates")},
          {"about", loc("Les entreprises de la région", "The region's companies")}}},
        {"languages", {"fr", "en"}},
        {"sectors",
         {{{"id", "aerospace"}, {"name", loc("Aéronautique", "Aerospace")}, {"colour", "#1F6FEB"}},
          {{"id", "health"}, {"name", loc("Santé", "Health")}, {"colour", "#2ea043"}}}},
        {"cities",
         {{{"id", "toulouse"}, {"name", loc("Toulouse", "Toulouse")}},
          {{"id", "montpellier"}, {"name", {{"fr", "Montpellier"}}}}}},
        {"showcases",
         {{{"id", "green-aircraft"},
           {"sectors", {"aerospace"}},
           {"city", "toulouse"},
           {"company",
            {{"name", "Aérolithe Systems"},
             {"about", loc("Motoriste", "Engine maker")},
             {"url", "https://aerolithe.example/"}}},
           {"title", loc("L'avion vert", "The green aircraft")},
           {"summary", loc("Moins de kérosène", "Less kerosene")},
           {"body", loc("Premier.\n\nSecond.", "First.\n\nSecond.")},
           {"figures",
            {{{"value", "-30 %"}, {"label", loc("Consommation", "Fuel burn")}},
             {{"value", loc("2 000 emplois", "2,000 jobs")}, {"label", loc("Effectif", "Staff")}}}},
           {"thumbnail", "media/green-aircraft/thumb.jpg"},
           {"media",
            {{{"type", "image"}, {"path", "media/green-aircraft/1.jpg"}, {"caption", loc("Le banc", "The test bench")}},
             {{"type", "video"},
              {"path", "media/green-aircraft/film.mp4"},
              {"subtitles",
               {{"fr", "media/green-aircraft/film.fr.vtt"}, {"en", "media/green-aircraft/film.en.vtt"}}}}}},
           {"contact_url", "http://aerolithe.example/contact"}},
          {{"id", "medical-robot"},
           {"sectors", {"health", "aerospace"}},
           {"company", {{"name", "Robotique Santé"}}},
           {"title", loc("Le robot chirurgien", "The surgical robot")},
           {"summary", loc("Précis", "Precise")},
           {"body", {{"fr", "Texte."}}},
           {"thumbnail", "media/medical-robot/thumb.jpg"}}}},
        {"campaign",
         {{{"video", "media/campaign/robots.mp4"},
           {"tagline", loc("On construit des robots", "We build robots")},
           {"subtitles", {{"fr", "media/campaign/robots.fr.vtt"}}}}}},
        {"interest",
         {{"call_to_action", loc("Travailler en Occitanie ?", "Work in Occitanie?")},
          {"questions",
           {{{"id", "job_family"},
             {"title", loc("Votre métier ?", "Your field?")},
             {"options",
              {{{"id", "software"}, {"label", loc("Logiciel", "Software")}},
               {{"id", "data-ai"}, {"label", loc("Données et IA", "Data and AI")}},
               {{"id", "other"}, {"label", {{"fr", "Autre"}}}}}}},
            {{"id", "when"},
             {"title", loc("Quand ?", "When?")},
             {"options",
              {{{"id", "now"}, {"label", loc("Maintenant", "Now")}},
               {{"id", "later"}, {"label", loc("Plus tard", "Later")}}}}}}},
          {"notice",
           {{"version", 2},
            {"title", loc("Vos données", "Your data")},
            {"text", loc("Qui, pourquoi, combien de temps.", "Who, why, how long.")}}},
          {"qr_url", "https://talents.example/cv/{token}?e={event}"}}},
        {"files",
         {{"media/green-aircraft/thumb.jpg", file_entry(48211, kHashAbc)},
          {"media/green-aircraft/1.jpg", file_entry(1000)},
          {"media/green-aircraft/film.mp4", file_entry(5000000)},
          {"media/green-aircraft/film.fr.vtt", file_entry(120)},
          {"media/green-aircraft/film.en.vtt", file_entry(118)},
          {"media/medical-robot/thumb.jpg", file_entry(2048)},
          {"media/campaign/robots.mp4", file_entry(7000000000)},
          {"media/campaign/robots.fr.vtt", file_entry(0)}}},
    };
}

Manifest parse(const json& doc) { return parse_manifest(doc.dump()); }

}  // namespace

TEST_CASE("a valid manifest gives the whole model") {
    const Manifest m = parse(valid_manifest());

    CHECK(m.format == 1);
    CHECK(m.warnings.empty());
    CHECK(m.pack.id == "occitanie-demo");
    CHECK(m.pack.version == 3);
    CHECK(m.pack.created == "2026-11-20T10:00:00Z");
    CHECK(m.pack.title.at("fr") == "Occitanie innove");
    CHECK(m.pack.title.at("en") == "Occitania innovates");
    CHECK(m.pack.about.at("en") == "The region's companies");
    CHECK(m.languages == Strings{"fr", "en"});
    CHECK(m.default_language() == "fr");

    REQUIRE(m.sectors.size() == 2);
    CHECK(m.sectors[0].id == "aerospace");
    CHECK(m.sectors[0].name.at("fr") == "Aéronautique");
    CHECK(m.sectors[0].colour == 0x1F6FEBu);
    CHECK(m.sectors[1].colour == 0x2EA043u);
    CHECK(m.sector("health") == &m.sectors[1]);
    CHECK(m.sector("energy") == nullptr);

    REQUIRE(m.cities.size() == 2);
    CHECK(m.cities[1].id == "montpellier");
    CHECK(m.cities[1].name.size() == 1);
    CHECK(m.city("toulouse") == &m.cities[0]);
    CHECK(m.city("paris") == nullptr);

    REQUIRE(m.showcases.size() == 2);
    const Showcase& s = m.showcases[0];
    CHECK(s.id == "green-aircraft");
    CHECK(s.sectors == Strings{"aerospace"});
    CHECK(s.city == "toulouse");
    CHECK(s.company.name == "Aérolithe Systems");
    CHECK(s.company.about.at("en") == "Engine maker");
    CHECK(s.company.url == "https://aerolithe.example/");
    CHECK(s.title.at("en") == "The green aircraft");
    CHECK(s.summary.at("fr") == "Moins de kérosène");
    CHECK(s.body.at("en") == "First.\n\nSecond.");
    CHECK(s.thumbnail == "media/green-aircraft/thumb.jpg");
    CHECK(s.contact_url == "http://aerolithe.example/contact");

    REQUIRE(s.figures.size() == 2);
    CHECK(s.figures[0].value.size() == 1);
    CHECK(s.figures[0].value.at("fr") == "-30 %");
    CHECK(s.figures[0].label.at("en") == "Fuel burn");
    CHECK(s.figures[1].value.at("fr") == "2 000 emplois");
    CHECK(s.figures[1].value.at("en") == "2,000 jobs");

    REQUIRE(s.media.size() == 2);
    CHECK(s.media[0].kind == Media::Kind::Image);
    CHECK(s.media[0].path == "media/green-aircraft/1.jpg");
    CHECK(s.media[0].caption.at("en") == "The test bench");
    CHECK(s.media[0].subtitles.empty());
    CHECK(s.media[1].kind == Media::Kind::Video);
    CHECK(s.media[1].path == "media/green-aircraft/film.mp4");
    CHECK(s.media[1].caption.empty());
    CHECK(s.media[1].subtitles.size() == 2);
    CHECK(s.media[1].subtitles.at("en") == "media/green-aircraft/film.en.vtt");

    const Showcase& r = m.showcases[1];
    CHECK(r.id == "medical-robot");
    CHECK(r.sectors == Strings{"health", "aerospace"});
    CHECK(r.city.empty());
    CHECK(r.company.about.empty());
    CHECK(r.company.url.empty());
    CHECK(r.contact_url.empty());
    CHECK(r.figures.empty());
    CHECK(r.media.empty());
    CHECK(r.body.size() == 1);

    REQUIRE(m.campaign.size() == 1);
    CHECK(m.campaign[0].video == "media/campaign/robots.mp4");
    CHECK(m.campaign[0].tagline.at("en") == "We build robots");
    CHECK(m.campaign[0].subtitles.size() == 1);
    CHECK(m.campaign[0].subtitles.at("fr") == "media/campaign/robots.fr.vtt");

    REQUIRE(m.files.size() == 8);
    const FileEntry& thumb = m.files.at("media/green-aircraft/thumb.jpg");
    CHECK(thumb.size == 48211);
    CHECK(to_hex(thumb.sha256) == kHashAbc);
    CHECK(thumb.sha256[0] == 0xba);
    CHECK(thumb.sha256[31] == 0xad);
    CHECK(m.files.at("media/campaign/robots.mp4").size == 7000000000u);
    CHECK(to_hex(m.files.at("media/campaign/robots.fr.vtt").sha256) == kHashEmpty);
    CHECK(m.total_size() == 48211u + 1000 + 5000000 + 120 + 118 + 2048 + 7000000000u + 0);

    REQUIRE(m.interest);
    const Interest& in = *m.interest;
    CHECK(in.call_to_action.at("fr") == "Travailler en Occitanie ?");
    CHECK(in.call_to_action.at("en") == "Work in Occitanie?");
    REQUIRE(in.questions.size() == 2);
    CHECK(in.questions[0].id == "job_family");
    CHECK(in.questions[0].title.at("en") == "Your field?");
    REQUIRE(in.questions[0].options.size() == 3);
    CHECK(in.questions[0].options[0].id == "software");
    CHECK(in.questions[0].options[0].label.at("fr") == "Logiciel");
    CHECK(in.questions[0].options[1].id == "data-ai");
    CHECK(in.questions[0].options[1].label.at("en") == "Data and AI");
    CHECK(in.questions[0].options[2].id == "other");
    CHECK(in.questions[0].options[2].label.size() == 1);
    CHECK(m.text(in.questions[0].options[2].label, "en") == "Autre");
    CHECK(in.questions[1].id == "when");
    CHECK(in.questions[1].title.at("fr") == "Quand ?");
    REQUIRE(in.questions[1].options.size() == 2);
    CHECK(in.questions[1].options[1].id == "later");
    CHECK(in.questions[1].options[1].label.at("en") == "Later");
    CHECK(in.notice.version == 2);
    CHECK(in.notice.title.at("en") == "Your data");
    CHECK(in.notice.text.at("fr") == "Qui, pourquoi, combien de temps.");
    CHECK(in.qr_url == "https://talents.example/cv/{token}?e={event}");
}

TEST_CASE("the smallest manifest: no cities, media, figures or optional texts") {
    json doc = valid_manifest();
    doc.erase("cities");
    doc["pack"].erase("about");
    doc["languages"] = {"oc"};
    doc["pack"]["title"] = {{"oc", "Occitània"}};
    doc["sectors"] = {{{"id", "a"}, {"name", {{"oc", "A"}}}, {"colour", "#000000"}}};
    doc["showcases"] = {{{"id", "s"},
                         {"sectors", {"a"}},
                         {"company", {{"name", "C"}}},
                         {"title", {{"oc", "T"}}},
                         {"summary", {{"oc", "S"}}},
                         {"body", {{"oc", "B"}}},
                         {"thumbnail", "media/green-aircraft/thumb.jpg"}}};
    doc["campaign"] = {{{"video", "media/campaign/robots.mp4"}, {"tagline", {{"oc", "T"}}}}};
    doc.erase("interest");

    const Manifest m = parse(doc);
    CHECK(m.default_language() == "oc");
    CHECK_FALSE(m.interest.has_value());
    CHECK(m.cities.empty());
    CHECK(m.pack.about.empty());
    CHECK(m.sectors.at(0).colour == 0u);
    CHECK(m.showcases.at(0).media.empty());
    CHECK(m.campaign.at(0).subtitles.empty());
}

TEST_CASE("Manifest::text picks the language, else the default language") {
    const Manifest m = parse(valid_manifest());
    const Localized& title = m.showcases[0].title;
    CHECK(m.text(title, "en") == "The green aircraft");
    CHECK(m.text(title, "fr") == "L'avion vert");
    CHECK(m.text(title, "de") == "L'avion vert");
    CHECK(m.text(title, "") == "L'avion vert");

    const Localized& body = m.showcases[1].body;
    CHECK(m.text(body, "en") == "Texte.");
    CHECK(m.text(m.cities[1].name, "en") == "Montpellier");
    CHECK(m.text(m.showcases[0].figures[0].value, "en") == "-30 %");
    CHECK(m.text(m.showcases[0].figures[1].value, "en") == "2,000 jobs");
}

TEST_CASE("unknown keys are warnings naming their path, not errors") {
    json doc = valid_manifest();
    doc["comment"] = "draft";
    doc["pack"]["author"] = "me";
    doc["sectors"][1]["color"] = "#FFFFFF";
    doc["cities"][0]["region"] = "Occitanie";
    doc["showcases"][0]["sumary"] = loc("x", "x");
    doc["showcases"][0]["company"]["phone"] = "0102030405";
    doc["showcases"][0]["figures"][1]["unit"] = "%";
    doc["showcases"][0]["media"][1]["poster"] = "media/green-aircraft/1.jpg";
    doc["campaign"][0]["loop"] = true;
    doc["files"]["media/green-aircraft/1.jpg"]["md5"] = "abc";
    doc["interest"]["colour"] = "#FF0000";
    doc["interest"]["questions"][1]["multiple"] = true;
    doc["interest"]["questions"][0]["options"][1]["icon"] = "media/ai.png";
    doc["interest"]["notice"]["url"] = "https://talents.example/privacy";

    const Manifest m = parse(doc);
    const std::vector<std::string> expected = {
        "comment: unknown key, ignored",
        "pack.author: unknown key, ignored",
        "files.\"media/green-aircraft/1.jpg\".md5: unknown key, ignored",
        "sectors[1] \"health\".color: unknown key, ignored",
        "cities[0] \"toulouse\".region: unknown key, ignored",
        "showcases[0] \"green-aircraft\".sumary: unknown key, ignored",
        "showcases[0] \"green-aircraft\".company.phone: unknown key, ignored",
        "showcases[0] \"green-aircraft\".figures[1].unit: unknown key, ignored",
        "showcases[0] \"green-aircraft\".media[1].poster: unknown key, ignored",
        "campaign[0].loop: unknown key, ignored",
        "interest.colour: unknown key, ignored",
        "interest.questions[1] \"when\".multiple: unknown key, ignored",
        "interest.questions[0] \"job_family\".options[1] \"data-ai\".icon: unknown key, ignored",
        "interest.notice.url: unknown key, ignored",
    };
    CHECK(m.warnings.size() == expected.size());
    for (const auto& w : expected) {
        CAPTURE(w);
        CHECK(std::find(m.warnings.begin(), m.warnings.end(), w) != m.warnings.end());
    }
    CHECK(m.sectors[1].colour == 0x2EA043u);
    CHECK(m.showcases[0].summary.at("en") == "Less kerosene");
}

TEST_CASE("refused: not a JSON object, or not format 1") {
    SUBCASE("not JSON, with the line and column") {
        const std::string text = "{\n  \"format\": 1,\n  \"pack\": }\n";
        CHECK_THROWS_WITH_AS(parse_manifest(text), doctest::Contains("manifest.json is not valid JSON"), PackError);
        CHECK_THROWS_WITH_AS(parse_manifest(text), doctest::Contains("line 3, column"), PackError);
    }
    SUBCASE("empty text") {
        CHECK_THROWS_WITH_AS(parse_manifest(""), doctest::Contains("manifest.json is not valid JSON"), PackError);
    }
    SUBCASE("the top level is not an object") {
        CHECK_THROWS_WITH_AS(parse_manifest("[1, 2]"), doctest::Contains("manifest: must be an object, not array"),
                             PackError);
        CHECK_THROWS_WITH_AS(parse_manifest("\"pack\""), doctest::Contains("manifest: must be an object, not string"),
                             PackError);
    }
    json doc = valid_manifest();
    SUBCASE("format missing") {
        doc.erase("format");
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("format: missing"), PackError);
    }
    SUBCASE("format 2") {
        doc["format"] = 2;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("format: unsupported format 2"), PackError);
    }
    SUBCASE("format as a string") {
        doc["format"] = "1";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("format: must be an integer"), PackError);
    }
    SUBCASE("format as a decimal") {
        doc["format"] = 1.0;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("format: must be an integer"), PackError);
    }
}

TEST_CASE("refused: languages") {
    json doc = valid_manifest();
    SUBCASE("missing") {
        doc.erase("languages");
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("languages: missing"), PackError);
    }
    SUBCASE("empty") {
        doc["languages"] = json::array();
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("languages: must list at least one language"), PackError);
    }
    SUBCASE("not an array") {
        doc["languages"] = "fr";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("languages: must be an array, not string"), PackError);
    }
    SUBCASE("uppercase code") {
        doc["languages"] = {"FR", "en"};
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("languages[0]: \"FR\" is not a language code"), PackError);
    }
    SUBCASE("a language name instead of a code") {
        doc["languages"] = {"fr", "french"};
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("languages[1]: \"french\" is not a language code"),
                             PackError);
    }
    SUBCASE("one letter") {
        doc["languages"] = {"fr", "e"};
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("languages[1]: \"e\" is not a language code"), PackError);
    }
    SUBCASE("listed twice") {
        doc["languages"] = {"fr", "en", "fr"};
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("languages[2]: language \"fr\" is listed twice"), PackError);
    }
}

TEST_CASE("refused: pack id, version and created") {
    json doc = valid_manifest();
    SUBCASE("id missing") {
        doc["pack"].erase("id");
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.id: missing"), PackError);
    }
    SUBCASE("id invalid") {
        for (const std::string& id :
             Strings{"Occitanie", "occitanie demo", "-demo", "demo_1", "démo", std::string(65, 'a')}) {
            CAPTURE(id);
            doc["pack"]["id"] = id;
            CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains(("pack.id: \"" + id + "\" is not a valid id").c_str()),
                                 PackError);
        }
    }
    SUBCASE("id empty") {
        doc["pack"]["id"] = "";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.id: must not be empty"), PackError);
    }
    SUBCASE("id at the limits is accepted") {
        for (const std::string& id : Strings{std::string(64, 'a'), "0", "a-", "a--9"}) {
            CAPTURE(id);
            doc["pack"]["id"] = id;
            CHECK(parse(doc).pack.id == id);
        }
    }
    SUBCASE("version 0") {
        doc["pack"]["version"] = 0;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.version: must be 1 or more"), PackError);
    }
    SUBCASE("version negative") {
        doc["pack"]["version"] = -4;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.version: must be 1 or more"), PackError);
    }
    SUBCASE("version as a string") {
        doc["pack"]["version"] = "3";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.version: must be an integer"), PackError);
    }
    SUBCASE("version 1.5") {
        doc["pack"]["version"] = 1.5;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.version: must be an integer"), PackError);
    }
    SUBCASE("created not RFC 3339") {
        for (const std::string& t : Strings{"20/11/2026", "2026-11-20", "2026-11-20T10:00:00", "2026-11-20T10:00Z",
                                            "2026-13-20T10:00:00Z", "2026-00-20T10:00:00Z", "2026-11-32T10:00:00Z",
                                            "2026-11-20T24:00:00Z", "2026-11-20T10:00:00+25:00"}) {
            CAPTURE(t);
            doc["pack"]["created"] = t;
            CHECK_THROWS_WITH_AS(parse(doc),
                                 doctest::Contains(("pack.created: \"" + t + "\" is not an RFC 3339 time").c_str()),
                                 PackError);
        }
    }
    SUBCASE("created in other RFC 3339 forms is accepted") {
        for (const std::string& t :
             Strings{"2026-11-20T10:00:00.250+01:00", "2026-11-20 10:00:00z", "2026-12-31T23:59:60-05:30"}) {
            CAPTURE(t);
            doc["pack"]["created"] = t;
            CHECK(parse(doc).pack.created == t);
        }
    }
}

TEST_CASE("refused: localized texts") {
    json doc = valid_manifest();
    SUBCASE("title without the default language") {
        doc["pack"]["title"] = {{"en", "Occitania innovates"}};
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.title: missing the default language \"fr\""),
                             PackError);
    }
    SUBCASE("a showcase title without the default language names the showcase") {
        doc["showcases"][1]["title"] = {{"en", "The surgical robot"}};
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("showcases[1] \"medical-robot\".title: missing the default language \"fr\""),
            PackError);
    }
    SUBCASE("a language not in languages") {
        doc["pack"]["title"]["de"] = "Okzitanien";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.title.de: language \"de\" is not in languages"),
                             PackError);
    }
    SUBCASE("an empty string") {
        doc["showcases"][0]["summary"]["en"] = "";
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("showcases[0] \"green-aircraft\".summary.en: must not be empty"), PackError);
    }
    SUBCASE("a plain string where a localized text is expected") {
        doc["sectors"][0]["name"] = "Aéronautique";
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("sectors[0] \"aerospace\".name: must be a localized text object"), PackError);
    }
    SUBCASE("a figure value given as an empty string") {
        doc["showcases"][0]["figures"][0]["value"] = "";
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("showcases[0] \"green-aircraft\".figures[0].value: must not be empty"),
                             PackError);
    }
    SUBCASE("a localized figure value without the default language") {
        doc["showcases"][0]["figures"][1]["value"] = {{"en", "2,000 jobs"}};
        CHECK_THROWS_WITH_AS(
            parse(doc),
            doctest::Contains("showcases[0] \"green-aircraft\".figures[1].value: missing the default language \"fr\""),
            PackError);
    }
}

TEST_CASE("refused: sectors and cities") {
    json doc = valid_manifest();
    SUBCASE("colour as a name") {
        doc["sectors"][0]["colour"] = "blue";
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("sectors[0] \"aerospace\".colour: \"blue\" is not a colour like #1F6FEB"),
            PackError);
    }
    SUBCASE("colour with five digits") {
        doc["sectors"][1]["colour"] = "#12345";
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("sectors[1] \"health\".colour: \"#12345\" is not a colour like #1F6FEB"),
                             PackError);
    }
    SUBCASE("colour without #") {
        doc["sectors"][1]["colour"] = "2EA043";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("is not a colour like #1F6FEB"), PackError);
    }
    SUBCASE("no sector") {
        doc["sectors"] = json::array();
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("sectors: must list at least one sector"), PackError);
    }
    SUBCASE("duplicate sector id") {
        doc["sectors"][1]["id"] = "aerospace";
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("sectors[1] \"aerospace\".id: duplicate sector id \"aerospace\""), PackError);
    }
    SUBCASE("duplicate city id") {
        doc["cities"][1]["id"] = "toulouse";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("cities[1] \"toulouse\".id: duplicate city id \"toulouse\""),
                             PackError);
    }
    SUBCASE("invalid city id") {
        doc["cities"][0]["id"] = "Toulouse";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("cities[0] \"Toulouse\".id: \"Toulouse\" is not a valid id"),
                             PackError);
    }
}

TEST_CASE("refused: showcases") {
    json doc = valid_manifest();
    json& s0 = doc["showcases"][0];
    SUBCASE("no showcase") {
        doc["showcases"] = json::array();
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("showcases: must list at least one showcase"), PackError);
    }
    SUBCASE("duplicate showcase id") {
        doc["showcases"][1]["id"] = "green-aircraft";
        CHECK_THROWS_WITH_AS(
            parse(doc),
            doctest::Contains("showcases[1] \"green-aircraft\".id: duplicate showcase id \"green-aircraft\""),
            PackError);
    }
    SUBCASE("unknown sector") {
        s0["sectors"] = {"aerospace", "energy"};
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("showcases[0] \"green-aircraft\".sectors[1]: unknown sector \"energy\""),
                             PackError);
    }
    SUBCASE("unknown city") {
        s0["city"] = "paris";
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("showcases[0] \"green-aircraft\".city: unknown city \"paris\""), PackError);
    }
    SUBCASE("a city when the pack has no cities") {
        doc.erase("cities");
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("showcases[0] \"green-aircraft\".city: unknown city \"toulouse\""),
                             PackError);
    }
    SUBCASE("empty sectors list") {
        s0["sectors"] = json::array();
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("showcases[0] \"green-aircraft\".sectors: must name at least one sector"),
            PackError);
    }
    SUBCASE("company without a name") {
        s0["company"].erase("name");
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("showcases[0] \"green-aircraft\".company.name: missing"),
                             PackError);
    }
    SUBCASE("company url not http(s)") {
        for (const std::string& url :
             Strings{"ftp://x", "javascript:alert(1)", "https://a b.example/", "www.example.com"}) {
            CAPTURE(url);
            s0["company"]["url"] = url;
            CHECK_THROWS_WITH_AS(
                parse(doc), doctest::Contains("showcases[0] \"green-aircraft\".company.url: must be an http(s) URL"),
                PackError);
        }
    }
    SUBCASE("contact_url not http(s)") {
        s0["contact_url"] = "mailto:contact@example.com";
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("showcases[0] \"green-aircraft\".contact_url: must be an http(s) URL"),
                             PackError);
    }
    SUBCASE("thumbnail not in files") {
        s0["thumbnail"] = "media/green-aircraft/thumbnail.jpg";
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("showcases[0] \"green-aircraft\".thumbnail: "
                                               "\"media/green-aircraft/thumbnail.jpg\" is not listed in files"),
                             PackError);
    }
    SUBCASE("thumbnail with a path outside the pack") {
        s0["thumbnail"] = "../thumb.jpg";
        CHECK_THROWS_WITH_AS(
            parse(doc),
            doctest::Contains("showcases[0] \"green-aircraft\".thumbnail: \"../thumb.jpg\": '..' component in path"),
            PackError);
    }
    SUBCASE("seven figures") {
        s0["figures"] = json::array();
        for (int i = 0; i < 7; ++i) s0["figures"].push_back({{"value", std::to_string(i)}, {"label", loc("l", "l")}});
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("showcases[0] \"green-aircraft\".figures: at most 6 key figures"), PackError);
    }
    SUBCASE("six figures are accepted") {
        s0["figures"] = json::array();
        for (int i = 0; i < 6; ++i) s0["figures"].push_back({{"value", std::to_string(i)}, {"label", loc("l", "l")}});
        CHECK(parse(doc).showcases[0].figures.size() == 6);
    }
}

TEST_CASE("refused: media and campaign") {
    json doc = valid_manifest();
    json& media = doc["showcases"][0]["media"];
    SUBCASE("media type audio") {
        media[0]["type"] = "audio";
        CHECK_THROWS_WITH_AS(
            parse(doc),
            doctest::Contains(
                "showcases[0] \"green-aircraft\".media[0].type: \"audio\" is neither \"image\" nor \"video\""),
            PackError);
    }
    SUBCASE("media path not in files") {
        media[1]["path"] = "media/green-aircraft/film.webm";
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("showcases[0] \"green-aircraft\".media[1].path: "
                                               "\"media/green-aircraft/film.webm\" is not listed in files"),
                             PackError);
    }
    SUBCASE("subtitles on an image") {
        media[0]["subtitles"] = {{"fr", "media/green-aircraft/film.fr.vtt"}};
        CHECK_THROWS_WITH_AS(
            parse(doc),
            doctest::Contains("showcases[0] \"green-aircraft\".media[0].subtitles: only a video can have subtitles"),
            PackError);
    }
    SUBCASE("subtitles in a language not in languages") {
        media[1]["subtitles"]["de"] = "media/green-aircraft/film.fr.vtt";
        CHECK_THROWS_WITH_AS(
            parse(doc),
            doctest::Contains(
                "showcases[0] \"green-aircraft\".media[1].subtitles.de: language \"de\" is not in languages"),
            PackError);
    }
    SUBCASE("subtitles file not in files") {
        media[1]["subtitles"]["en"] = "media/green-aircraft/film.en.srt";
        CHECK_THROWS_WITH_AS(parse(doc),
                             doctest::Contains("showcases[0] \"green-aircraft\".media[1].subtitles.en: "
                                               "\"media/green-aircraft/film.en.srt\" is not listed in files"),
                             PackError);
    }
    SUBCASE("campaign empty") {
        doc["campaign"] = json::array();
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("campaign: must list at least one video"), PackError);
    }
    SUBCASE("campaign missing") {
        doc.erase("campaign");
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("campaign: missing"), PackError);
    }
    SUBCASE("campaign video not in files") {
        doc["campaign"][0]["video"] = "media/campaign/robot.mp4";
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("campaign[0].video: \"media/campaign/robot.mp4\" is not listed in files"),
            PackError);
    }
    SUBCASE("campaign subtitles in a language not in languages") {
        doc["campaign"][0]["subtitles"]["es"] = "media/campaign/robots.fr.vtt";
        CHECK_THROWS_WITH_AS(
            parse(doc), doctest::Contains("campaign[0].subtitles.es: language \"es\" is not in languages"), PackError);
    }
}

TEST_CASE("a pack without an interest section has no call to action") {
    json doc = valid_manifest();
    doc.erase("interest");
    const Manifest m = parse(doc);
    CHECK_FALSE(m.interest.has_value());
    CHECK(m.warnings.empty());
}

TEST_CASE("interest: the optional and limit cases that are accepted") {
    json doc = valid_manifest();
    json& in = doc["interest"];
    SUBCASE("no qr_url") {
        in.erase("qr_url");
        CHECK(parse(doc).interest->qr_url.empty());
    }
    SUBCASE("qr_url over http, without {event}") {
        in["qr_url"] = "http://talents.example/cv?t={token}";
        CHECK(parse(doc).interest->qr_url == "http://talents.example/cv?t={token}");
    }
    SUBCASE("eight questions of two options, then one of twelve") {
        in["questions"] = json::array();
        for (int i = 0; i < 8; ++i)
            in["questions"].push_back({{"id", "q" + std::to_string(i)},
                                       {"title", loc("Q", "Q")},
                                       {"options", {{{"id", "yes"}, {"label", loc("Oui", "Yes")}},
                                                    {{"id", "no"}, {"label", loc("Non", "No")}}}}});
        CHECK(parse(doc).interest->questions.size() == 8);
        for (int i = 2; i < 12; ++i)
            in["questions"][7]["options"].push_back({{"id", std::to_string(i)}, {"label", loc("x", "x")}});
        const Manifest m = parse(doc);
        CHECK(m.interest->questions[7].options.size() == 12);
        CHECK(m.interest->questions[7].options[11].id == "11");
        CHECK(m.interest->questions[0].options[1].id == "no");  // the same option ids in another question
    }
    SUBCASE("ids with '_', '-' anywhere, digits, up to 64 characters") {
        for (const std::string& id : Strings{"a_b", "-x", "_", "10_plus", "2-5", std::string(64, 'z')}) {
            CAPTURE(id);
            in["questions"][1]["id"] = id;
            in["questions"][1]["options"][0]["id"] = id;
            const Manifest m = parse(doc);
            CHECK(m.interest->questions[1].id == id);
            CHECK(m.interest->questions[1].options[0].id == id);
        }
    }
    SUBCASE("notice version 1") {
        in["notice"]["version"] = 1;
        CHECK(parse(doc).interest->notice.version == 1);
    }
}

TEST_CASE("refused: interest") {
    json doc = valid_manifest();
    json& in = doc["interest"];
    json& q0 = in["questions"][0];
    json& q1 = in["questions"][1];
    auto refused = [&](const std::string& message) {
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains(message.c_str()), PackError);
    };
    SUBCASE("not an object") {
        in = json::array();
        refused("interest: must be an object, not array");
    }
    SUBCASE("call_to_action missing") {
        in.erase("call_to_action");
        refused("interest.call_to_action: missing");
    }
    SUBCASE("call_to_action without the default language") {
        in["call_to_action"] = {{"en", "Work in Occitanie?"}};
        refused("interest.call_to_action: missing the default language \"fr\"");
    }
    SUBCASE("call_to_action as a plain string") {
        in["call_to_action"] = "Travailler en Occitanie ?";
        refused("interest.call_to_action: must be a localized text object");
    }
    SUBCASE("questions missing") {
        in.erase("questions");
        refused("interest.questions: missing");
    }
    SUBCASE("questions not an array") {
        in["questions"] = q0;
        refused("interest.questions: must be an array, not object");
    }
    SUBCASE("no question") {
        in["questions"] = json::array();
        refused("interest.questions: must list at least one question");
    }
    SUBCASE("nine questions") {
        const json q = q1;  // push_back moves the questions q1 refers to
        for (int i = 2; i < 9; ++i) {
            in["questions"].push_back(q);
            in["questions"].back()["id"] = "q" + std::to_string(i);
        }
        REQUIRE(in["questions"].size() == 9);
        refused("interest.questions: at most 8 questions");
    }
    SUBCASE("a question that is not an object") {
        in["questions"][1] = "when";
        refused("interest.questions[1]: must be an object, not string");
    }
    SUBCASE("question id missing") {
        q1.erase("id");
        refused("interest.questions[1].id: missing");
    }
    SUBCASE("question id empty") {
        q1["id"] = "";
        refused("interest.questions[1].id: must not be empty");
    }
    SUBCASE("question id invalid") {
        for (const std::string& id : Strings{"When", "when ?", "a.b", "été", "a/b", std::string(65, 'a')}) {
            CAPTURE(id);
            q1["id"] = id;
            refused("interest.questions[1] \"" + id + "\".id: \"" + id + "\" is not a valid id");
        }
    }
    SUBCASE("duplicate question id") {
        q1["id"] = "job_family";
        refused("interest.questions[1] \"job_family\".id: duplicate question id \"job_family\"");
    }
    SUBCASE("question title missing") {
        q0.erase("title");
        refused("interest.questions[0] \"job_family\".title: missing");
    }
    SUBCASE("question title without the default language") {
        q1["title"] = {{"en", "When?"}};
        refused("interest.questions[1] \"when\".title: missing the default language \"fr\"");
    }
    SUBCASE("options missing") {
        q1.erase("options");
        refused("interest.questions[1] \"when\".options: missing");
    }
    SUBCASE("one option") {
        q1["options"].erase(1);
        refused("interest.questions[1] \"when\".options: must list at least 2 options");
    }
    SUBCASE("thirteen options") {
        for (int i = 3; i < 13; ++i) q0["options"].push_back({{"id", std::to_string(i)}, {"label", loc("x", "x")}});
        REQUIRE(q0["options"].size() == 13);
        refused("interest.questions[0] \"job_family\".options: at most 12 options");
    }
    SUBCASE("an option that is not an object") {
        q0["options"][2] = "other";
        refused("interest.questions[0] \"job_family\".options[2]: must be an object, not string");
    }
    SUBCASE("option id missing") {
        q0["options"][2].erase("id");
        refused("interest.questions[0] \"job_family\".options[2].id: missing");
    }
    SUBCASE("option id invalid") {
        q0["options"][1]["id"] = "Data AI";
        refused("interest.questions[0] \"job_family\".options[1] \"Data AI\".id: \"Data AI\" is not a valid id");
    }
    SUBCASE("duplicate option id in a question") {
        q0["options"][2]["id"] = "software";
        refused("interest.questions[0] \"job_family\".options[2] \"software\".id: duplicate option id \"software\"");
    }
    SUBCASE("option label missing") {
        q1["options"][0].erase("label");
        refused("interest.questions[1] \"when\".options[0] \"now\".label: missing");
    }
    SUBCASE("option label without the default language") {
        q1["options"][1]["label"] = {{"en", "Later"}};
        refused("interest.questions[1] \"when\".options[1] \"later\".label: missing the default language \"fr\"");
    }
    SUBCASE("option label in a language not in languages") {
        q1["options"][1]["label"]["de"] = "Später";
        refused("interest.questions[1] \"when\".options[1] \"later\".label.de: language \"de\" is not in languages");
    }
    SUBCASE("notice missing") {
        in.erase("notice");
        refused("interest.notice: missing");
    }
    SUBCASE("notice not an object") {
        in["notice"] = "Vos données";
        refused("interest.notice: must be an object, not string");
    }
    SUBCASE("notice version missing") {
        in["notice"].erase("version");
        refused("interest.notice.version: missing");
    }
    SUBCASE("notice version 0 or negative") {
        for (int v : {0, -1}) {
            CAPTURE(v);
            in["notice"]["version"] = v;
            refused("interest.notice.version: must be 1 or more");
        }
    }
    SUBCASE("notice version not an integer") {
        for (const json& v : {json("1"), json(1.5), json(true)}) {
            CAPTURE(v.dump());
            in["notice"]["version"] = v;
            refused("interest.notice.version: must be an integer");
        }
    }
    SUBCASE("notice title without the default language") {
        in["notice"]["title"] = {{"en", "Your data"}};
        refused("interest.notice.title: missing the default language \"fr\"");
    }
    SUBCASE("notice text missing") {
        in["notice"].erase("text");
        refused("interest.notice.text: missing");
    }
    SUBCASE("notice text with an empty translation") {
        in["notice"]["text"]["en"] = "";
        refused("interest.notice.text.en: must not be empty");
    }
    SUBCASE("qr_url not a string") {
        in["qr_url"] = 42;
        refused("interest.qr_url: must be a string, not number");
    }
    SUBCASE("qr_url not http(s)") {
        for (const std::string& url : Strings{"ftp://talents.example/{token}", "talents.example/cv/{token}",
                                              "https://talents.example/cv/ {token}", "mailto:{token}@example"}) {
            CAPTURE(url);
            in["qr_url"] = url;
            refused("interest.qr_url: must be an http(s) URL");
        }
    }
    SUBCASE("qr_url without {token}") {
        for (const std::string& url :
             Strings{"https://talents.example/cv?e={event}", "https://talents.example/cv/{TOKEN}",
                     "https://talents.example/cv/token"}) {
            CAPTURE(url);
            in["qr_url"] = url;
            refused("interest.qr_url: must contain {token}");
        }
    }
    SUBCASE("qr_url too long for the QR code the kiosk draws, as the config's is") {
        in["qr_url"] = "https://talents.example/cv/{token}?e={event}&c=" + std::string(2400, 'x');
        refused("interest.qr_url: is too long for a QR code a phone reads from the screen: with a 16-character token "
                "and a 64-character event it makes 2513 bytes, and a QR code of version 10 holds 213");
        const std::string at_limit = "https://talents.example/cv/{token}?e={event}&c=";
        in["qr_url"] = at_limit + std::string(213 - (at_limit.size() - 14 + 16 + 64), 'x');
        CHECK(parse(doc).interest->qr_url == in["qr_url"]);
    }
}

TEST_CASE("refused: files entries") {
    json doc = valid_manifest();
    json& thumb = doc["files"]["media/green-aircraft/thumb.jpg"];
    const std::string field = "files.\"media/green-aircraft/thumb.jpg\"";
    SUBCASE("size -1") {
        thumb["size"] = -1;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ".size: must be a non-negative integer").c_str()),
                             PackError);
    }
    SUBCASE("size as a string") {
        thumb["size"] = "12";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ".size: must be a non-negative integer").c_str()),
                             PackError);
    }
    SUBCASE("size as a decimal") {
        thumb["size"] = 12.5;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ".size: must be a non-negative integer").c_str()),
                             PackError);
    }
    SUBCASE("size missing") {
        thumb.erase("size");
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ".size: missing").c_str()), PackError);
    }
    SUBCASE("sha256 of 63 digits") {
        thumb["sha256"] = kHashAbc.substr(1);
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ".sha256: must be 64 hex digits").c_str()),
                             PackError);
    }
    SUBCASE("sha256 of 65 digits") {
        thumb["sha256"] = kHashAbc + "0";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ".sha256: must be 64 hex digits").c_str()),
                             PackError);
    }
    SUBCASE("sha256 not hex") {
        std::string hex = kHashAbc;
        hex[10] = 'g';
        thumb["sha256"] = hex;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ".sha256: must be 64 hex digits").c_str()),
                             PackError);
    }
    SUBCASE("entry not an object") {
        thumb = 48211;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains((field + ": must be an object, not number").c_str()),
                             PackError);
    }
}

TEST_CASE("refused: paths in files") {
    json doc = valid_manifest();
    const json entry = file_entry(10);
    struct Case {
        std::string path, message;
    };
    const Case cases[] = {
        {"/etc/passwd", "files.\"/etc/passwd\": absolute path"},
        {"../x", "files.\"../x\": '..' component in path"},
        {"media/../../x", "files.\"media/../../x\": '..' component in path"},
        {"./a.jpg", "files.\"./a.jpg\": '.' component in path"},
        {"a\\b", "files.\"a\\b\": backslash in path (use /)"},
        {"a//b", "files.\"a//b\": empty path component (// or trailing /)"},
        {"trailing/", "files.\"trailing/\": empty path component (// or trailing /)"},
        {"", "files.\"\": empty path"},
        {"a\nb", "files.\"a\\x0ab\": control character in path"},
        {"a\x7f"
         "b",
         "files.\"a\\x7fb\": control character in path"},
        {"media/" + std::string(256, 'x'), "path component longer than 255 bytes"},
        {"manifest.json", "files.\"manifest.json\": the manifest files cannot be listed in files"},
        {"manifest.json.minisig", "files.\"manifest.json.minisig\": the manifest files cannot be listed in files"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.path);
        json bad = doc;
        bad["files"][c.path] = entry;
        CHECK_THROWS_WITH_AS(parse(bad), doctest::Contains(c.message.c_str()), PackError);
    }
}

TEST_CASE("refused: a path in files with a NUL character, shown escaped in the message") {
    json doc = valid_manifest();
    doc["files"][std::string("a\0b", 3)] = file_entry(10);
    const std::string text = doc.dump();
    REQUIRE(text.find("a\\u0000b") != std::string::npos);
    CHECK_THROWS_WITH_AS(parse_manifest(text), doctest::Contains("files.\"a\\x00b\": NUL character in path"),
                         PackError);
}

TEST_CASE("a refused value holding a NUL or a newline still gives the whole message") {
    json doc = valid_manifest();
    const std::string nul("a\0b", 3);
    SUBCASE("pack.id") {
        doc["pack"]["id"] = nul;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("is not a valid id"), PackError);
    }
    SUBCASE("showcase id") {
        doc["showcases"][1]["id"] = nul;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("is not a valid id"), PackError);
    }
    SUBCASE("language code") {
        doc["languages"][1] = nul;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("is not a language code"), PackError);
    }
    SUBCASE("created") {
        doc["pack"]["created"] = "2026-11-20T10:00:00Z" + nul;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("is not an RFC 3339 time"), PackError);
    }
    SUBCASE("media type") {
        doc["showcases"][0]["media"][0]["type"] = "image" + nul;
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("is neither \"image\" nor \"video\""), PackError);
    }
    SUBCASE("a language key of a localized text") {
        doc["pack"]["title"][nul] = "x";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("is not in languages"), PackError);
    }
    SUBCASE("a newline in an id is shown escaped") {
        doc["pack"]["id"] = "a\nb";
        CHECK_THROWS_WITH_AS(parse(doc), doctest::Contains("pack.id: \"a\\x0ab\" is not a valid id"), PackError);
    }
}

TEST_CASE("the manifest size limit is 8 MiB") {
    std::string text = valid_manifest().dump();
    REQUIRE(text.size() < kMaxManifestBytes);
    CHECK(kMaxManifestBytes == 8u * 1024 * 1024);
    text.resize(kMaxManifestBytes, ' ');
    CHECK(parse_manifest(text).pack.id == "occitanie-demo");
    text.push_back(' ');
    CHECK_THROWS_WITH_AS(parse_manifest(text), doctest::Contains("larger than the 8 MiB limit"), PackError);
}

TEST_CASE("printable shows control characters as \\xNN and leaves the rest") {
    CHECK(printable("media/été.jpg") == "media/été.jpg");
    CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
    CHECK(printable("a\nb\tc\x1f\x7f") == "a\\x0ab\\x09c\\x1f\\x7f");
    CHECK(printable("") == "");
}

TEST_CASE("pack_path_problem") {
    SUBCASE("accepted paths") {
        const std::string longest = std::string(255, 'a') + "/" + std::string(255, 'b') + "/" + std::string(255, 'c') +
                                    "/" + std::string(254, 'd') + "/e";
        CHECK(longest.size() == 1024);
        for (const std::string& p : Strings{"media/a.jpg", "a", "dir/sub/file.mp4", "été/ça.jpg", ".hidden/a",
                                            "a..b/c.", "manifest.json/x", std::string(255, 'x'), longest}) {
            CAPTURE(p);
            CHECK(pack_path_problem(p) == std::nullopt);
        }
    }
    SUBCASE("rejected paths, with what is wrong") {
        struct Case {
            std::string path, problem;
        };
        const std::string long_path = std::string(255, 'a') + "/" + std::string(255, 'b') + "/" +
                                      std::string(255, 'c') + "/" + std::string(255, 'd') + "/e";
        const Case cases[] = {
            {"", "empty path"},
            {"/etc/passwd", "absolute path"},
            {"/", "absolute path"},
            {"../x", "'..' component in path"},
            {"media/../../x", "'..' component in path"},
            {"media/..", "'..' component in path"},
            {".", "'.' component in path"},
            {"a/./b", "'.' component in path"},
            {"a\\b", "backslash in path (use /)"},
            {"..\\x", "backslash in path (use /)"},
            {"a//b", "empty path component (// or trailing /)"},
            {"trailing/", "empty path component (// or trailing /)"},
            {std::string("a\0b", 3), "NUL character in path"},
            {"a\nb", "control character in path"},
            {"a\tb", "control character in path"},
            {"a\x1f"
             "b",
             "control character in path"},
            {"a\x7f"
             "b",
             "control character in path"},
            {std::string(256, 'x'), "path component longer than 255 bytes"},
            {"media/" + std::string(256, 'x') + "/y", "path component longer than 255 bytes"},
            {long_path, "path longer than 1024 bytes"},
        };
        CHECK(long_path.size() == 1025);
        for (const auto& c : cases) {
            CAPTURE(c.path);
            CHECK(pack_path_problem(c.path) == std::optional<std::string>(c.problem));
        }
    }
}
