#include "support/demo_kiosk.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <utility>

namespace vitrine::test {

fs::path demo_dir() { return VITRINE_DEMO_DIR; }

DemoKiosk::DemoKiosk(std::string fixed)
    : demo_key(minisign_key_line(demo_dir() / "keys/demo.pub")), fixed_sections(std::move(fixed)) {
    write_config();
    auto r = vitrine({"pack", "install", (demo_dir() / "pack").string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

void DemoKiosk::write_config(const std::string& sections, const std::string& packs) {
    write_file(config, "[device]\ndata_dir = \"data\"\nidle_timeout_s = 60\n[packs]\ntrusted_keys = [\"" + demo_key +
                           "\"]\n" + packs + fixed_sections + sections);
}

ProcessResult DemoKiosk::vitrine(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {vitrine_bin(), "--config", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

std::vector<std::string> DemoKiosk::script_args() const {
    return {vitrine_bin(), "--config", config.string(), "run", "--windowed", "1280x720", "--script",
            (tmp / "script.txt").string()};
}

ProcessResult DemoKiosk::script(const std::string& text, const std::vector<std::string>& extra) {
    write_file(tmp / "script.txt", text);
    ::setenv("SDL_VIDEODRIVER", "offscreen", 1);
    auto argv = script_args();
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

nlohmann::json DemoKiosk::queue() const {
    auto r = vitrine({"queue", "list", "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["ok"] == true);
    return j["records"];
}

}  // namespace vitrine::test
