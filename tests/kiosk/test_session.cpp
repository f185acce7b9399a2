// The visitor session state model, driven with no rendering: navigation,
// filters, language and fallback, idle countdown and reset, and a new pack
// that waits for the attract loop.
#include "kiosk/session.hpp"
#include "support/support.hpp"

#include "support/seal_keys.hpp"

#include <doctest/doctest.h>

using namespace vitrine;
using namespace vitrine::test;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const content::LoadedPack> loaded(const fs::path& dir, PackSpec spec) {
    auto doc = make_pack(dir, spec);
    auto pack = std::make_shared<content::LoadedPack>();
    pack->manifest = content::parse_manifest(doc.dump());
    pack->root = dir;
    pack->dir_name = spec.id + "-" + std::to_string(spec.version);
    return pack;
}

struct SessionFixture {
    TempDir tmp;
    ManualClock clock;
    // Six showcases: even ones aerospace in Toulouse, odd ones health in Montpellier.
    std::shared_ptr<const content::LoadedPack> pack = loaded(tmp / "v1", PackSpec{.showcases = 6});
    SessionOptions options{"fr", 60s, 15s};
    Session s{options, pack, clock};

    std::vector<std::string> visible_ids() const {
        std::vector<std::string> ids;
        for (const auto* v : s.visible()) ids.push_back(v->id);
        return ids;
    }
};

}  // namespace

TEST_CASE_FIXTURE(SessionFixture, "a touch leaves the attract loop; open, next, previous, back") {
    CHECK(s.screen() == Screen::Attract);
    s.touch();
    CHECK(s.screen() == Screen::Grid);
    CHECK(s.visible().size() == 6);
    s.open("showcase-4");
    REQUIRE(s.screen() == Screen::Showcase);
    CHECK(s.current()->id == "showcase-4");
    s.next();
    CHECK(s.current()->id == "showcase-5");
    s.next();
    CHECK(s.current()->id == "showcase-0");  // wraps
    s.previous();
    CHECK(s.current()->id == "showcase-5");
    s.back();
    CHECK(s.screen() == Screen::Grid);
    CHECK(s.current() == nullptr);
    s.open("no-such-showcase");
    CHECK(s.screen() == Screen::Grid);
}

TEST_CASE_FIXTURE(SessionFixture, "filters: sectors and cities combined, an empty result, clearing") {
    s.touch();
    s.toggle_sector("health");
    CHECK(visible_ids() == std::vector<std::string>{"showcase-1", "showcase-3", "showcase-5"});
    s.toggle_city("montpellier");
    CHECK(visible_ids().size() == 3);
    s.toggle_city("montpellier");
    s.toggle_city("toulouse");
    CHECK(s.visible().empty());  // health in Toulouse: nothing
    s.toggle_sector("aerospace");  // aerospace or health, in Toulouse
    CHECK(visible_ids() == std::vector<std::string>{"showcase-0", "showcase-2", "showcase-4"});
    s.clear_filters();
    CHECK(s.filter().empty());
    CHECK(s.visible().size() == 6);
}

TEST_CASE_FIXTURE(SessionFixture, "next and previous walk the filtered list; a filter that hides the open showcase goes back to the grid") {
    s.touch();
    s.toggle_sector("health");
    s.open("showcase-3");
    s.next();
    CHECK(s.current()->id == "showcase-5");
    s.next();
    CHECK(s.current()->id == "showcase-1");
    s.toggle_sector("health");
    s.toggle_sector("aerospace");
    CHECK(s.screen() == Screen::Grid);
}

TEST_CASE_FIXTURE(SessionFixture, "language switch and the pack's fallback to its default language") {
    s.touch();
    s.open("showcase-2");
    CHECK(s.text(s.current()->title) == "Titre 2");
    s.set_language("en");
    CHECK(s.language() == "en");
    CHECK(s.text(s.current()->title) == "Title 2");
    CHECK(s.text(s.current()->body) == "Corps du texte.");  // body has no English: French
    s.set_language("de");
    CHECK(s.text(s.current()->title) == "Titre 2");
}

