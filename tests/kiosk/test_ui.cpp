// The kiosk rendered for real on SDL's offscreen driver (Mesa llvmpipe),
// driven by scripts through the `vitrine` binary, with the demo pack: every
// screen reachable by label, translations, screenshots, video decoding,
// idle reset, and script errors that name their line.
#include "rendered.hpp"
#include "support/demo_kiosk.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <thread>

using namespace vitrine::test;

namespace {

const fs::path kDemo = demo_dir();

using Kiosk = DemoKiosk;

}  // namespace

TEST_CASE_FIXTURE(Kiosk, "every screen is reachable by its labels, and each looks different") {
    auto r = script("wait 500\n"
                    "expect Touchez l’écran pour découvrir\n"
                    "shot " + shot("attract.png").string() + "\n"
                    "tap Touchez l’écran pour découvrir\n"
                    "expect Aéronautique\n"
                    "shot " + shot("grid.png").string() + "\n"
                    "tap Aéronautique\n"
                    "tap " "Un avion régional hybride-électrique\n"
                    "expect Retour\n"
                    "expect Suivant\n"
                    "shot " + shot("showcase.png").string() + "\n"
                    "tap Retour\n"
                    "expect-not Retour\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Image attract(shot("attract.png")), grid(shot("grid.png")), showcase(shot("showcase.png"));
    CHECK(attract.w == 1280);
    CHECK(attract.h == 720);
    CHECK(attract.contrast() > 10);
    CHECK(grid.contrast() > 10);
    CHECK(showcase.contrast() > 10);
    CHECK(attract.diff(grid) > 10);
    CHECK(grid.diff(showcase) > 5);
}

TEST_CASE_FIXTURE(Kiosk, "a language switch changes every label at once; the idle reset brings the default back") {
    auto r = script("tap Touchez l’écran pour découvrir\n"
                    "tap Aéronautique\n"
                    "tap Un avion régional hybride-électrique\n"
                    "tap English\n"
                    "expect Back\n"
                    "expect Next\n"
                    "expect-not Retour\n"
                    "tap Español\n"
                    "expect Volver\n"
                    "tap Deutsch\n"
                    "expect Weiter\n"
                    "tap Zurück\n"  // a playing film holds the idle timer: leave it
                    "advance 61\n"
                    "expect Sind Sie noch da?\n"
                    "shot " + shot("still-there.png").string() + "\n"
                    "advance 20\n"
                    "wait 300\n"
                    "expect Touchez l’écran pour découvrir\n"
                    "expect-not Weiter\n"
                    "tap Touchez l’écran pour découvrir\n"
                    "expect Aéronautique\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(Image(shot("still-there.png")).contrast() > 5);
}

TEST_CASE_FIXTURE(Kiosk, "a touch during the countdown keeps the session") {
    auto r = script("tap Touchez l’écran pour découvrir\n"
                    "tap Spatial\n"
                    "advance 62\n"
                    "expect Je continue\n"
                    "tap Je continue\n"
                    "advance 10\n"
                    "expect-not Je continue\n"
                    "expect Effacer les filtres\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE_FIXTURE(Kiosk, "libmpv really decodes: the attract loop and a showcase film move") {
    auto r = script("wait 300\n"
                    "shot " + shot("a1.png").string() + "\n"
                    "wait 1500\n"
                    "shot " + shot("a2.png").string() + "\n"
                    "tap Touchez l’écran pour découvrir\n"
                    "tap Aéronautique\n"
                    "tap Un avion régional hybride-électrique\n"
                    "wait 500\n"
                    "shot " + shot("s1.png").string() + "\n"
                    "wait 1500\n"
                    "shot " + shot("s2.png").string() + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The upper part of the attract screen is the video alone.
    CHECK(Image(shot("a1.png")).diff(Image(shot("a2.png")), 0, 0, 1, 0.5) > 2);
    // The showcase's film is in its upper left.
    CHECK(Image(shot("s1.png")).diff(Image(shot("s2.png")), 0.05, 0.15, 0.5, 0.5) > 2);
    CHECK(r.err.find("video error:") == std::string::npos);
}

TEST_CASE_FIXTURE(Kiosk, "a failing step stops the run with exit 1 and names its line") {
    auto r = script("# comment\nwait 100\ntap Nothing labelled so\nshot " + shot("never.png").string() + "\n");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("script.txt:3: tap: no visible widget labelled \"Nothing labelled so\"") != std::string::npos);
    CHECK_FALSE(fs::exists(shot("never.png")));

    auto bad = script("wait 100\nwait soon\n");
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("script.txt:2: wait: \"soon\" is not a number") != std::string::npos);

    auto expect = script("expect-not Touchez l’écran pour découvrir\n");
    CHECK(expect.exit_code == 1);
    CHECK(expect.err.find("script.txt:1: expect-not") != std::string::npos);

    // await: as soon as the label shows (the tap's screen, a few frames
    // later), or a failure once 10 s have passed without it
    const auto start = std::chrono::steady_clock::now();
    auto await = script("await Touchez l’écran pour découvrir\ntap Touchez l’écran pour découvrir\nawait Aéronautique\n"
                        "await-not Aéronautique\n");
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(await.exit_code == 1);
    CHECK(await.err.find("script.txt:4: await-not: a widget labelled \"Aéronautique\" is still visible after 10 s") !=
          std::string::npos);
    CHECK(await.err.find("script.txt:3") == std::string::npos);
    CHECK(took >= 10);
}

TEST_CASE_FIXTURE(Kiosk, "the tour writes a distinct, non-blank PNG of every screen") {
    auto r = vitrine({"tour", "--out", (tmp / "tour").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto files = entries(tmp / "tour");
    CHECK(files.size() >= 10);
    std::vector<Image> shots;
    for (const auto& f : files) {
        CAPTURE(f);
        shots.emplace_back(tmp / "tour" / f);
        CHECK(shots.back().w == 1920);
        CHECK(shots.back().contrast() > 5);
    }
    for (std::size_t i = 1; i < shots.size(); ++i) {
        CAPTURE(files[i]);
        CHECK(shots[i].diff(shots[i - 1]) > 0.5);
    }
    // The interest flow with fake answers: its QR screen, and its record in
    // the outbox with the token the QR holds and nothing personal.
    REQUIRE(!files.empty());
    CHECK(files.back().ends_with("-interest-qr.png"));
    auto qr = run({"zbarimg", "--raw", "-q", (tmp / "tour" / files.back()).string()});
    INFO(qr.err);
    auto list = vitrine({"queue", "list", "--json"});
    REQUIRE(list.exit_code == 0);
    auto records = nlohmann::json::parse(list.out).at("records");
    const nlohmann::json* interest = nullptr;
    for (const auto& rec : records)
        if (rec.at("kind") == "interest") interest = &rec;
    REQUIRE(interest);
    CHECK(qr.out == "https://talents.example/cv/" + interest->at("token").get<std::string>() + "?e=demo-fair\n");
    CHECK(interest->at("sealed").empty());
    CHECK(interest->at("payload").at("answers").size() == 4);
}

TEST_CASE_FIXTURE(Kiosk, "portrait layout") {
    auto r = script("tap Touchez l’écran pour découvrir\nexpect Aéronautique\nshot " + shot("portrait.png").string() + "\n",
                    {"--portrait"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Image p(shot("portrait.png"));
    CHECK(p.w == 720);
    CHECK(p.h == 1280);
    CHECK(p.contrast() > 10);
}

TEST_CASE_FIXTURE(Kiosk, "the grid scrolls with a finger drag and keeps moving after it") {
    std::string swipes;
    for (int i = 0; i < 8; ++i) swipes += "swipe 640 680 640 380 150\nwait 400\n";
    auto r = script("tap Touchez l’écran pour découvrir\n"
                    "expect Un avion régional hybride-électrique\n"
                    "expect-not L’IA pour traduire les catalogues à l’export\n"
                    "swipe 640 680 640 480 100\n"
                    "shot " + shot("fling-1.png").string() + "\n"
                    "wait 250\n"
                    "shot " + shot("fling-2.png").string() + "\n"
                    "wait 2500\n"
                    "shot " + shot("rest-1.png").string() + "\n"
                    "wait 300\n"
                    "shot " + shot("rest-2.png").string() + "\n" +
                    swipes +
                    "expect L’IA pour traduire les catalogues à l’export\n"
                    "expect-not Un avion régional hybride-électrique\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Released, the grid still moves; then it comes to rest.
    CHECK(Image(shot("fling-1.png")).diff(Image(shot("fling-2.png")), 0, 0.5, 1, 1) > 2);
    CHECK(Image(shot("rest-1.png")).diff(Image(shot("rest-2.png")), 0, 0.5, 1, 1) < 0.5);
}

TEST_CASE_FIXTURE(Kiosk, "a swipe over a showcase's text goes to the next and the previous one") {
    auto r = script("tap Touchez l’écran pour découvrir\n"
                    "tap Des satellites au chevet des vignes\n"
                    "expect Des satellites au chevet des vignes\n"
                    "swipe 1150 450 850 460 200\n"
                    "expect-not Des satellites au chevet des vignes\n"
                    "swipe 850 450 1150 440 200\n"
                    "swipe 850 450 1150 440 200\n"
                    "expect Un avion régional hybride-électrique\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE_FIXTURE(Kiosk, "a pack plugged in during a visit waits for the attract loop") {
    // Version 2 of the demo pack, one sector renamed, signed with the demo key.
    fs::path ready = tmp / "v2/pack";
    fs::create_directories(ready.parent_path());
    fs::copy(kDemo / "pack", ready, fs::copy_options::recursive);
    auto doc = nlohmann::json::parse(read_file(ready / "manifest.json"));
    doc["pack"]["version"] = 2;
    doc["sectors"][0]["name"]["fr"] = "Aéronautique et espace";
    write_file(ready / "manifest.json", doc.dump(2));
    auto s = run({"minisign", "-S", "-s", (kDemo / "keys/demo.key").string(), "-m", (ready / "manifest.json").string()});
    REQUIRE(s.exit_code == 0);
    std::string cfg = read_file(config);
    cfg.replace(cfg.find("watch_dirs = []"), 15, "watch_dirs = [\"usb\"]");
    write_file(config, cfg);
    fs::create_directories(tmp / "usb");

    // The stick is plugged in once the visitor is on the grid.
    std::thread plug([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2000));
        fs::rename(tmp / "v2", tmp / "usb/STICK");
    });
    auto r = script("tap Touchez l’écran pour découvrir\n"
                    "expect Aéronautique\n"
                    "wait 8000\n"  // the watcher finds the stick and installs the pack meanwhile
                    "expect Aéronautique\n"
                    "expect-not Aéronautique et espace\n"
                    "advance 100\n"
                    "wait 500\n"
                    "tap Touchez l’écran pour découvrir\n"
                    "expect Aéronautique et espace\n");
    plug.join();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("a new pack is installed") != std::string::npos);
    auto list = vitrine({"pack", "list", "--json"});
    CHECK(nlohmann::json::parse(list.out)["packs"][0]["version"] == 2);
}
