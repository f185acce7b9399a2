// The CV interest flow on the real kiosk (SDL's offscreen driver, the demo
// pack), driven by scripts: the QR code a phone reads is the saved record's
// URL, contact details are really sealed and never left in clear (outbox,
// log, screenshots), consents gate them, an idle reset forgets them, and a
// broken outbox is told to the visitor and the staff.
#include "rendered.hpp"
#include "support/seal_keys.hpp"
#include "support/demo_kiosk.hpp"

#include "kiosk/config.hpp"
#include "kiosk/ui/app.hpp"
#include "kiosk/ui/script.hpp"
#include "kiosk/ui/widgets.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace vitrine::test;
using nlohmann::json;

namespace {

// The flow with the demo pack, in French. Option labels and question titles
// are the manifest's (typographic apostrophes).
const std::string kStartFlow = "tap Touchez l’écran pour découvrir\n"
                               "tap Travailler en Occitanie ?\n"
                               "expect Dans quel domaine travaillez-vous ?\n"
                               "tap Développement logiciel\n"
                               "expect Combien d’années d’expérience avez-vous ?\n"
                               "tap 2 à 5 ans\n"
                               "expect Quand pourriez-vous vous installer en Occitanie ?\n"
                               "tap D’ici 6 mois\n"
                               "expect Où vivez-vous aujourd’hui ?\n"
                               "tap En Occitanie\n";
const json kAnswers = {{"job_family", "software"},
                       {"experience", "years_2_5"},
                       {"when", "within_6_months"},
                       {"residence", "occitanie"}};
const std::string kContactTitle = "On reste en contact ? (facultatif)";
const std::string kConsentTitle = "Vos données personnelles";
const std::string kConsentContact = "Me contacter au sujet d’offres d’emploi";
const std::string kConsentCv = "Partager mon CV anonymisé avec des recruteurs";

// What a visitor types in these tests: none of it may be found in clear.
const std::string kName = "Zoé Martin";
const std::string kEmail = "zoe.martin@example.org";
const std::string kOtherEmail = "z.m@exemple.fr";  // another length
const std::string kBadge = "BADGE-4242";
// The flow with an e-mail, up to the tap that saves the record.
const std::string kToSave = kStartFlow + "expect " + kContactTitle + "\n" +
                            "tap E-mail\n"
                            "type " + kEmail + "\n"
                            "wait 400\n"
                            "tap Suivant\n"
                            "tap " + kConsentContact + "\n" +
                            "tap Afficher mon QR code\n";

// The platform's side (support/seal_keys.hpp); `open` fails the test when
// a sealed part, as `queue list` shows it (base64), does not open with the
// secret key.
struct SealPair : TestKeyPair {
    std::string open(const std::string& base64) const {
        auto clear = open_base64(base64);
        REQUIRE_MESSAGE(clear, "the sealed part does not open with the platform's secret key");
        return *clear;
    }
};

// Every needle found in `data`, as "where: needle".
void find_needles(const std::string& where, const std::string& data, const std::vector<std::string>& needles,
                  std::vector<std::string>& hits) {
    for (const auto& n : needles)
        if (data.find(n) != std::string::npos) hits.push_back(where + ": " + n);
}

struct Sealing {
    SealPair seal;
};

// The demo kiosk, its contact details sealed to the test's key (unless a
// test clears fixed_sections).
struct Kiosk : Sealing, DemoKiosk {
    Kiosk() : DemoKiosk("[platform]\nseal_public_key = \"" + seal.public_base64() + "\"\n") {}

    std::vector<json> records(const std::string& kind) {
        std::vector<json> out;
        for (const auto& r : queue())
            if (r["kind"] == kind) out.push_back(r);
        return out;
    }
    json only_interest() {
        auto v = records("interest");
        REQUIRE(v.size() == 1);
        return v[0];
    }

    // Every file of the test's directory (outbox and its WAL, screenshots,
    // the installed pack, ...) but the script, which holds the typed text
    // by necessity: which of `needles` each holds.
    std::vector<std::string> files_holding(const std::vector<std::string>& needles) const {
        std::vector<std::string> hits;
        for (const auto& e : fs::recursive_directory_iterator(tmp.path)) {
            if (!e.is_regular_file() || e.path() == tmp / "script.txt") continue;
            find_needles(e.path().string(), read_file(e.path()), needles, hits);
        }
        return hits;
    }
};

std::string grouped(const std::string& token) {
    REQUIRE(token.size() == 16);
    return token.substr(0, 4) + "-" + token.substr(4, 4) + "-" + token.substr(8, 4) + "-" + token.substr(12, 4);
}

}  // namespace

