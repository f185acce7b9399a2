// Replays every seed (tests/fuzz/corpus/<target>/) and every input a fuzzer
// once failed on (tests/fuzz/regressions/<target>/) through the fuzz
// targets' code paths, in the normal build: a fixed bug stays fixed without
// libFuzzer or clang, and the seeds are checked to reach past the parsers.
#include "fuzz/targets.hpp"

#include "content/manifest.hpp"
#include "content/minisign.hpp"
#include "kiosk/config.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const fs::path kDir = VITRINE_FUZZ_DIR;

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read " << p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("every seed and every regression input passes through its target") {
    for (const auto& target : vitrine::fuzz::kTargets) {
        const std::string name = target.name;
        auto inputs = files_in(kDir / "corpus" / name);
        CHECK_MESSAGE(inputs.size() >= 5, name << ": the seed corpus is missing or too small");
        for (const auto& f : files_in(kDir / "regressions" / name)) inputs.push_back(f);
        for (const auto& f : inputs) {
            INFO(name << ": " << fs::relative(f, kDir).string());
            const std::string input = read_all(f);
            CHECK_NOTHROW(target.run(input));
        }
    }
}

// A fuzzer mutates its seeds: seeds that its parser refuses would keep it
// away from everything behind the parser.
TEST_CASE("the valid seeds are accepted") {
    using namespace vitrine;
    for (std::string name : {"demo-pack.json", "small.json", "minimal.json"}) {
        INFO(name);
        CHECK_NOTHROW(content::parse_manifest(read_all(kDir / "corpus/manifest" / name)));
    }
    const auto key = content::parse_public_key(read_all(kDir / "corpus/minisign_key/fuzz.pub"));
    const std::string message = "Vitrine fuzzing: the file that the seed signatures sign.\n";
    for (std::string name : {"prehashed.minisig", "legacy.minisig", "crlf.minisig"}) {
        INFO(name);
        const auto sig = content::parse_signature(read_all(kDir / "corpus/minisign_signature" / name));
        CHECK(content::verify_signature(message, sig, {&key, 1}).id() == "276D183C0E86E125");
    }
    for (std::string name : {"readme-example.toml", "kiosk-on-a-fair.toml", "inline-tables.toml"}) {
        INFO(name);
        CHECK_NOTHROW(parse_config(read_all(kDir / "corpus/config" / name), name, "/etc/vitrine"));
    }
}
