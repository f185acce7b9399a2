// The visitor session state model, driven with no rendering: navigation,
// filters, language and fallback, idle countdown and reset, and a new pack
// that waits for the attract loop.
#include "kiosk/session.hpp"
#include "support/support.hpp"

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