TEST_CASE_FIXTURE(Kiosk, "the QR on screen is the record's URL") {
    // In this process, to read the labels of the last frame: the code shown
    // under the QR is only known once the record is made.
    std::string text = kStartFlow + "expect " + kContactTitle + "\n" +
                       "tap E-mail\n"
                       "type " + kEmail + "\n"
                       "wait 400\n"
                       "tap Suivant\n"
                       "expect " + kConsentTitle + "\n" +
                       "tap " + kConsentContact + "\n" +
                       "tap Afficher mon QR code\n"
                       "expect Déposez votre CV depuis votre téléphone\n"
                       "expect QR code\n"
                       "expect Terminé\n" +
                       shot_step("qr.png");
    ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
    vitrine::ui::AppOptions o;
    o.width = 1280;
    o.height = 720;
    o.headless = true;
    o.assets_dir = vitrine::ui::default_assets_dir();
    o.script = vitrine::ui::parse_script(text, "qr-script");
    o.script_source = "qr-script";
    o.shots_dir = tmp.path;
    REQUIRE(vitrine::ui::run_app(vitrine::load_config(config), o) == 0);
    std::vector<std::string> codes;
    for (const auto& w : vitrine::ui::registry().last_frame())
        if (w.label.starts_with("Code : ")) codes.push_back(w.label);

    json rec = only_interest();
    const std::string token = rec["token"];
    CHECK(token.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567") == std::string::npos);
    CHECK(rec["payload"]["consent"]["contact"] == true);

    // A phone's reading of the screen.
    auto z = run({"zbarimg", "--raw", "-q", shot("qr.png").string()});
    INFO(z.err);
    CHECK(z.exit_code == 0);
    CHECK(z.out == "https://talents.example/cv/" + token + "?e=demo-fair\n");

    // The code for typing it by hand, beside it.
    REQUIRE(codes.size() == 1);
    CHECK(codes[0] == "Code : " + grouped(token));
}

TEST_CASE_FIXTURE(Kiosk, "sealing is real and nothing personal is left in clear") {
    auto r = script(kStartFlow + "expect " + kContactTitle + "\n" +
                    "expect Passer\n"
                    "expect-not Suivant\n"
                    "tap Nom\n"
                    "type " + kName + "\n"
                    "wait 400\n"
                    "tap E-mail\n"
                    "type " + kOtherEmail + "\n"
                    "wait 400\n"
                    "expect Suivant\n" +
                    shot_step("contact-b.png") +
                    "tap Vider\n" +
                    shot_step("contact-empty.png") +
                    "type " + kEmail + "\n"
                    "wait 400\n" +
                    shot_step("contact-a.png") +
                    "scan " + kBadge + "\n"
                    "expect Badge scanné\n" +
                    shot_step("contact-badge.png") +
                    "tap Suivant\n"
                    "expect " + kConsentTitle + "\n" +
                    "tap " + kConsentContact + "\n" +
                    shot_step("consent.png") +
                    "tap Afficher mon QR code\n"
                    "expect QR code\n" +
                    shot_step("qr.png") +
                    "tap Terminé\n"
                    "expect Touchez l’écran pour découvrir\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    json rec = only_interest();
    CHECK(rec["payload"]["answers"] == kAnswers);
    CHECK(rec["payload"]["consent"]["contact"] == true);
    CHECK(rec["payload"]["consent"]["share_cv"] == false);
    REQUIRE(rec["sealed"].is_object());
    CHECK(rec["sealed"].size() == 1);
    REQUIRE(rec["sealed"].contains("contact"));
    json clear = json::parse(seal.open(rec["sealed"]["contact"]));
    CHECK(clear == json{{"name", kName}, {"email", kEmail}, {"badge", kBadge}});

    // Nowhere in clear: outbox (and WAL), screenshots, log.
    const std::vector<std::string> needles = {kName, "Zoé", kEmail, "zoe.martin", kOtherEmail, "exemple.fr", kBadge};
    CHECK(fs::exists(data / "outbox.db"));
    auto hits = files_holding(needles);
    find_needles("stderr", r.err, needles, hits);
    find_needles("stdout", r.out, needles, hits);
    CHECK_MESSAGE(hits.empty(), [&] {
        std::string s;
        for (const auto& h : hits) s += h + "\n";
        return s;
    }());

    // Screenshots mask what was typed: two e-mails of different lengths
    // look the same, and the mask is there (an empty field looks otherwise).
    Image a(shot("contact-a.png")), b(shot("contact-b.png")), empty(shot("contact-empty.png"));
    CHECK_MESSAGE(a.same(b), a.pixels_differing(b) << " pixels differ");
    CHECK(a.pixels_differing(empty) > 50);
}

TEST_CASE_FIXTURE(Kiosk, "both consents unticked: no personal data") {
    const std::string typed = kStartFlow + "expect " + kContactTitle + "\n" +
                              "tap Nom\n"
                              "type " + kName + "\n"
                              "wait 400\n"
                              "tap E-mail\n"
                              "type " + kEmail + "\n"
                              "wait 400\n"
                              "scan " + kBadge + "\n"
                              "expect Badge scanné\n"
                              "tap Suivant\n"
                              "expect " + kConsentTitle + "\n";
    auto r = script(typed +
                    "tap Afficher mon QR code\n"
                    "expect QR code\n"
                    "tap Terminé\n"
                    "expect Touchez l’écran pour découvrir\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json rec = only_interest();
    CHECK(rec["payload"]["answers"] == kAnswers);
    CHECK(rec["payload"]["consent"] == json{{"contact", false}, {"share_cv", false}, {"notice_version", 1}});
    CHECK(rec["sealed"] == json::object());

    // Sharing the CV alone is no consent to be contacted either.
    auto r2 = script(typed + "tap " + kConsentCv + "\n" +
                     "tap Afficher mon QR code\n"
                     "expect QR code\n");
    INFO(r2.err);
    REQUIRE(r2.exit_code == 0);
    auto recs = records("interest");  // oldest first
    REQUIRE(recs.size() == 2);
    CHECK(recs[0]["token"] == rec["token"]);
    CHECK(recs[1]["payload"]["answers"] == kAnswers);
    CHECK(recs[1]["payload"]["consent"] == json{{"contact", false}, {"share_cv", true}, {"notice_version", 1}});
    CHECK(recs[1]["sealed"] == json::object());
    CHECK(files_holding({kName, kEmail, kBadge}).empty());
}

TEST_CASE_FIXTURE(Kiosk, "idle in the middle: no record, nothing left") {
    auto r = script(kStartFlow + "expect " + kContactTitle + "\n" +
                    shot_step("fresh.png") +
                    "tap E-mail\n"
                    "type " + kEmail + "\n"
                    "wait 400\n"
                    "tap Nom\n"
                    "type " + kName + "\n"
                    "wait 400\n"
                    "scan " + kBadge + "\n"
                    "expect Badge scanné\n"
                    "advance 61\n"
                    "expect Vous êtes toujours là ?\n"
                    "advance 20\n"
                    "wait 300\n"
                    "expect Touchez l’écran pour découvrir\n"
                    "expect-not " + kContactTitle + "\n" +
                    kStartFlow + "expect " + kContactTitle + "\n" +
                    "expect Passer\n"
                    "expect-not Suivant\n"
                    "expect-not Badge scanné\n" +
                    shot_step("again.png"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The second visitor finds empty fields, the first name field focused.
    Image fresh(shot("fresh.png")), again(shot("again.png"));
    CHECK_MESSAGE(fresh.same(again), fresh.pixels_differing(again) << " pixels differ");

    CHECK(records("interest").empty());
    int started = 0, abandoned = 0, completed = 0;
    for (const auto& s : records("stats")) {
        started += s["payload"]["flows"]["started"].get<int>();
        abandoned += s["payload"]["flows"]["abandoned"].get<int>();
        completed += s["payload"]["flows"]["completed"].get<int>();
    }
    CHECK(started == 2);
    CHECK(abandoned == 2);
    CHECK(completed == 0);
    auto hits = files_holding({kName, kEmail, kBadge});
    find_needles("stderr", r.err, {kName, kEmail, kBadge}, hits);
    CHECK(hits.empty());
}

TEST_CASE_FIXTURE(Kiosk, "no sealing key: no contact fields") {
    fixed_sections.clear();
    write_config();
    auto r = script(kStartFlow +
                    "expect " + kConsentTitle + "\n" +
                    "expect-not " + kContactTitle + "\n" +
                    "expect-not Nom\n"
                    "expect-not E-mail\n"
                    "scan " + kBadge + "\n"
                    // Back goes to the last question, not to a contact step.
                    "tap Retour\n"
                    "expect Où vivez-vous aujourd’hui ?\n"
                    "tap En Occitanie\n"
                    "expect " + kConsentTitle + "\n" +
                    "tap " + kConsentContact + "\n" +
                    "tap Afficher mon QR code\n"
                    "expect QR code\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json rec = only_interest();
    CHECK(rec["payload"]["answers"] == kAnswers);
    CHECK(rec["payload"]["consent"]["contact"] == true);
    CHECK(rec["sealed"] == json::object());
}

TEST_CASE_FIXTURE(Kiosk, "badge scan fills the badge field") {
    auto r = script(kStartFlow + "expect " + kContactTitle + "\n" +
                    "expect-not Badge scanné\n"
                    "scan BADGE-77\n"
                    "expect Badge scanné\n"
                    "expect Suivant\n"
                    "tap Suivant\n"
                    "expect " + kConsentTitle + "\n" +
                    "tap " + kConsentContact + "\n" +
                    "tap Afficher mon QR code\n"
                    "expect QR code\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json rec = only_interest();
    REQUIRE(rec["sealed"].contains("contact"));
    CHECK(json::parse(seal.open(rec["sealed"]["contact"])) == json{{"badge", "BADGE-77"}});
}

TEST_CASE_FIXTURE(Kiosk, "a damaged outbox is set aside whole, and the visitor's record goes into a new one") {
    std::string junk(64 * 1024, '\0');
    randombytes_buf(junk.data(), junk.size());
    write_file(data / "outbox.db", junk);
    auto r = script(kToSave + "expect QR code\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("the outbox was damaged (it is not an SQLite database): it was set aside, whole and unchanged, "
                     "in " + (data / "quarantine").string()) != std::string::npos);
    const auto aside = entries(data / "quarantine");
    REQUIRE(aside.size() == 1);
    CHECK(read_file(data / "quarantine" / aside[0] / "outbox.db") == junk);
    json rec = only_interest();
    CHECK(rec["sealed"].contains("contact"));
    CHECK(r.err.find(kEmail) == std::string::npos);
    CHECK(files_holding({kEmail, "zoe.martin"}).empty());
}

TEST_CASE_FIXTURE(Kiosk, "a save that fails says so and keeps nothing") {
    fs::create_directories(data / "outbox.db");  // a directory where the file should be: it cannot be opened
    auto r = script(kToSave +
                    "expect Désolé, un souci technique\n"
                    "expect-not QR code\n"
                    "expect-not Déposez votre CV depuis votre téléphone\n"
                    "tap D’accord\n"
                    "expect Touchez l’écran pour découvrir\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Staff read which file is wrong; the visitor's data is in no log.
    CHECK(r.err.find("the outbox cannot be used") != std::string::npos);
    CHECK(r.err.find((data / "outbox.db").string()) != std::string::npos);
    CHECK(r.err.find(kEmail) == std::string::npos);
    // Nothing was made in its place, and nothing went elsewhere.
    CHECK(fs::is_directory(data / "outbox.db"));
    for (const char* side : {"outbox.db-wal", "outbox.db-journal", "quarantine"}) CHECK_FALSE(fs::exists(data / side));
    CHECK(files_holding({kEmail, "zoe.martin"}).empty());
}

TEST_CASE_FIXTURE(Kiosk, "a flow started beside a showcase's film ends with the idle reset") {
    // The film (6 s) stops with the flow: played on behind it, unseen, it
    // would count as attention and hold the idle reset back.
    auto r = script("tap Touchez l’écran pour découvrir\n"
                    "tap Aéronautique\n"
                    "tap Un avion régional hybride-électrique\n"
                    "wait 300\n"
                    "tap Travailler en Occitanie ?\n"
                    "expect Dans quel domaine travaillez-vous ?\n"
                    "advance 61\n"
                    "expect Vous êtes toujours là ?\n"
                    "advance 20\n"
                    "wait 300\n"
                    "expect Touchez l’écran pour découvrir\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
}
