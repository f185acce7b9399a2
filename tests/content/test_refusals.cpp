// Every way a pack can be refused: each with the message a staff member
// sees, and with the installed pack (version 1) untouched afterwards.
#include "content/error.hpp"
#include "fixture.hpp"

#include <sys/stat.h>

#include <functional>

using namespace vitrine;
using namespace vitrine::test;
using content::PackError;

namespace {

struct Refusals : StoreFixture {
    Refusals() { install(pack("v1", 1)); }

    // A version 2 pack, unsigned, for a test to spoil and sign.
    fs::path v2() {
        fs::path dir = tmp / "v2";
        PackSpec spec;
        spec.version = 2;
        make_pack(dir, spec);
        return dir;
    }
    nlohmann::json manifest(const fs::path& dir) { return nlohmann::json::parse(read_file(dir / "manifest.json")); }
    // A version 2 pack whose manifest `spoil` changed before it was signed.
    fs::path signed_v2(const std::function<void(nlohmann::json&)>& spoil) {
        fs::path dir = v2();
        auto doc = manifest(dir);
        spoil(doc);
        save_manifest(dir, doc, false);
        sign(dir, key);
        return dir;
    }

    // Both `pack verify` and `pack install` refuse, saying `text`, and nothing changes.
    void refused(const fs::path& dir, const std::string& text) {
        const std::string before = state();
        CHECK_THROWS_WITH_AS(
            {
                content::PackDir p(dir);
                auto sm = content::read_signed_manifest(p, keys);
                content::check_files(p, sm.manifest);
            },
            doctest::Contains(text.c_str()), PackError);
        CHECK_THROWS_WITH_AS(install(dir), doctest::Contains(text.c_str()), PackError);
        CHECK(state() == before);
        CHECK(current_version() == 1);
        check_current_intact();
    }
};

}  // namespace

TEST_CASE_FIXTURE(Refusals, "a valid newer pack is accepted (the baseline of this suite)") {
    fs::path dir = v2();
    sign(dir, key);
    install(dir);
    CHECK(current_version() == 2);
}

TEST_CASE_FIXTURE(Refusals, "missing signature") {
    refused(v2(), "the pack is not signed");
}

TEST_CASE_FIXTURE(Refusals, "unknown key") {
    fs::path dir = v2();
    Key other = Key::generate(tmp.path, "other");
    sign(dir, other);
    refused(dir, "signed with key " + other.key.id() + ", which is not a trusted key");
}

TEST_CASE_FIXTURE(Refusals, "signature of another manifest") {
    fs::path dir = v2();
    sign(dir, key);
    fs::path other = pack("other", 3);
    fs::copy_file(other / "manifest.json.minisig", dir / "manifest.json.minisig",
                  fs::copy_options::overwrite_existing);
    refused(dir, "bad signature: manifest.json was changed after it was signed");
}

TEST_CASE_FIXTURE(Refusals, "a flipped byte in the manifest") {
    fs::path dir = v2();
    sign(dir, key);
    std::string text = read_file(dir / "manifest.json");
    flip_byte(dir / "manifest.json", text.find("Paquet de test"));
    refused(dir, "bad signature: manifest.json was changed");
}

TEST_CASE_FIXTURE(Refusals, "a changed byte in the signature") {
    fs::path dir = v2();
    sign(dir, key);
    std::string sig = read_file(dir / "manifest.json.minisig");
    std::size_t at = sig.find('\n') + 1 + 30;  // inside the Ed25519 signature
    SUBCASE("still valid base64") {
        sig[at] = sig[at] == 'A' ? 'B' : 'A';
        write_file(dir / "manifest.json.minisig", sig);
        refused(dir, "bad signature");
    }
    SUBCASE("no longer base64") {
        sig[at] = '*';
        write_file(dir / "manifest.json.minisig", sig);
        refused(dir, "manifest.json.minisig: the signature line is not valid base64");
    }
}

