// The fair the soak test plays, written as one kiosk script (`vitrine run
// --script`): days of opening hours with a visitor every few minutes of
// kiosk time (`advance`), network outages and a stick with a new pack, told
// to the harness by `log soak: ...` steps; and what the platform must hold
// at the end. The same seed always writes the same fair.
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace vitrine::soak {

// What a visitor reads: the UI's strings (assets/i18n/<lang>.json) and a
// pack's texts, in a language, falling back as the kiosk does.
class Labels {
public:
    Labels(const std::filesystem::path& i18n_dir, nlohmann::json manifest);
    std::string ui(const std::string& lang, const std::string& key) const;
    std::string text(const std::string& lang, const nlohmann::json& localized) const;
    const nlohmann::json& manifest() const { return manifest_; }
    const std::string& default_language() const { return default_; }
    std::vector<std::string> languages() const;  // the UI's

private:
    std::map<std::string, nlohmann::json> catalogs_;
    nlohmann::json manifest_;
    std::string default_;
};

// Kiosk time starts at the opening time of the first day (the harness sets
// the kiosk's time zone so); the config's [hours] close must fall between
// the last visitor and `night_check_minutes`, with room for the real time
// the run takes (kiosk time = real time + what the script advanced).
struct FairOptions {
    int days = 5;
    int open_minutes = 9 * 60 + 30;   // visitors come this long after opening, each day
    int night_check_minutes = 13 * 60;  // after opening: the screen must be dark, and a touch wakes it
    int wake_s = 60;                   // the config's hours.wake_s
    int gap_min_s = 120;             // between two visitors (kiosk time)
    int gap_max_s = 480;
    int outages_per_day = 4;         // plus the network switched off some nights
    int stick_day = 3;               // 1-based; the day the new pack arrives
    int idle_timeout_s = 60;         // the config's device.idle_timeout_s
    unsigned seed = 20261120;
};

// An interest record the platform must hold, in the order they are made.
struct ExpectedInterest {
    nlohmann::json answers = nlohmann::json::object();  // question id -> option id
    bool contact = false, share_cv = false;
    nlohmann::json sealed_contact;  // what the sealed part must open to; null: no sealed part
};

struct Fair {
    std::string script;
    int script_steps = 0;
    int visitors = 0;
    std::map<std::string, int> visits;  // by kind: glance, browse, interest...
    int language_switches = 0;
    int views = 0;  // showcase views the statistics must count
    int flows_started = 0;
    int qr_shown = 0;   // = interest records
    int walked_away = 0;  // left to the idle reset (anywhere)
    std::vector<ExpectedInterest> interests;
    std::map<std::string, int> outages;  // by kind
    std::vector<std::string> typed;      // personal data typed: never to be found in clear
    std::string new_pack_label;          // a label only the new pack has
};

// `before` and `after` are the pack installed at the start and the one the
// stick brings (`after` differs from `before` in one sector's name).
Fair plan_fair(const FairOptions& o, const Labels& before, const Labels& after);

// The outage kinds, as `log soak: network down KIND` names them.
const std::vector<std::string>& outage_kinds();

}  // namespace vitrine::soak
