// vitrine run | tour
#include "content/catalogue.hpp"
#include "kiosk/commands.hpp"
#include "kiosk/i18n.hpp"
#include "kiosk/local_settings.hpp"
#include "kiosk/ui/app.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace vitrine {
namespace {

// A display to show a window on: X11, Wayland, a DRM device (the board's
// panel, through KMSDRM), or a driver named by SDL_VIDEODRIVER. Otherwise
// the kiosk renders with SDL's offscreen driver.
bool has_display() {
    const char* driver = std::getenv("SDL_VIDEODRIVER");
    if (driver) return std::string(driver) != "offscreen";
    return std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY") || fs::exists("/dev/dri/card0");
}

// The tour: every screen, each language, the idle reset; one PNG each. The
// labels are what the visitor reads, so they come from the catalogs and the
// pack, in the language shown at that moment.
std::string tour_script(const content::Manifest& m, const Catalogs& c, const Config& config) {
    const std::string& lang = config.device.default_language;
    auto tr = [&](const char* key, const std::string& l) { return c.tr(key, l); };
    const content::Showcase* film = nullptr;
    for (const auto& s : m.showcases)
        for (const auto& media : s.media)
            if (!film && media.kind == content::Media::Kind::Video) film = &s;
    if (!film) film = &m.showcases.front();
    const content::Sector* sector = m.sector(film->sectors.front());
    // A sector and a city with no showcase in common, for the empty result.
    std::string empty_sector, empty_city;
    for (const auto& sec : m.sectors)
        for (const auto* city : content::cities_in_use(m)) {
            content::Filter f;
            f.sectors.insert(sec.id);
            f.cities.insert(city->id);
            if (empty_sector.empty() && content::filter_showcases(m, f).empty()) {
                empty_sector = m.text(sec.name, lang);
                empty_city = m.text(city->name, lang);
            }
        }
    std::ostringstream s;
    s << "# the built-in tour\n"
      << "wait 1500\nshot 01-attract.png\n"
      << "tap " << tr("attract.touch_to_explore", lang) << "\nwait 800\nshot 02-grid.png\n"
      << "tap " << m.text(sector->name, lang) << "\nwait 800\nshot 03-grid-filtered.png\n"
      << "tap " << m.text(film->title, lang) << "\nwait 2500\nshot 04-showcase-video.png\n"
      << "tap " << tr("showcase.next", lang) << "\nwait 800\nshot 05-showcase.png\n";
    int n = 6;
    auto shot = [&](const char* name) {
        s << "shot " << (n < 10 ? "0" : "") << n << "-" << name << ".png\n";
        ++n;
    };
    for (const auto& l : c.languages()) {
        if (l == lang) continue;
        s << "tap " << tr("language.name", l) << "\nexpect " << tr("showcase.back", l) << "\nwait 500\n";
        shot(("showcase-" + l).c_str());
    }
    s << "tap " << tr("language.name", lang) << "\n"
      << "tap " << tr("showcase.back", lang) << "\n"
      << "tap " << tr("grid.clear_filters", lang) << "\n";
    if (!empty_sector.empty()) {
        s << "tap " << empty_sector << "\ntap " << empty_city << "\nexpect " << tr("grid.clear_filters", lang)
          << "\nwait 500\n";
        shot("grid-empty");
    }
    s << "advance 61\nwait 300\nexpect " << tr("idle.still_there", lang) << "\n";
    shot("still-there");
    s << "advance 30\nwait 1500\nexpect " << tr("attract.touch_to_explore", lang) << "\n";
    shot("attract-after-reset");
    // The interest flow with made-up answers (the first option of each
    // question) and no contact details: the record it leaves in the outbox
    // holds nothing personal.
    if (m.interest && (!config.platform.qr_url.empty() || !m.interest->qr_url.empty())) {
        s << "tap " << tr("attract.touch_to_explore", lang) << "\nwait 500\n"
          << "tap " << m.text(m.interest->call_to_action, lang) << "\nwait 300\n";
        shot("interest-question");
        for (const auto& q : m.interest->questions) s << "tap " << m.text(q.options.front().label, lang) << "\n";
        if (config.platform.seal_public_key) {  // the contact screen: nothing typed
            s << "wait 300\n";
            shot("interest-contact");
            s << "tap " << tr("interest.skip", lang) << "\n";
        }
        s << "expect " << m.text(m.interest->notice.title, lang) << "\n"
          << "tap " << tr("interest.consent_cv", lang) << "\nwait 300\n";
        shot("interest-consent");
        s << "tap " << tr("interest.show_qr", lang) << "\nexpect " << tr("interest.qr_label", lang) << "\nwait 300\n";
        shot("interest-qr");
        s << "tap " << tr("interest.done", lang) << "\nwait 500\nexpect " << tr("attract.touch_to_explore", lang)
          << "\n";
    }
    return s.str();
}

void parse_size(const std::string& text, int& w, int& h) {
    std::smatch m;
    static const std::regex re(R"(^(\d{3,5})x(\d{3,5})$)");
    if (!std::regex_match(text, m, re)) throw CLI::ValidationError("--windowed", "expected WIDTHxHEIGHT, like 1280x720");
    w = std::stoi(m[1]);
    h = std::stoi(m[2]);
}

}  // namespace

