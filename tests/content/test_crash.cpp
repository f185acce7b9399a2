// Power cut during an install: `vitrine pack install` runs in a child process
// killed with SIGKILL at a random instant. After each kill the device must be
// on the old pack or the new one, whole, and the next install must leave no
// staging behind. (SIGKILL stops the process, not the kernel: what is already
// written stays; the ordering of renames and fsyncs is what this checks.)
#include "content/store.hpp"
#include "fixture.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <random>
#include <thread>


using namespace vitrine;
using namespace vitrine::test;

namespace {

pid_t spawn_install(const fs::path& config, const fs::path& data, const fs::path& pack) {
    return spawn_quiet({vitrine_bin(), "--config", config.string(), "--data", data.string(), "pack", "install",
                        pack.string()});
}

int trials() {
    const char* env = std::getenv("VITRINE_CRASH_TRIALS");
    return env ? std::atoi(env) : 50;
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture, "SIGKILL at random moments of an install leaves the old pack or the new one") {
    PackSpec spec;
    spec.showcases = 6;
    spec.extra_files = 24;
    spec.file_size = 256 << 10;  // about 8 MiB in 32 files
    fs::path v1 = pack("v1", 1, spec), v2 = pack("v2", 2, spec), v3 = pack("v3", 3, spec);
    fs::path config = tmp / "vitrine.toml";
    write_file(config, "[packs]\ntrusted_keys = [\"" + key.pub_line + "\"]\nwatch_dirs = []\n");

    // A data directory with version 1, copied for every trial.
    fs::path base = tmp / "base";
    content::PackStore(base).install(v1, keys);

    // How long an uninterrupted install takes, to spread the kills over it.
    fs::path timing = tmp / "timing";
    fs::copy(base, timing, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    auto t0 = std::chrono::steady_clock::now();
    int status = 0;
    ::waitpid(spawn_install(config, timing, v2), &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    auto duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    MESSAGE("one install takes " << duration.count() / 1000 << " ms");

    std::mt19937 rng(std::random_device{}());
    // Kills spread over [0, window]; the window follows the machine's load
    // when the kills keep landing on one side of the switch.
    double window = static_cast<double>(duration.count()) * 1.2;
    int old_pack = 0, new_pack = 0, killed = 0;
    const int n = trials();
    for (int i = 0; i < n; ++i) {
        if (i >= 10 && new_pack == 0) window *= 1.5;
        if (i >= 10 && old_pack == 0) window /= 1.5;
        fs::path data = tmp / ("trial-" + std::to_string(i));
        fs::copy(base, data, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        pid_t pid = spawn_install(config, data, v2);
        std::uniform_real_distribution<double> delay(0, window);
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(delay(rng))));
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        killed += WIFSIGNALED(status);

        content::PackStore after(data);
        auto cur = after.current();
        REQUIRE(cur);
        CAPTURE(i);
        CHECK(cur->problem == "");
        CHECK((cur->version == 1 || cur->version == 2));
        (cur->version == 1 ? old_pack : new_pack)++;
        content::PackDir dir(cur->path);
        auto m = content::parse_manifest(dir.read_small("manifest.json", content::kMaxManifestBytes));
        CHECK(m.pack.version == cur->version);
        CHECK_NOTHROW(content::check_files(dir, m));

        // The next install cleans up whatever the kill left.
        after.install(v3, keys);
        CHECK(after.current()->version == 3);
        auto left = entries(data / "packs");
        CHECK(left.size() == 2);
        for (const auto& e : left) CHECK(e.front() != '.');
        CHECK(entries(data) == std::vector<std::string>{".pack.lock", "current", "packs", "previous"});
        fs::remove_all(data);
    }
    MESSAGE(n << " trials: " << killed << " killed mid-install, " << old_pack << " on the old pack, " << new_pack
              << " on the new one");
    // The kills must really have landed on both sides of the switch.
    CHECK(killed > 0);
    CHECK(old_pack > 0);
    CHECK(new_pack > 0);
}
