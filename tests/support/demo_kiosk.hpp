// The fixture of the suites that drive the real program on the demo pack
// (ui, interest_ui, staff_ui, service): a data directory with the pack
// installed, its config, and `vitrine` commands and scripts run on it.
#pragma once
#include "support/support.hpp"

#include <string>
#include <vector>

namespace vitrine::test {

// The build's demo directory (tools/build-demo-pack): pack/, keys/.
fs::path demo_dir();

struct DemoKiosk {
    TempDir tmp;
    fs::path config = tmp / "vitrine.toml";
    fs::path data = tmp / "data";
    std::string demo_key;  // the demo pack's public key, as trusted_keys holds it
    std::string fixed_sections;  // whole sections every config written holds

    // Writes the config and installs the demo pack.
    explicit DemoKiosk(std::string fixed = "");

    // [device] (data in `data`, 60 s idle reset), [packs] with the demo key
    // and `packs` (its other keys), the fixed sections, then `sections`.
    void write_config(const std::string& sections = "", const std::string& packs = "watch_dirs = []\n");

    // `vitrine --config <config> args...`
    ProcessResult vitrine(const std::vector<std::string>& args) const;
    // The command line of `vitrine run` on the script file, 1280x720.
    std::vector<std::string> script_args() const;
    // Writes `text` as the script and runs it on SDL's offscreen driver.
    ProcessResult script(const std::string& text, const std::vector<std::string>& extra = {});
    fs::path shot(const std::string& name) const { return tmp / name; }
    std::string shot_step(const std::string& name) const { return "shot " + shot(name).string() + "\n"; }
    // The outbox's records, as `queue list --json` gives them.
    nlohmann::json queue() const;
};

}  // namespace vitrine::test
