#include "soak/fair.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

namespace vitrine::soak {

namespace fs = std::filesystem;
using json = nlohmann::json;

Labels::Labels(const fs::path& i18n_dir, json manifest) : manifest_(std::move(manifest)) {
    for (const auto& e : fs::directory_iterator(i18n_dir)) {
        if (e.path().extension() != ".json") continue;
        std::ifstream in(e.path());
        catalogs_[e.path().stem().string()] = json::parse(in);
    }
    default_ = manifest_.at("languages").at(0).get<std::string>();
    if (!catalogs_.count(default_)) throw std::runtime_error("no UI catalog for the pack's language " + default_);
}

std::string Labels::ui(const std::string& lang, const std::string& key) const {
    for (const std::string& l : {lang, default_}) {
        auto c = catalogs_.find(l);
        if (c != catalogs_.end() && c->second.contains(key)) return c->second.at(key).get<std::string>();
    }
    throw std::runtime_error("no UI string " + key);
}

std::string Labels::text(const std::string& lang, const json& localized) const {
    if (localized.contains(lang)) return localized.at(lang).get<std::string>();
    return localized.at(default_).get<std::string>();
}

std::vector<std::string> Labels::languages() const {
    std::vector<std::string> out;
    for (const auto& [lang, catalog] : catalogs_) out.push_back(lang);
    return out;
}

const std::vector<std::string>& outage_kinds() {
    static const std::vector<std::string> kinds = {"refused", "503", "hang", "reset", "500"};
    return kinds;
}

namespace {

constexpr int kDay = 24 * 3600;

// Script lines and the kiosk's time (seconds since the script started).
// Between visitors, time moves with idle_until(), which tells the harness
// what happens on the way (`log soak: ...` at its instant).
class Writer {
public:
    struct Event {
        int at;
        std::vector<std::string> lines;
    };
    void line(const std::string& s) {
        text += s + "\n";
        ++steps;
    }
    void comment(const std::string& s) { text += "# " + s + "\n"; }
    void advance(int s) {
        if (s <= 0) return;
        line("advance " + std::to_string(s));
        now += s;
    }
    void at(int t, std::vector<std::string> lines) { events.push_back({t, std::move(lines)}); }
    void idle_until(int t) {
        std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
        while (!events.empty() && events.front().at <= t) {
            Event e = events.front();
            events.erase(events.begin());
            advance(e.at - now);
            for (const auto& l : e.lines) line(l);
        }
        advance(t - now);
    }
    std::string text;
    int steps = 0;
    int now = 0;
    std::vector<Event> events;
};

std::string clock_of(int t) {
    char b[32];
    std::snprintf(b, sizeof b, "day %d %02d:%02d", t / kDay + 1, t % kDay / 3600, t % 3600 / 60);
    return b;
}

struct Visit {
    const Labels& L;
    const FairOptions& o;
    Writer& w;
    std::mt19937& rng;
    Fair& fair;
    std::string lang;

    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
    template <class V>
    const auto& pick(const V& v) { return v.at(static_cast<std::size_t>(uniform(0, static_cast<int>(v.size()) - 1))); }

    std::string ui(const std::string& key) const { return L.ui(lang, key); }
    std::string text(const json& localized) const { return L.text(lang, localized); }
    std::string attract() const { return L.ui(L.default_language(), "attract.touch_to_explore"); }
    std::string cta() const { return text(L.manifest().at("interest").at("call_to_action")); }

    // The visitor leaves; the idle countdown, then the reset.
    void walk_away() {
        w.advance(o.idle_timeout_s + 1);
        w.line("expect " + ui("idle.still_there"));
        w.advance(20);
        w.line("wait 300");
        w.line("expect " + attract());
        ++fair.walked_away;
    }

    // Enters the grid (and switches language, for some).
    void enter(const std::string& must_see) {
        w.line("tap " + attract());
        w.line("expect " + L.text(L.default_language(), L.manifest().at("interest").at("call_to_action")));
        if (!must_see.empty()) w.line("expect " + must_see);
        if (lang != L.default_language()) {
            w.line("tap " + ui("language.name"));
            w.line("expect " + cta());
            ++fair.language_switches;
        }
    }

