// Staff mode on the real kiosk (SDL's offscreen driver, the demo pack),
// driven by scripts through the `vitrine` binary: the hidden gesture and the
// PIN (a real Argon2id hash), the wrong-PIN lockout, the status after
// visitors' records and a sync against the fake platform, a pack installed
// from a directory standing in for a USB stick, the export to a full stick
// (a real tmpfs, in a mount namespace) and to a good one, the restart, and
// the dark screen outside opening hours.
#include "rendered.hpp"
#include "support/fake_platform.hpp"
#include "support/demo_kiosk.hpp"

#include "kiosk/pin.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <set>

using namespace vitrine::test;
using nlohmann::json;

namespace {

const fs::path kDemo = demo_dir();
const std::string kPin = "2468";

// French labels: the kiosk's default language.
const std::string kAttract = "Touchez l’écran pour découvrir";
const std::string kPad = "Code de l’équipe";
const std::string kLocked = "Trop de codes erronés : clavier verrouillé";
const std::string kDevice = "Cette borne";  // the staff screen's status page

// Five taps in the top-right corner of a 1280x720 window (its square is 72 px).
const std::string kGesture = "tap-at 1262 18\ntap-at 1262 18\ntap-at 1262 18\ntap-at 1262 18\ntap-at 1262 18\n";

std::string typed_pin(const std::string& pin) {
    std::string s;
    for (char c : pin) s += std::string("tap ") + c + "\n";
    return s;
}

// The gesture, the PIN, and as long as its check takes (Argon2id, on a
// machine that may be busy).
const std::string kEnter = kGesture + "expect " + kPad + "\n" + typed_pin(kPin) + "tap Valider\nawait " +
                           kDevice + "\n";

// A visitor's interest, as test_interest_ui drives it (no sealing key: no
// contact step).
const std::string kCapture = "tap " + kAttract + "\n" +
                             "tap Travailler en Occitanie ?\n"
                             "tap Développement logiciel\n"
                             "tap 2 à 5 ans\n"
                             "tap D’ici 6 mois\n"
                             "tap En Occitanie\n"
                             "expect Vos données personnelles\n"
                             "tap Afficher mon QR code\n"
                             "expect QR code\n"
                             "tap Terminé\n"
                             "expect " + kAttract + "\n";

// A real Argon2id hash, made with libsodium's smallest limits: the kiosk
// verifies it with the limits written in it, in a few milliseconds, so the
// scripts' fixed waits hold on a loaded machine too. (hash_pin's own limits
// are tested in staff_backend.)
const std::string& pin_hash() {
    static const std::string h = [] {
        char out[crypto_pwhash_STRBYTES];
        if (sodium_init() < 0 || crypto_pwhash_str(out, kPin.c_str(), kPin.size(), crypto_pwhash_OPSLIMIT_MIN,
                                                   crypto_pwhash_MEMLIMIT_MIN) != 0)
            throw std::runtime_error("cannot hash the test PIN");
        return std::string(out);
    }();
    return h;
}

// The demo kiosk with a [staff] section in every config.
struct Kiosk : DemoKiosk {
    Kiosk() : DemoKiosk("[staff]\npin_hash = \"" + pin_hash() + "\"\nidle_timeout_s = 120\n") {}
};

}  // namespace