void add_run_commands(CLI::App& app, CommandContext& ctx) {
    {
        auto* cmd = app.add_subcommand("run", "the kiosk");
        auto windowed = std::make_shared<std::string>();
        auto portrait = std::make_shared<bool>(false);
        auto script = std::make_shared<std::string>();
        cmd->add_option("--windowed", *windowed, "a window of WIDTHxHEIGHT instead of fullscreen");
        cmd->add_flag("--portrait", *portrait, "portrait layout (1080x1920 when no size is given)");
        cmd->add_option("--script", *script, "run the steps of FILE, then exit (see the README)");
        cmd->callback([&ctx, windowed, portrait, script] {
            guarded(ctx, false, [&] {
                ui::AppOptions o;
                if (!windowed->empty()) parse_size(*windowed, o.width, o.height);
                o.portrait = *portrait;
                if (o.portrait && o.width > o.height) std::swap(o.width, o.height);
                o.headless = !has_display();
                o.assets_dir = ui::default_assets_dir();
                if (!script->empty()) {
                    std::ifstream in(*script);
                    if (!in) throw ui::ScriptError(*script + ": cannot read the script");
                    std::stringstream ss;
                    ss << in.rdbuf();
                    o.script = ui::parse_script(ss.str(), *script);
                    o.script_source = *script;
                    o.shots_dir = fs::current_path();
                }
                Config config = ctx.config();
                apply_local_settings(config);  // what staff set on the screen
                ctx.exit_code = ui::run_app(config, o);
            });
        });
    }
    {
        auto* cmd = app.add_subcommand("tour", "drive the kiosk through every screen and write a PNG of each");
        auto out = std::make_shared<std::string>();
        auto portrait = std::make_shared<bool>(false);
        cmd->add_option("--out", *out, "directory for the PNGs")->required();
        cmd->add_flag("--portrait", *portrait, "the portrait layout (1080x1920)");
        cmd->callback([&ctx, out, portrait] {
            guarded(ctx, false, [&] {
                Config config = ctx.config();
                apply_local_settings(config);
                ui::AppOptions o;
                o.headless = true;
                o.width = *portrait ? 1080 : 1920;
                o.height = *portrait ? 1920 : 1080;
                o.portrait = *portrait;
                o.assets_dir = ui::default_assets_dir();
                Catalogs catalogs = Catalogs::load(o.assets_dir / "i18n", config.device.default_language);
                auto pack = content::load_current(content::PackStore(config.device.data_dir));
                std::string text = tour_script(pack->manifest, catalogs, config);
                o.script = ui::parse_script(text, "tour");
                o.script_source = "tour";
                o.shots_dir = *out;
                fs::create_directories(*out);
                ctx.exit_code = ui::run_app(config, o);
                if (ctx.exit_code == 0) std::cout << "tour screenshots in " << fs::absolute(*out).string() << "\n";
            });
        });
    }
}

}  // namespace vitrine