TEST_CASE_FIXTURE(SessionFixture, "idle: still there after the timeout, reset after the countdown, everything forgotten") {
    s.touch();
    s.set_language("en");
    s.toggle_sector("health");
    s.open("showcase-1");
    const auto gen = s.generation();
    clock.advance(59s);
    s.tick();
    CHECK_FALSE(s.still_there());
    clock.advance(1s);
    s.tick();
    CHECK(s.still_there());
    CHECK(s.countdown_left_s() == 15);
    clock.advance(5s);
    s.tick();
    CHECK(s.countdown_left_s() == 10);
    CHECK(s.screen() == Screen::Showcase);
    clock.advance(10s);
    s.tick();
    CHECK(s.screen() == Screen::Attract);
    CHECK_FALSE(s.still_there());
    CHECK(s.language() == "fr");
    CHECK(s.filter().empty());
    CHECK(s.visible().size() == 6);
    CHECK(s.current() == nullptr);
    CHECK(s.generation() == gen + 1);
}

TEST_CASE_FIXTURE(SessionFixture, "a touch during the countdown keeps the visitor's session") {
    s.touch();
    s.toggle_city("toulouse");
    clock.advance(65s);
    s.tick();
    REQUIRE(s.still_there());
    s.touch();
    CHECK_FALSE(s.still_there());
    clock.advance(30s);
    s.tick();
    CHECK(s.screen() == Screen::Grid);
    CHECK(s.filter().cities.count("toulouse"));
}

TEST_CASE_FIXTURE(SessionFixture, "a playing video is not idleness") {
    s.touch();
    s.open("showcase-0");
    s.set_watching(true);
    clock.advance(120s);
    s.tick();
    CHECK_FALSE(s.still_there());
    s.set_watching(false);
    clock.advance(59s);
    s.tick();
    CHECK_FALSE(s.still_there());
    clock.advance(2s);
    s.tick();
    CHECK(s.still_there());
}

TEST_CASE_FIXTURE(SessionFixture, "a new pack waits for the attract loop") {
    auto v2 = loaded(tmp / "v2", PackSpec{.version = 2, .showcases = 3});
    s.touch();
    s.open("showcase-5");
    s.offer_pack(v2);
    CHECK(s.pack_pending());
    s.tick();
    CHECK(s.manifest().pack.version == 1);  // the visitor keeps the old one
    CHECK(s.current()->id == "showcase-5");
    clock.advance(75s);
    s.tick();  // idle reset: back to the attract loop, with the new pack
    CHECK(s.screen() == Screen::Attract);
    CHECK_FALSE(s.pack_pending());
    CHECK(s.manifest().pack.version == 2);
    CHECK(s.visible().size() == 3);
}

TEST_CASE_FIXTURE(SessionFixture, "a new pack offered during the attract loop applies at once") {
    auto v2 = loaded(tmp / "v2", PackSpec{.version = 2, .showcases = 3});
    s.offer_pack(v2);
    CHECK(s.manifest().pack.version == 2);
    CHECK_FALSE(s.pack_pending());
}

// ---------------------------------------------------------------- interest