    // A sector with showcases, and its showcases in the grid's order.
    std::pair<json, std::vector<json>> sector() {
        const json& m = L.manifest();
        for (;;) {
            const json& s = m.at("sectors").at(static_cast<std::size_t>(uniform(0, static_cast<int>(m.at("sectors").size()) - 1)));
            std::vector<json> in;
            for (const auto& sc : m.at("showcases"))
                for (const auto& id : sc.at("sectors"))
                    if (id == s.at("id")) in.push_back(sc);
            if (!in.empty()) return {s, in};
        }
    }

    // Filters on a sector, opens one of its first cards (on screen without
    // scrolling). Returns the filtered list and the index shown.
    std::pair<std::vector<json>, int> open_showcase() {
        auto [s, in] = sector();
        w.line("tap " + text(s.at("name")));
        int i = uniform(0, std::min<int>(4, static_cast<int>(in.size())) - 1);
        w.line("tap " + text(in[static_cast<std::size_t>(i)].at("title")));
        w.line("expect " + ui("showcase.back"));
        ++fair.views;
        return {in, i};
    }

    void browse() {
        ++fair.visits["browse"];
        auto [in, i] = open_showcase();
        int n = static_cast<int>(in.size());
        for (int k = uniform(0, 3); k > 0; --k) {
            bool next = chance(0.7);
            w.line("tap " + ui(next ? "showcase.next" : "showcase.previous"));
            i = ((next ? i + 1 : i - 1) % n + n) % n;
            w.line("expect " + text(in[static_cast<std::size_t>(i)].at("title")));
            ++fair.views;
            if (chance(0.3)) w.line("wait " + std::to_string(uniform(200, 1500)));  // a look at the film
        }
        w.line("tap " + ui("showcase.back"));
        w.line("expect " + cta());
        if (chance(0.5)) {  // scrolls the grid, then leaves
            w.line("tap " + ui("grid.clear_filters"));
            for (int k = uniform(1, 3); k > 0; --k) w.line("swipe 480 500 480 " + std::to_string(uniform(300, 420)) + " 150");
            w.line("wait 600");
        }
        walk_away();
    }

    // Every showcase and every picture, and the whole grid: the image cache
    // reaches its budget (what the first and the last hour's memory samples
    // compare is then what leaks, not how full the cache happens to be).
    void tour() {
        ++fair.visits["tour of every showcase"];
        const json& shows = L.manifest().at("showcases");
        w.line("tap " + text(shows.at(0).at("title")));
        ++fair.views;
        for (std::size_t i = 0; i < shows.size(); ++i) {
            w.line("expect " + text(shows[i].at("title")));
            for (std::size_t k = 1; k < shows[i].at("media").size(); ++k) w.line("tap >");
            if (i + 1 == shows.size()) break;
            w.line("tap " + ui("showcase.next"));
            ++fair.views;
        }
        w.line("tap " + ui("showcase.back"));
        for (int k = 0; k < 8; ++k) w.line("swipe 480 500 480 250 150");
        w.line("wait 1000");
        walk_away();
    }

    void glance() {
        ++fair.visits["glance"];
        if (chance(0.5)) w.line("swipe 480 480 480 380 200");
        walk_away();
    }

