// The demo pack as the build makes it: signed, verified like any pack, and
// complete in French and English with the media the kiosk needs.
#include "content/pack_dir.hpp"
#include "content/store.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

using namespace vitrine;
using namespace vitrine::test;

namespace {

const fs::path kDemo = VITRINE_DEMO_DIR;

struct Demo {
    content::SignedManifest sm;
    Demo() {
        std::string pub = read_file(kDemo / "keys/demo.pub");
        content::PublicKey k = content::parse_public_key(pub);
        content::PackDir dir(kDemo / "pack");
        std::vector<content::PublicKey> keys{k};
        sm = content::read_signed_manifest(dir, keys);
    }
    const content::Manifest& m() const { return sm.manifest; }
};

void both_languages(const content::Localized& t, const std::string& where) {
    CAPTURE(where);
    REQUIRE(t.count("fr"));
    REQUIRE(t.count("en"));
    CHECK(t.at("fr").size() > 0);
    CHECK(t.at("en").size() > 0);
}

bool starts_with_bytes(const fs::path& p, std::string_view magic, std::size_t offset = 0) {
    std::string head = read_file(p).substr(0, offset + magic.size());
    return head.size() == offset + magic.size() && head.substr(offset) == magic;
}

}  // namespace

TEST_CASE_FIXTURE(Demo, "the demo pack passes vitrine pack verify") {
    auto r = run({vitrine_bin(), "--config", (kDemo / "vitrine.toml").string(), "pack", "verify", "--json",
                  (kDemo / "pack").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["ok"] == true);
    CHECK(j["id"] == "occitanie-demo");
    CHECK(j["warnings"].empty());
}

TEST_CASE_FIXTURE(Demo, "about forty showcases over the region's sectors and cities") {
    CHECK(m().languages == std::vector<std::string>{"fr", "en", "es", "de"});  // es, de: the interest texts
    CHECK(m().showcases.size() >= 38);
    CHECK(m().showcases.size() <= 45);
    CHECK(m().sectors.size() >= 12);
    std::set<std::string> cities_used, sectors_used;
    for (const auto& s : m().showcases) {
        cities_used.insert(s.city);
        sectors_used.insert(s.sectors.begin(), s.sectors.end());
    }
    CHECK(cities_used.size() == m().cities.size());  // every city has a showcase
    CHECK(sectors_used.size() == m().sectors.size());
    for (const char* city : {"toulouse", "montpellier", "albi", "castres", "nimes", "perpignan", "tarbes", "rodez",
                             "beziers", "sete"}) {
        CAPTURE(city);
        CHECK(m().city(city));
    }
    both_languages(m().pack.about, "pack.about");
    std::string about = m().pack.about.at("en");
    std::transform(about.begin(), about.end(), about.begin(), ::tolower);
    CHECK(about.find("fictional") != std::string::npos);
}

TEST_CASE_FIXTURE(Demo, "every text of the demo pack exists in French and English") {
    both_languages(m().pack.title, "pack.title");
    for (const auto& s : m().sectors) both_languages(s.name, "sector " + s.id);
    for (const auto& c : m().cities) both_languages(c.name, "city " + c.id);
    for (const auto& s : m().showcases) {
        both_languages(s.title, s.id + ".title");
        both_languages(s.summary, s.id + ".summary");
        both_languages(s.body, s.id + ".body");
        if (!s.company.about.empty()) both_languages(s.company.about, s.id + ".company.about");
        CHECK(s.body.at("fr").find("\n\n") != std::string::npos);  // real paragraphs
        CHECK(s.body.at("fr") != s.body.at("en"));
        for (const auto& f : s.figures) both_languages(f.label, s.id + ".figures");
        for (const auto& media : s.media)
            if (!media.caption.empty()) both_languages(media.caption, s.id + ".media.caption");
    }
    for (const auto& c : m().campaign) both_languages(c.tagline, "campaign " + c.video);
}

TEST_CASE_FIXTURE(Demo, "showcases have figures, a thumbnail, images, and about ten have a video") {
    int videos = 0;
    for (const auto& s : m().showcases) {
        CAPTURE(s.id);
        CHECK(s.figures.size() >= 2);
        CHECK(s.figures.size() <= 3);
        CHECK(starts_with_bytes(kDemo / "pack" / s.thumbnail, "\xFF\xD8\xFF"));  // JPEG
        int images = 0;
        for (const auto& media : s.media) {
            if (media.kind == content::Media::Kind::Image) {
                ++images;
                CHECK(starts_with_bytes(kDemo / "pack" / media.path, "\xFF\xD8\xFF"));
            } else {
                ++videos;
                CHECK(starts_with_bytes(kDemo / "pack" / media.path, "ftyp", 4));  // MP4
                CHECK(media.subtitles.count("fr"));
                CHECK(media.subtitles.count("en"));
            }
        }
        CHECK(images >= 1);
    }
    CHECK(videos >= 8);
    CHECK(videos <= 14);
}

TEST_CASE_FIXTURE(Demo, "the campaign loop: three or four videos with French and English subtitles") {
    CHECK(m().campaign.size() >= 3);
    CHECK(m().campaign.size() <= 4);
    for (const auto& c : m().campaign) {
        CAPTURE(c.video);
        CHECK(starts_with_bytes(kDemo / "pack" / c.video, "ftyp", 4));
        REQUIRE(c.subtitles.count("fr"));
        REQUIRE(c.subtitles.count("en"));
        CHECK(starts_with_bytes(kDemo / "pack" / c.subtitles.at("fr"), "WEBVTT"));
        CHECK(starts_with_bytes(kDemo / "pack" / c.subtitles.at("en"), "WEBVTT"));
    }
}

TEST_CASE_FIXTURE(Demo, "the interest section: four questions, complete in French and English") {
    REQUIRE(m().interest);
    const content::Interest& in = *m().interest;
    both_languages(in.call_to_action, "interest.call_to_action");
    CHECK(in.call_to_action.at("fr") == "Travailler en Occitanie ?");
    CHECK(in.call_to_action.at("en") == "Work in Occitanie?");

    const std::vector<std::pair<std::string, std::size_t>> expected = {
        {"job_family", 6}, {"experience", 4}, {"when", 4}, {"residence", 4}};
    REQUIRE(in.questions.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& q = in.questions[i];
        CAPTURE(q.id);
        CHECK(q.id == expected[i].first);
        CHECK(q.options.size() == expected[i].second);
        both_languages(q.title, q.id + ".title");
        for (const auto& o : q.options) both_languages(o.label, q.id + "." + o.id + ".label");
    }

    CHECK(in.notice.version == 1);
    both_languages(in.notice.title, "interest.notice.title");
    both_languages(in.notice.text, "interest.notice.text");
    for (const auto& entry : in.notice.text) {
        const std::string& lang = entry.first;  // not a structured binding: clang 14 cannot capture one
        const std::string& text = entry.second;
        CAPTURE(lang);
        CHECK(text.find("Agence régionale des talents") != std::string::npos);  // who
        CHECK(text.find("24") != std::string::npos);                            // how long
        CHECK(text.find("dpo@talents.example") != std::string::npos);           // how to withdraw
    }
    CHECK(in.qr_url == "https://talents.example/cv/{token}?e={event}");
}