namespace {

// A pack with the interest section: two questions of two options.
std::shared_ptr<const content::LoadedPack> interest_pack(const fs::path& dir) {
    auto doc = make_pack(dir, PackSpec{.showcases = 2});
    doc["interest"] = {
        {"call_to_action", {{"fr", "Travailler ici ?"}}},
        {"questions",
         {{{"id", "job"},
           {"title", {{"fr", "Métier ?"}}},
           {"options", {{{"id", "software"}, {"label", {{"fr", "Logiciel"}}}}, {{"id", "data"}, {"label", {{"fr", "Données"}}}}}}},
          {{"id", "when"},
           {"title", {{"fr", "Quand ?"}}},
           {"options", {{{"id", "now"}, {"label", {{"fr", "Maintenant"}}}}, {{"id", "later"}, {"label", {{"fr", "Plus tard"}}}}}}}}},
        {"notice", {{"version", 3}, {"title", {{"fr", "Vos données"}}}, {"text", {{"fr", "Qui, pourquoi, combien de temps."}}}}},
        {"qr_url", "https://talents.example/cv/{token}?e={event}"},
    };
    auto pack = std::make_shared<content::LoadedPack>();
    pack->manifest = content::parse_manifest(doc.dump());
    pack->root = dir;
    pack->dir_name = "test-pack-1";
    return pack;
}

struct InterestFixture {
    TempDir tmp;
    ManualClock clock;
    platform::StatsCollector stats{clock};
    std::vector<platform::Record> saved;
    bool disk_full = false;
    TestKeyPair keys;
    std::unique_ptr<Session> s;

    void make(bool with_key) {
        SessionServices services;
        services.interest.device_id = "kiosk-7";
        services.interest.event = "fair 2026";
        if (with_key) services.interest.seal_key = keys.key();
        services.commit = [this](const platform::Record& r) {
            if (disk_full) throw std::runtime_error("the data partition is full");
            saved.push_back(r);
        };
        services.stats = &stats;
        s = std::make_unique<Session>(SessionOptions{"fr", 60s, 15s}, interest_pack(tmp / "p"), clock, std::move(services));
        s->touch();
    }
    std::string open(const platform::Bytes& sealed) {
        auto clear = keys.open(sealed);
        REQUIRE_MESSAGE(clear, "the sealed part does not open with the platform's secret key");
        return *clear;
    }
    std::int64_t flows(const char* what) {
        std::int64_t n = 0;
        for (const auto& hour : stats.take(true)) n += hour.at("flows").at(what).get<std::int64_t>();
        return n;
    }
};

}  // namespace

TEST_CASE_FIXTURE(InterestFixture, "without a sealing key: answers, consent, a committed record, then its QR") {
    make(false);
    REQUIRE(s->interest_offered());
    s->open("showcase-1");
    s->start_interest();
    REQUIRE(s->screen() == Screen::Interest);
    auto& flow = s->interest();
    CHECK(flow.step() == InterestFlow::Step::Question);
    flow.answer("no-such-option");  // ignored
    CHECK(flow.question() == 0);
    flow.answer("data");
    flow.answer("later");
    CHECK(flow.step() == InterestFlow::Step::Consent);  // no key, no contact step
    CHECK_FALSE(flow.consent_contact());
    CHECK_FALSE(flow.consent_cv());
    flow.toggle_consent_cv();
    CHECK(saved.empty());
    flow.confirm("test-pack", 1, "fr");
    REQUIRE(flow.step() == InterestFlow::Step::Qr);
    REQUIRE(saved.size() == 1);
    const auto& r = saved.front();
    CHECK(r.kind == platform::Kind::Interest);
    CHECK(r.device_id == "kiosk-7");
    CHECK(r.token == flow.token());
    CHECK(r.token.size() == 16);
    CHECK(r.payload.at("answers") == nlohmann::json({{"job", "data"}, {"when", "later"}}));
    CHECK(r.payload.at("consent") == nlohmann::json({{"contact", false}, {"share_cv", true}, {"notice_version", 3}}));
    CHECK(r.sealed.empty());
    CHECK(flow.qr_text() == "https://talents.example/cv/" + r.token + "?e=fair%202026");
    s->interest_done();
    CHECK(s->screen() == Screen::Attract);
    CHECK_FALSE(s->interest().active());
    CHECK(flows("started") == 1);
    // take() gave them once: the rest of the funnel is in the same hour
}

