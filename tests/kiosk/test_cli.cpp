// The `vitrine` command line as staff and content authors use it: exit
// codes, messages, --json documents, and the author's build-sign-verify loop.
#include "support/support.hpp"

#include <doctest/doctest.h>

using namespace vitrine::test;
using nlohmann::json;

namespace {

struct Cli {
    TempDir tmp;
    Key key = Key::generate(tmp.path);
    fs::path config = tmp / "vitrine.toml";
    Cli() {
        write_file(config, "[device]\ndata_dir = \"data\"\n[packs]\ntrusted_keys = [\"" + key.pub_line +
                               "\"]\nwatch_dirs = []\n");
    }
    ProcessResult vitrine(std::vector<std::string> args) {
        args.insert(args.begin(), {vitrine_bin(), "--config", config.string()});
        return run(args);
    }
    json json_of(const ProcessResult& r) {
        INFO(r.err);
        return json::parse(r.out);
    }
};

}  // namespace

TEST_CASE_FIXTURE(Cli, "help and usage errors") {
    auto help = run({vitrine_bin(), "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("pack") != std::string::npos);
    CHECK(run({vitrine_bin(), "pack", "install", "--help"}).out.find("--allow-downgrade") != std::string::npos);
    CHECK(run({vitrine_bin()}).exit_code == 2);
    CHECK(run({vitrine_bin(), "no-such-command"}).exit_code == 2);
    CHECK(run({vitrine_bin(), "pack", "verify"}).exit_code == 2);  // DIR missing
    CHECK(run({vitrine_bin(), "pack", "list", "--no-such-flag"}).exit_code == 2);
}

TEST_CASE_FIXTURE(Cli, "the content author's loop: build, sign, verify, install, list, rollback") {
    fs::path dir = tmp / "pack";
    auto doc = make_pack(dir);
    doc.erase("files");
    write_file(dir / "manifest.json", doc.dump(2));

    auto built = vitrine({"pack", "build", dir.string()});
    CHECK(built.exit_code == 0);
    CHECK(built.out.find("now sign it: minisign -Sm") != std::string::npos);
    auto filled = json::parse(read_file(dir / "manifest.json"));
    CHECK(filled["files"].size() == 4);
    CHECK(filled["files"]["media/campaign/loop.fr.vtt"]["size"] == read_file(dir / "media/campaign/loop.fr.vtt").size());
    CHECK(filled["showcases"] == doc["showcases"]);  // the author's text is kept as written

    auto unsigned_verify = vitrine({"pack", "verify", dir.string()});
    CHECK(unsigned_verify.exit_code == 1);
    CHECK(unsigned_verify.err.find("the pack is not signed") != std::string::npos);

    sign(dir, key);
    auto verified = vitrine({"pack", "verify", "--json", dir.string()});
    CHECK(verified.exit_code == 0);
    auto v = json_of(verified);
    CHECK(v["ok"] == true);
    CHECK(v["id"] == "test-pack");
    CHECK(v["relation"] == "nothing-installed");
    CHECK(v["key_id"] == key.key.id());

    auto installed = vitrine({"pack", "install", "--json", dir.string()});
    CHECK(installed.exit_code == 0);
    CHECK(installed.err.find("installing: 4/4 files") != std::string::npos);  // progress on stderr
    CHECK(json_of(installed)["installed"]["dir"] == "test-pack-1");

    auto again = vitrine({"pack", "install", "--json", dir.string()});
    CHECK(again.exit_code == 1);
    CHECK(json_of(again)["error"].get<std::string>().find("already installed") != std::string::npos);

    fs::path dir2 = tmp / "pack2";
    make_pack(dir2, PackSpec{.version = 2});
    sign(dir2, key);
    CHECK(vitrine({"pack", "install", dir2.string()}).exit_code == 0);

    auto list = json_of(vitrine({"pack", "list", "--json"}));
    REQUIRE(list["packs"].size() == 2);
    CHECK(list["packs"][0]["version"] == 2);
    CHECK(list["packs"][0]["current"] == true);
    CHECK(list["packs"][1]["previous"] == true);
    auto text_list = vitrine({"pack", "list"});
    CHECK(text_list.out.find("* test-pack-2") != std::string::npos);

    auto rolled = vitrine({"pack", "rollback"});
    CHECK(rolled.exit_code == 0);
    CHECK(rolled.out.find("test-pack-1 is current again") != std::string::npos);
    CHECK(json_of(vitrine({"pack", "list", "--json"}))["packs"][1]["current"] == true);
}

TEST_CASE_FIXTURE(Cli, "pack build refuses an invalid manifest and leaves it as it was") {
    fs::path dir = tmp / "pack";
    auto doc = make_pack(dir);
    doc["showcases"][0]["sectors"] = {"no-such-sector"};
    doc.erase("files");
    write_file(dir / "manifest.json", doc.dump(2));
    const std::string before = read_file(dir / "manifest.json");
    auto r = vitrine({"pack", "build", dir.string()});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("showcases[0] \"showcase-0\".sectors[0]: unknown sector \"no-such-sector\"") != std::string::npos);
    CHECK(read_file(dir / "manifest.json") == before);
}

TEST_CASE_FIXTURE(Cli, "configuration errors name the file and line, and exit 1") {
    write_file(config, "[device]\nid = \"kiosk-01\"\nidle_timout_s = 30\n");
    auto r = vitrine({"pack", "list"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("vitrine.toml:3: device.idle_timout_s: unknown key") != std::string::npos);

    auto missing = run({vitrine_bin(), "--config", (tmp / "absent.toml").string(), "pack", "list"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("absent.toml: cannot read the configuration file") != std::string::npos);

    write_file(config, "[packs]\ntrusted_keys = []\n");
    auto no_keys = vitrine({"pack", "verify", (tmp / "anything").string()});
    CHECK(no_keys.exit_code == 1);
    CHECK(no_keys.err.find("no trusted keys are configured") != std::string::npos);
}

TEST_CASE_FIXTURE(Cli, "--json prints its error document for a path that is not UTF-8") {
    auto r = vitrine({"pack", "verify", (tmp / "no\xff" "pack").string(), "--json"});
    CHECK(r.exit_code == 1);
    auto doc = json_of(r);
    CHECK(doc["ok"] == false);
    CHECK(doc["error"].get<std::string>().find("no\xef\xbf\xbdpack") != std::string::npos);  // U+FFFD
}

TEST_CASE_FIXTURE(Cli, "--data overrides the configured data directory") {
    fs::path dir = tmp / "pack";
    make_pack(dir);
    sign(dir, key);
    fs::path other = tmp / "elsewhere";
    CHECK(vitrine({"--data", other.string(), "pack", "install", dir.string()}).exit_code == 0);
    CHECK(fs::is_symlink(other / "current"));
    CHECK_FALSE(fs::exists(tmp / "data"));
}