TEST_CASE_FIXTURE(Kiosk, "the gesture and the right PIN open staff mode; leaving it, or idling, ends on the attract loop") {
    auto r = script(
        // Too slow: a second between taps.
        "tap-at 1262 18\nadvance 1\ntap-at 1262 18\nadvance 1\ntap-at 1262 18\nadvance 1\ntap-at 1262 18\n"
        "advance 1\ntap-at 1262 18\nwait 200\n"
        "expect-not " + kPad + "\n"
        // Elsewhere: the other corner (the first tap opens the grid).
        "tap-at 18 18\ntap-at 18 18\ntap-at 18 18\ntap-at 18 18\ntap-at 18 18\nwait 200\n"
        "expect-not " + kPad + "\n"
        // The corner taps land on the language bar too.
        "tap Français\n"
        "expect Aéronautique\n" +
        kGesture + "expect " + kPad + "\n" + shot_step("pad.png") + typed_pin(kPin) +
        "expect • • • •\n"  // dots, never the digits
        "tap Valider\n"
        "await " + kDevice + "\n"
        "expect-not Aéronautique\n" +
        shot_step("staff.png") +
        "expect Version de l’application : " VITRINE_VERSION "\n"
        "expect Événement : demo-fair\n"
        "tap Quitter\n"
        "wait 300\n"
        "expect " + kAttract + "\n"  // not the grid the visitor left
        "expect-not " + kDevice + "\n" +
        // Idle: the staff screen closes by itself.
        kEnter + "advance 100\nwait 200\nexpect " + kDevice + "\nadvance 21\nwait 300\nexpect " + kAttract + "\n" +
        // Cancel on the pad goes back to the visitor's screen.
        "tap " + kAttract + "\n" + kGesture + "tap Annuler\nwait 200\nexpect Aéronautique\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("staff mode opened") != std::string::npos);
    CHECK(r.err.find("staff mode left") != std::string::npos);
    CHECK(r.err.find("staff mode closed: nobody touched it") != std::string::npos);
    CHECK(r.err.find(kPin) == std::string::npos);  // never logged
    Image pad(shot("pad.png")), staff(shot("staff.png"));
    CHECK(pad.contrast() > 5);
    CHECK(staff.contrast() > 5);
    CHECK(pad.diff(staff) > 2);
}

TEST_CASE_FIXTURE(Kiosk, "three wrong PINs lock the pad; the right one is refused until the lock ends") {
    auto r = script(kGesture +
                    // One wrong PIN checked for real, then two of the wrong length (refused at once).
                    typed_pin("1357") + "tap Valider\nawait Code erroné\n" + typed_pin("12") +
                    "tap Valider\nwait 100\n" + typed_pin("12") + "tap Valider\nwait 200\n"
                    "expect " + kLocked + "\n" +
                    shot_step("locked.png") +
                    // The right PIN meanwhile: taps ignored.
                    typed_pin(kPin) + "tap Valider\nwait 1500\n"
                    "expect " + kLocked + "\n"
                    "expect " + kPad + "\n"  // nothing was typed
                    "expect-not " + kDevice + "\n"
                    // Closing and opening the pad is no way around it.
                    "tap Annuler\n" + kGesture + "expect " + kLocked + "\n"
                    "advance 31\n"
                    "wait 200\n"
                    "expect-not " + kLocked + "\n" +
                    typed_pin(kPin) + "tap Valider\nawait " + kDevice + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(Image(shot("locked.png")).contrast() > 5);
}

TEST_CASE_FIXTURE(Kiosk, "no PIN configured: the gesture does nothing, and the log says why") {
    write_file(config, "[device]\ndata_dir = \"data\"\n[packs]\ntrusted_keys = [\"" + demo_key +
                           "\"]\nwatch_dirs = []\n");
    auto r = script(kGesture + "wait 200\nexpect-not " + kPad + "\n");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("staff mode cannot be entered: no [staff] pin_hash") != std::string::npos);
}

TEST_CASE_FIXTURE(Kiosk, "the status counts visitors' records; Sync now sends them to the platform") {
    FakePlatform platform;
    write_file(tmp / "token", "test-token\n");
    fs::permissions(tmp / "token", fs::perms::owner_read | fs::perms::owner_write);
    write_config("[platform]\nbase_url = \"" + platform.base_url() +
                 "\"\nallow_insecure_http = true\ntoken_file = \"token\"\n");
    // The first batch is answered "come back in an hour": only a staff
    // member's Sync now sends the records before that.
    platform.push(Behaviour::status(503, "3600"));
    auto r = script(kCapture + kCapture + kEnter +
                    "expect En attente : 2\n"
                    "expect Envoyées : 0\n"
                    "expect Refusées : 0\n" +
                    shot_step("before-sync.png") +
                    "tap Synchroniser\n"
                    "await En attente : 0\n"
                    "expect Envoyées : 2\n"
                    "expect En ligne\n" +
                    shot_step("after-sync.png"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::set<std::string> ours;
    for (const auto& rec : queue())
        if (rec["kind"] == "interest") {
            ours.insert(rec["id"].get<std::string>());
            CHECK(rec["state"] == "sent");
        }
    CHECK(ours.size() == 2);
    // The stats record the kiosk writes as it stops may reach the platform too.
    std::set<std::string> theirs;
    for (const auto& [id, rec] : platform.records())
        if (rec["kind"] == "interest") theirs.insert(id);
    CHECK(theirs == ours);
    CHECK(r.err.find("staff asked for a sync now") != std::string::npos);
}

TEST_CASE_FIXTURE(Kiosk, "a damaged outbox set aside at start: the status page says so, and the records go on") {
    fs::create_directories(data);
    write_file(data / "outbox.db", std::string(8192, 'z'));
    auto r = script(kCapture + kEnter +
                    "expect Un stockage de fiches endommagé a été mis de côté ; un nouveau a été ouvert avec les fiches "
                    "lisibles. Exportez sur une clé pour remettre son contenu.\n"
                    "expect En attente : 1\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("the outbox was damaged (it is not an SQLite database)") != std::string::npos);
    const auto aside = entries(data / "quarantine");
    REQUIRE(aside.size() == 1);
    CHECK(read_file(data / "quarantine" / aside[0] / "outbox.db") == std::string(8192, 'z'));
}

TEST_CASE_FIXTURE(Kiosk, "a newer pack on a stick: installed by itself with a badge, rolled back, installed by staff") {
    // Version 2 of the demo pack, one sector renamed, with a big file so
    // that an install lasts long enough to watch; signed with the demo key.
    fs::path pack = tmp / "usb/STICK/pack";
    fs::create_directories(pack.parent_path());
    fs::copy(kDemo / "pack", pack, fs::copy_options::recursive);
    write_file(pack / "media/padding.bin", std::string(96 << 20, '\0'));
    auto doc = json::parse(read_file(pack / "manifest.json"));
    doc["pack"]["version"] = 2;
    doc["sectors"][0]["name"]["fr"] = "Aéronautique et espace";
    write_file(pack / "manifest.json", doc.dump(2));
    auto b = run({vitrine_bin(), "pack", "build", pack.string()});
    REQUIRE_MESSAGE(b.exit_code == 0, b.err);
    auto s = run({"minisign", "-S", "-s", (kDemo / "keys/demo.key").string(), "-m", (pack / "manifest.json").string()});
    REQUIRE(s.exit_code == 0);
    auto version = [&] {
        auto list = vitrine({"pack", "list", "--json"});
        const json doc = json::parse(list.out);
        for (const auto& p : doc["packs"])
            if (p["current"] == true) return p["version"].get<int>();
        return 0;
    };

    // auto_install: the watcher installs it at once; the attract loop shows
    // a discreet badge meanwhile, then the new pack.
    const std::string badge = "Nouveau contenu en cours d’installation";
    write_config("", "watch_dirs = [\"usb\"]\nauto_install = true\n");
    auto a = script("await " + badge + "\n" + shot_step("badge.png") +
                    "await-not " + badge + "\n"
                    "tap " + kAttract + "\n"
                    "expect Aéronautique et espace\n");
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    CHECK(version() == 2);

    // Staff: back to version 1, then version 2 again, with its progress;
    // it shows once staff mode is left.
    write_config("", "watch_dirs = [\"usb\"]\nauto_install = false\n");
    auto r = script("wait 500\n" + kEnter +
                    "tap Contenus\n"
                    "expect Contenu : occitanie-demo version 2 · Occitanie, terre d’innovation numérique\n"
                    "expect Même version que le contenu installé\n"
                    "expect Réinstaller\n"
                    "tap Revenir au précédent\n"
                    "await Fait : back to occitanie-demo version 1\n"
                    "await Contenu : occitanie-demo version 1 · Occitanie, terre d’innovation numérique\n"
                    "expect Plus récent que le contenu installé\n" +
                    shot_step("packs.png") +
                    "tap Installer\n"
                    "await Progression de l’installation\n"
                    "expect Installation en cours…\n" +
                    shot_step("installing.png") +
                    "await Installé : il s’affichera au retour à l’accueil\n"
                    "await Contenu : occitanie-demo version 2 · Occitanie, terre d’innovation numérique\n"
                    "expect Précédent : occitanie-demo version 1\n"
                    "tap Quitter\n"
                    "wait 500\n"
                    "tap " + kAttract + "\n"
                    "expect Aéronautique et espace\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("staff asked for a rollback") != std::string::npos);
    CHECK(r.err.find("staff asked to install") != std::string::npos);
    CHECK(version() == 2);
    // The bar in the picture.
    Image packs(shot("packs.png")), installing(shot("installing.png"));
    CHECK(packs.diff(installing) > 0.5);
}

TEST_CASE_FIXTURE(Kiosk, "export: a full stick is refused with the reason, a good one gets the records and their checksum") {
    if (run({"unshare", "-rm", "true"}).exit_code != 0)
        return skip_suite("`unshare -rm` does not work here (a full stick needs a tmpfs in a mount namespace)");
    fs::create_directories(tmp / "usb/FULL");
    fs::create_directories(tmp / "usb/GOOD");
    write_file(tmp / "usb/GOOD/photos.txt", "a stick with something on it\n");
    write_config("", "watch_dirs = [\"usb\"]\nauto_install = false\n");
    // A visitor's record to export, then the staff's two exports.
    write_file(tmp / "script.txt",
               kCapture + kEnter + "tap Export\n"
               "expect Exporter sur FULL\n"
               "tap Exporter sur FULL\n"
               "await Export refusé\n" +
               shot_step("full.png") +
               "tap Exporter sur GOOD\n"
               "wait 1500\n"
               "expect-not Export refusé\n" +
               shot_step("good.png"));
    // The full stick: a 64 KiB tmpfs, filled, seen only by this kiosk.
    const std::string sh = "mount -t tmpfs -o size=64k tmpfs \"$0\" && "
                           "(dd if=/dev/zero of=\"$0/fill\" bs=4k 2>/dev/null; true) && "
                           "exec $VITRINE_TEST_EMULATOR \"$@\"";
    std::vector<std::string> argv = {"unshare", "-rm", "sh", "-c", sh, (tmp / "usb/FULL").string()};
    for (const auto& a : script_args()) argv.push_back(a);
    ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
    auto r = run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("staff export refused: the stick is full") != std::string::npos);

    // Written and readable: one JSON document per line, as `vitrine queue
    // export` writes them, and a checksum that sha256sum accepts.
    std::vector<std::string> files;
    for (const auto& f : entries(tmp / "usb/GOOD"))
        if (f.ends_with(".jsonl")) files.push_back(f);
    REQUIRE(files.size() == 1);
    CHECK(files[0].starts_with("vitrine-export-kiosk-01-"));
    const std::string text = read_file(tmp / "usb/GOOD" / files[0]);
    std::vector<json> lines;
    for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
        lines.push_back(json::parse(text.substr(at, nl - at)));
    std::size_t interest = 0;
    for (const auto& l : lines) interest += l["kind"] == "interest";
    CHECK(interest == 1);
    CHECK(r.err.find("staff exported " + std::to_string(lines.size()) + " records to " +
                     (tmp / "usb/GOOD" / files[0]).string()) != std::string::npos);
    CHECK(Image(shot("full.png")).diff(Image(shot("good.png"))) > 0.2);
    auto check = run({"sh", "-c", "cd \"$0\" && sha256sum -c \"$1.sha256\"", (tmp / "usb/GOOD").string(), files[0]});
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);
    // Exporting changes no record's state.
    for (const auto& rec : queue())
        if (rec["kind"] == "interest") CHECK(rec["state"] == "pending");
}

TEST_CASE_FIXTURE(Kiosk, "settings are kept across restarts; Restart ends the app with status 75") {
    auto r = script(kEnter +
                    "tap Réglages\n"
                    "tap +\ntap +\n"
                    "expect Volume : 20 %\n"
                    "tap English\n"  // the default language: the staff screen follows
                    "expect Default language\n"
                    "tap Change the event\n"
                    "tap Clear\n"
                    "tap s\ntap a\ntap l\ntap o\ntap n\ntap -\ntap 2\ntap 0\ntap 2\ntap 6\n"
                    "expect salon-2026\n"
                    "tap Save\n"
                    "expect Event: salon-2026\n"
                    "tap Restart\n"
                    "wait 2000\n"
                    "expect never reached\n");
    INFO(r.err);
    CHECK(r.exit_code == 75);
    CHECK(r.err.find("restart asked for by staff: exit status 75") != std::string::npos);
    auto saved = json::parse(read_file(data / "settings.json"));
    CHECK(saved["event"] == "salon-2026");
    CHECK(saved["default_language"] == "en");
    CHECK(saved["volume"] == 20);
    // Started again: in English, for the new event.
    auto again = script("expect Touch the screen to explore\n" + kGesture + "expect Staff PIN\n" + typed_pin(kPin) +
                        "tap OK\nawait Event: salon-2026\n");
    INFO(again.err);
    CHECK(again.exit_code == 0);
}

TEST_CASE_FIXTURE(Kiosk, "outside opening hours the screen is black and empty; a touch wakes it for a while") {
    // Open from an hour ago to an hour from now, in UTC.
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    const int minute = utc.tm_hour * 60 + utc.tm_min;
    auto hhmm = [](int m) {
        m = ((m % 1440) + 1440) % 1440;
        char out[8];
        std::snprintf(out, sizeof out, "%02d:%02d", m / 60, m % 60);
        return std::string(out);
    };
    write_config("[hours]\nopen = \"" + hhmm(minute - 60) + "\"\nclose = \"" + hhmm(minute + 60) +
                 "\"\nwake_s = 30\n");
    ::setenv("TZ", "UTC", 1);
    auto r = script("wait 500\n"
                    "expect " + kAttract + "\n" +
                    shot_step("open.png") +
                    "advance 7200\n"
                    "wait 500\n"
                    "expect-not " + kAttract + "\n" +
                    shot_step("dark.png") +
                    "tap-at 640 360\n"
                    "wait 500\n"
                    "expect " + kAttract + "\n" +  // the attract loop, not the grid the tap would open
                    shot_step("woken.png") +
                    "advance 31\n"
                    "wait 500\n"
                    "expect-not " + kAttract + "\n" +
                    // Staff mode from the dark screen.
                    kEnter + "tap Quitter\nwait 300\nexpect " + kAttract + "\n");
    ::unsetenv("TZ");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    Image open(shot("open.png")), dark(shot("dark.png")), woken(shot("woken.png"));
    CHECK(open.contrast() > 5);
    CHECK(woken.contrast() > 5);
    CHECK(dark.contrast() == 0);
    CHECK(dark.rgb.front() == 0);
    CHECK(r.err.find("outside opening hours: the screen is dark") != std::string::npos);
}
