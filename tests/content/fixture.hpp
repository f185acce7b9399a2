// A data directory with a real signing key and version 1 of a test pack
// installed: the starting point of the install, refusal and watcher suites.
#pragma once
#include "content/pack_dir.hpp"
#include "content/store.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

namespace vitrine::test {

struct StoreFixture {
    TempDir tmp;
    Key key = Key::generate(tmp.path);
    fs::path data = tmp / "data";
    content::PackStore store{data};
    std::vector<content::PublicKey> keys{key.key};

    // Version `v` of the test pack, signed, in tmp/name.
    fs::path pack(const std::string& name, std::int64_t v, PackSpec spec = {}) {
        spec.version = v;
        return make_signed_pack(tmp / name, key, spec);
    }
    content::InstallResult install(const fs::path& dir, bool allow_downgrade = false) {
        content::InstallOptions opt;
        opt.allow_downgrade = allow_downgrade;
        return store.install(dir, keys, opt);
    }
    std::int64_t current_version() {
        auto c = store.current();
        return c ? c->version : 0;
    }
    // Everything an install may touch, to show that a refusal touched nothing.
    std::string state() {
        std::string s;
        for (const auto& e : entries(data)) s += e + " ";
        s += "| ";
        for (const auto& e : entries(data / "packs")) s += e + " ";
        std::error_code ec;
        s += "| current=" + fs::read_symlink(data / "current", ec).string();
        s += " previous=" + fs::read_symlink(data / "previous", ec).string();
        return s;
    }
    // Every file of the current pack matches its manifest.
    void check_current_intact() {
        auto c = store.current();
        REQUIRE(c);
        CHECK(c->problem == "");
        content::PackDir dir(c->path);
        auto m = content::parse_manifest(dir.read_small("manifest.json", content::kMaxManifestBytes));
        CHECK_NOTHROW(content::check_files(dir, m));
    }
};

}  // namespace vitrine::test