TEST_CASE_FIXTURE(Refusals, "an edited trusted comment") {
    fs::path dir = v2();
    sign(dir, key, "timestamp:1700000000 file:manifest.json");
    std::string sig = read_file(dir / "manifest.json.minisig");
    sig.replace(sig.find("1700000000"), 10, "1900000000");
    write_file(dir / "manifest.json.minisig", sig);
    refused(dir, "the trusted comment of manifest.json.minisig was altered");
}

TEST_CASE_FIXTURE(Refusals, "a flipped byte in a media file") {
    fs::path dir = v2();
    sign(dir, key);
    flip_byte(dir / "media/showcase-1/thumb.jpg", 100);
    refused(dir, "media/showcase-1/thumb.jpg: content does not match its SHA-256");
}

TEST_CASE_FIXTURE(Refusals, "a listed file is missing") {
    fs::path dir = v2();
    sign(dir, key);
    fs::remove(dir / "media/campaign/loop.mp4");
    refused(dir, "media/campaign/loop.mp4: listed in the manifest but missing from the pack");
}

TEST_CASE_FIXTURE(Refusals, "a file longer than listed") {
    fs::path dir = v2();
    sign(dir, key);
    write_file(dir / "media/campaign/loop.fr.vtt", read_file(dir / "media/campaign/loop.fr.vtt") + "x");
    refused(dir, "media/campaign/loop.fr.vtt: longer than the");
}

TEST_CASE_FIXTURE(Refusals, "a file shorter than listed") {
    fs::path dir = v2();
    sign(dir, key);
    fs::resize_file(dir / "media/showcase-0/thumb.jpg", 10);
    refused(dir, "media/showcase-0/thumb.jpg: shorter than listed (10 of 4096 bytes)");
}

TEST_CASE_FIXTURE(Refusals, "unlisted files are ignored and never copied") {
    fs::path dir = v2();
    sign(dir, key);
    write_file(dir / "media/unlisted.bin", "not in the manifest");
    write_file(dir / "notes.txt", "nor this");
    auto r = install(dir);
    CHECK(current_version() == 2);
    CHECK_FALSE(fs::exists(r.pack.path / "media/unlisted.bin"));
    CHECK_FALSE(fs::exists(r.pack.path / "notes.txt"));
    CHECK(fs::exists(r.pack.path / "media/showcase-0/thumb.jpg"));
}

TEST_CASE_FIXTURE(Refusals, "paths that leave the pack") {
    struct Case {
        std::string path;
        const char* why;
    };
    const Case cases[] = {
        {"/etc/passwd", "absolute path"},
        {"../outside.bin", "'..' component in path"},
        {"media/../../outside.bin", "'..' component in path"},
        {"media\\evil.bin", "backslash in path"},
        {"media/./x.bin", "'.' component in path"},
        {"media//x.bin", "empty path component"},
        {std::string("media/a\0b", 9), "NUL character in path"},
        {"media/a\nb", "control character in path"},
        {"media/a\x7f" "b", "control character in path"},
    };
    for (const auto& c : cases) {
        const std::string& path = c.path;
        CAPTURE(path);
        fs::path dir = v2();
        auto doc = manifest(dir);
        doc["files"][path] = {{"size", 1}, {"sha256", std::string(64, '0')}};
        save_manifest(dir, doc, false);
        sign(dir, key);
        refused(dir, c.why);
        fs::remove_all(dir);
    }
}

TEST_CASE_FIXTURE(Refusals, "a symlink to a file inside the pack") {
    fs::path dir = v2();
    sign(dir, key);
    fs::path victim = dir / "media/showcase-0/thumb.jpg";
    fs::copy_file(victim, tmp / "elsewhere.jpg");
    fs::remove(victim);
    fs::create_symlink(tmp / "elsewhere.jpg", victim);  // same bytes: only the link is wrong
    refused(dir, "media/showcase-0/thumb.jpg: symbolic links are not allowed in a pack");
}