TEST_CASE_FIXTURE(InterestFixture, "contact details are sealed on leaving their step, and kept only with consent") {
    make(true);
    for (bool consent : {true, false}) {
        CAPTURE(consent);
        s->touch();
        s->start_interest();
        auto& flow = s->interest();
        flow.answer("software");
        flow.answer("now");
        REQUIRE(flow.step() == InterestFlow::Step::Contact);
        flow.type("Zoé");
        flow.backspace();  // one character, two bytes
        CHECK(flow.field(InterestFlow::Field::Name) == "Zo");
        flow.type("é Martin");
        flow.focus(InterestFlow::Field::Email);
        flow.type("zoe@example.org");
        flow.key_text("BADGE-42");  // a scanner: a burst, then Enter
        flow.key_enter();
        CHECK(flow.badge_scanned());
        CHECK(flow.field(InterestFlow::Field::Email) == "zoe@example.org");
        flow.contact_done();
        CHECK(flow.step() == InterestFlow::Step::Consent);
        CHECK(flow.field(InterestFlow::Field::Name).empty());  // only sealed bytes are left
        CHECK(flow.field(InterestFlow::Field::Email).empty());
        if (consent) flow.toggle_consent_contact();
        flow.confirm("test-pack", 1, "fr");
        REQUIRE(flow.step() == InterestFlow::Step::Qr);
        const auto& r = saved.back();
        if (consent) {
            REQUIRE(r.sealed.count("contact") == 1);
            CHECK(nlohmann::json::parse(open(r.sealed.at("contact"))) ==
                  nlohmann::json({{"name", "Zoé Martin"}, {"email", "zoe@example.org"}, {"badge", "BADGE-42"}}));
        } else {
            CHECK(r.sealed.empty());
        }
        s->interest_done();
    }
    CHECK(saved.size() == 2);
}

TEST_CASE_FIXTURE(InterestFixture, "slow typing goes into the focused field; only a burst ending in Enter is a badge") {
    make(true);
    s->start_interest();
    auto& flow = s->interest();
    flow.answer("software");
    flow.answer("now");
    flow.key_text("a");
    clock.advance(100ms);
    s->tick();
    CHECK(flow.field(InterestFlow::Field::Name).empty());  // may still be a scanner
    flow.key_text("b");
    clock.advance(300ms);
    s->tick();
    CHECK(flow.field(InterestFlow::Field::Name) == "ab");
    CHECK_FALSE(flow.badge_scanned());
    flow.key_enter();  // Enter alone is no badge
    CHECK_FALSE(flow.badge_scanned());
}

TEST_CASE_FIXTURE(InterestFixture, "walking away mid-flow commits nothing and forgets what was typed") {
    make(true);
    s->start_interest();
    auto& flow = s->interest();
    flow.answer("software");
    flow.answer("now");
    flow.type("Zoé");
    clock.advance(61s);
    s->tick();
    CHECK(s->still_there());
    clock.advance(15s);
    s->tick();
    CHECK(s->screen() == Screen::Attract);
    CHECK_FALSE(flow.active());
    CHECK(flow.field(InterestFlow::Field::Name).empty());
    CHECK(flow.answers().empty());
    CHECK(saved.empty());
    CHECK(flows("abandoned") == 1);
}

TEST_CASE_FIXTURE(InterestFixture, "a record that cannot be saved shows no QR; back out returns where the flow began") {
    make(false);
    s->open("showcase-0");
    s->start_interest();
    auto& flow = s->interest();
    s->interest_back();
    CHECK(s->screen() == Screen::Showcase);  // back from the first question
    CHECK(s->current()->id == "showcase-0");
    s->start_interest();
    flow.answer("software");
    flow.answer("now");
    disk_full = true;
    flow.confirm("test-pack", 1, "fr");
    CHECK(flow.step() == InterestFlow::Step::Failed);
    CHECK(flow.qr_text().empty());
    CHECK(flow.token().empty());
    CHECK(flow.failure().find("full") != std::string::npos);
    CHECK(saved.empty());
}