    // The interest flow; from the grid or from a showcase.
    void interest() {
        bool from_showcase = chance(0.5);
        if (from_showcase) open_showcase();
        w.line("tap " + cta());
        ++fair.flows_started;
        const json& m = L.manifest().at("interest");
        const json& questions = m.at("questions");
        const int nq = static_cast<int>(questions.size());
        // Where a visitor who walks away does it: a question, the contact
        // step, the notice, or nowhere (the QR shows).
        int leave_at = chance(0.35) ? uniform(0, nq + 1) : -1;
        ExpectedInterest rec;
        for (int q = 0; q < nq; ++q) {
            const json& question = questions.at(static_cast<std::size_t>(q));
            w.line("expect " + text(question.at("title")));
            if (leave_at == q) {
                ++fair.visits["interest, left at a question"];
                return walk_away();
            }
            const json& option = pick(question.at("options"));
            w.line("tap " + text(option.at("label")));
            rec.answers[question.at("id").get<std::string>()] = option.at("id");
            if (q > 0 && chance(0.1)) {  // second thoughts: back, and answer again
                w.line("tap " + ui("interest.back"));
                w.line("expect " + text(question.at("title")));
                const json& again = pick(question.at("options"));
                w.line("tap " + text(again.at("label")));
                rec.answers[question.at("id").get<std::string>()] = again.at("id");
            }
        }
        // Contact details (the config has a sealing key): typed, scanned, or skipped.
        w.line("expect " + ui("interest.contact_title"));
        json details = json::object();
        int how = uniform(0, 9);
        int n = fair.visitors;
        if (how >= 4) {
            static const std::vector<std::string> first = {"Zoé", "Noël", "Chloé", "Jérôme", "Inès", "Björn", "Ana", "Léa"};
            static const std::vector<std::string> last = {"Martin", "Dupré", "Garcia", "Müller", "Lefèvre", "Roux"};
            std::string f = pick(first), l = pick(last);
            std::string email = "visitor" + std::to_string(n) + "@soak.example";
            if (how >= 7) {
                std::string name = f + " " + l + " " + std::to_string(n);
                w.line("tap " + ui("interest.name"));
                w.line("type " + name);
                w.line("wait 400");  // typing, not a badge scanner's burst
                details["name"] = name;
                fair.typed.push_back(name);
            }
            w.line("tap " + ui("interest.email"));
            w.line("type " + email);
            w.line("wait 400");
            details["email"] = email;
            fair.typed.push_back(email);
        }
        if (how == 3 || how == 9) {
            std::string badge = "SOAK-BADGE-" + std::to_string(100000 + n);
            w.line("scan " + badge);
            w.line("expect " + ui("interest.badge_scanned"));
            details["badge"] = badge;
            fair.typed.push_back(badge);
        }
        if (leave_at == nq) {
            ++fair.visits["interest, left at the contact step"];
            return walk_away();
        }
        w.line("tap " + ui(details.empty() ? "interest.skip" : "interest.next"));
        w.line("expect " + text(m.at("notice").at("title")));
        rec.contact = chance(0.5);
        rec.share_cv = chance(0.4);
        if (rec.contact) w.line("tap " + ui("interest.consent_contact"));
        if (rec.share_cv) w.line("tap " + ui("interest.consent_cv"));
        if (leave_at == nq + 1) {
            ++fair.visits["interest, left at the notice"];
            return walk_away();
        }
        w.line("tap " + ui("interest.show_qr"));
        w.line("expect " + ui("interest.qr_label"));
        if (rec.contact && !details.empty()) rec.sealed_contact = details;
        fair.interests.push_back(rec);
        ++fair.qr_shown;
        if (chance(0.85)) {
            ++fair.visits["interest, QR, done"];
            w.line("tap " + ui("interest.done"));
            w.line("expect " + attract());
        } else {
            ++fair.visits["interest, QR, left"];
            walk_away();
        }
    }
};

}  // namespace

Fair plan_fair(const FairOptions& o, const Labels& before, const Labels& after) {
    if (o.days < 1) throw std::invalid_argument("days must be at least 1");
    Fair fair;
    Writer w;
    std::mt19937 rng(o.seed);
    const int open_s = o.open_minutes * 60;
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const std::string def = before.default_language();
    std::vector<std::string> others;
    for (const auto& l : before.languages())
        if (l != def) others.push_back(l);

    // The sector whose name the new pack changes.
    const json& old_sector = before.manifest().at("sectors").at(0);
    const json& new_sector = after.manifest().at("sectors").at(0);
    fair.new_pack_label = after.text(def, new_sector.at("name"));
    const std::string old_label = before.text(def, old_sector.at("name"));
    if (fair.new_pack_label == old_label) throw std::invalid_argument("the new pack's first sector has the same name");

    // The network: outages in the day (never in the first and last hour and
    // a quarter of the fair, where memory is sampled), and on odd nights
    // the hall's network is switched off.
    std::size_t kind = 0;
    const int quiet = 75 * 60, night = o.night_check_minutes * 60;
    for (int d = 0; d < o.days; ++d) {
        int day = d * kDay, from = day + quiet, to = day + open_s - quiet;
        std::vector<std::pair<int, int>> spans;
        for (int k = 0; k < o.outages_per_day; ++k) {
            int len = uniform(10, 60) * 60;
            int start = uniform(from, std::max(from, to - len));
            bool overlaps = false;
            for (auto [a, b] : spans) overlaps = overlaps || (start < b + 600 && start + len + 600 > a);
            if (!overlaps) spans.push_back({start, start + len});
        }
        if (d % 2 == 1 && d + 1 < o.days) spans.push_back({day + night + 1800, day + kDay - 1800});
        std::sort(spans.begin(), spans.end());
        for (auto [a, b] : spans) {
            bool at_night = a >= day + open_s;
            std::string k = at_night ? "refused" : outage_kinds()[kind++ % outage_kinds().size()];
            w.at(a, {"log soak: network down " + k});
            w.at(b, {"log soak: network up"});
            ++fair.outages[k];
        }
    }
    // An hourly mark (the harness samples memory, descriptors and threads).
    for (int t = 3600; t < (o.days - 1) * kDay + open_s; t += 3600) w.at(t, {"log soak: hour " + std::to_string(t / 3600), "wait 1500"});

    const std::string attract = before.ui(def, "attract.touch_to_explore");
    const int stick_day = std::clamp(o.stick_day, 1, o.days) - 1;
    bool stick_done = false, new_pack = false, announce_new = false, sampled_first = false, toured_last = false;
    for (int d = 0; d < o.days; ++d) {
        const int day = d * kDay, last_start = day + open_s - 15 * 60;
        w.idle_until(day);
        w.comment(clock_of(day) + ": opening time");
        w.line("log soak: day " + std::to_string(d + 1) + " opens");
        w.line("expect " + attract);
        while (w.now < last_start) {
            w.idle_until(std::min(last_start, w.now + uniform(o.gap_min_s, o.gap_max_s)));
            if (w.now >= last_start) break;
            if (!sampled_first && w.now >= 3600) {  // the end of the first hour
                w.line("log soak: sample first");
                w.line("wait 44000");  // the harness samples memory meanwhile (4 s, then 36 s)
                sampled_first = true;
            }
            if (uniform(0, 3) == 0) w.line("wait " + std::to_string(uniform(200, 1500)));  // the attract loop plays
            const Labels& L = new_pack ? after : before;
            std::string lang = uniform(0, 3) == 0 ? others[static_cast<std::size_t>(uniform(0, static_cast<int>(others.size()) - 1))] : def;
            Visit v{L, o, w, rng, fair, lang};
            ++fair.visitors;
            w.comment(clock_of(w.now) + ": visitor " + std::to_string(fair.visitors) + " (" + lang + ")");
            if (!stick_done && d == stick_day && w.now >= day + open_s / 2) {
                // A member of staff plugs a stick with a new pack in during a
                // visit: it is installed meanwhile and shown only after it.
                v.lang = def;
                v.enter("");
                w.line("expect " + old_label);
                w.line("log soak: stick in");
                w.line("wait 15000");
                // Still there (real time counts towards the idle reset too):
                // a filter, on the pack they started with.
                w.line("tap " + old_label);
                w.line("expect " + old_label);
                w.line("expect-not " + fair.new_pack_label);
                ++fair.visits["glance, stick plugged in"];
                v.walk_away();
                w.line("wait 8000");  // the attract loop takes the new pack
                stick_done = new_pack = announce_new = true;
                continue;
            }
            v.enter(announce_new ? fair.new_pack_label : "");
            announce_new = false;
            int kind_of = uniform(0, 99);
            // The first visitor of the fair, and the first of its last hour,
            // look at everything (see tour()).
            const bool last_hour = d == o.days - 1 && w.now >= day + open_s - 3600;
            if (fair.visitors == 1 || (last_hour && !toured_last)) {
                toured_last = last_hour;
                v.tour();
            } else if (kind_of < 10)
                v.glance();
            else if (kind_of < 45)
                v.browse();
            else
                v.interest();
        }
        w.idle_until(day + open_s);
        w.comment(clock_of(day + open_s) + ": the last visitors have gone");
        if (d == o.days - 1) {
            w.line("log soak: sample last");
            w.line("wait 44000");  // the harness samples memory meanwhile (4 s, then 36 s)
        }
        if (d == stick_day) w.line("log soak: stick out");
        // Closed: the screen is dark; the cleaner's touch wakes it for a while.
        w.idle_until(day + night);
        w.comment(clock_of(day + night) + ": closed");
        w.line("log soak: day " + std::to_string(d + 1) + " closed");
        w.line("expect-not " + attract);
        w.line("tap-at 480 270");
        w.line("expect " + attract);
        w.advance(o.wake_s + 5);
        w.line("expect-not " + attract);
    }
    // The end: the network is up, whatever back-off is under way runs out,
    // and the sync worker gets real time to send what is left.
    w.events.clear();
    w.line("log soak: network up");
    w.advance(600);
    w.line("wait 5000");
    w.line("log soak: end");
    fair.script = std::move(w.text);
    fair.script_steps = w.steps;
    return fair;
}

}  // namespace vitrine::soak