TEST_CASE_FIXTURE(Refusals, "a symlinked directory inside the pack") {
    fs::path dir = v2();
    sign(dir, key);
    fs::rename(dir / "media/showcase-1", tmp / "moved");
    fs::create_directory_symlink(tmp / "moved", dir / "media/showcase-1");
    refused(dir, "symbolic links are not allowed in a pack");
}

TEST_CASE_FIXTURE(Refusals, "a FIFO where a file should be") {
    fs::path dir = signed_v2([](nlohmann::json& doc) {
        doc["files"]["media/pipe"] = {{"size", 0},
                                      {"sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}};
    });
    ::mkfifo((dir / "media/pipe").c_str(), 0644);
    refused(dir, "media/pipe: not a regular file");
}

TEST_CASE_FIXTURE(Refusals, "a manifest over the size cap") {
    fs::path dir = signed_v2([](nlohmann::json& doc) {
        doc["pack"]["about"] = {{"fr", std::string(9 << 20, 'a')}};
    });
    refused(dir, "manifest.json: larger than the 8192 KiB limit");
}

TEST_CASE_FIXTURE(Refusals, "malformed JSON") {
    fs::path dir = v2();
    write_file(dir / "manifest.json", read_file(dir / "manifest.json") + ",");
    sign(dir, key);
    refused(dir, "manifest.json is not valid JSON");
}

TEST_CASE_FIXTURE(Refusals, "wrong types") {
    fs::path dir = signed_v2([](nlohmann::json& doc) {
        doc["showcases"][1]["figures"] = "many";
    });
    refused(dir, "showcases[1] \"showcase-1\".figures: must be an array, not string");
}

TEST_CASE_FIXTURE(Refusals, "duplicate showcase ids") {
    fs::path dir = signed_v2([](nlohmann::json& doc) {
        doc["showcases"][1]["id"] = "showcase-0";
    });
    refused(dir, "showcases[1] \"showcase-0\".id: duplicate showcase id \"showcase-0\"");
}

TEST_CASE_FIXTURE(Refusals, "references to files not in the list") {
    struct Case {
        const char* pointer;
        const char* field;
    };
    const Case cases[] = {
        {"/showcases/0/thumbnail", "showcases[0] \"showcase-0\".thumbnail"},
        {"/showcases/1/media/0/path", "showcases[1] \"showcase-1\".media[0].path"},
        {"/campaign/0/subtitles/fr", "campaign[0].subtitles.fr"},
        {"/campaign/0/video", "campaign[0].video"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.pointer);
        fs::path dir = v2();
        auto doc = manifest(dir);
        doc[nlohmann::json::json_pointer(c.pointer)] = "media/not-listed.jpg";
        save_manifest(dir, doc, false);
        sign(dir, key);
        refused(dir, std::string(c.field) + ": \"media/not-listed.jpg\" is not listed in files");
        fs::remove_all(dir);
    }
}

TEST_CASE_FIXTURE(Refusals, "an unknown format number") {
    fs::path dir = signed_v2([](nlohmann::json& doc) {
        doc["format"] = 2;
    });
    refused(dir, "format: unsupported format 2");
}

TEST_CASE_FIXTURE(Refusals, "a lower version, and the same version") {
    install(pack("v3", 3));
    std::string before = state();
    CHECK_THROWS_WITH_AS(install(pack("v2", 2)), doctest::Contains("version 2 is older than the installed version 3"),
                         PackError);
    CHECK_THROWS_WITH_AS(install(tmp / "v3"), doctest::Contains("version 3 is already installed"), PackError);
    CHECK(state() == before);
    CHECK(current_version() == 3);
}

TEST_CASE_FIXTURE(Refusals, "a pack that claims more space than the disk has") {
    fs::path dir = v2();
    auto doc = manifest(dir);
    doc["files"]["media/campaign/loop.mp4"]["size"] = std::uint64_t(1) << 50;
    save_manifest(dir, doc, false);
    sign(dir, key);
    const std::string before = state();
    CHECK_THROWS_WITH_AS(install(dir), doctest::Contains("not enough free space on the data partition"), PackError);
    CHECK(state() == before);
}
