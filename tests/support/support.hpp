// Test helpers: temporary directories, child processes, real minisign keys,
// and small signed packs built the way a content author builds them.
#pragma once
#include "content/minisign.hpp"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace vitrine::test {

namespace fs = std::filesystem;

struct TempDir {
    fs::path path;
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    fs::path operator/(const std::string& p) const { return path / p; }
};

struct ProcessResult {
    int exit_code = -1;  // -signal when killed
    std::string out, err;
};
// Runs argv[0] (PATH searched) with the given arguments, capturing output.
ProcessResult run(const std::vector<std::string>& argv, const std::string& stdin_text = {});
// Starts argv[0] (PATH searched) with no input and its output thrown away,
// for crash tests that kill it; returns its pid.
pid_t spawn_quiet(const std::vector<std::string>& argv);
// argv as it must be started: a cross build's suites run under an emulator
// (CTest passes CMAKE_CROSSCOMPILING_EMULATOR on as VITRINE_TEST_EMULATOR)
// and so must the programs of the build they start, while the host's tools
// (minisign, zbarimg...) run as they are. run() and spawn_quiet() apply it.
std::vector<std::string> emulated(std::vector<std::string> argv);
// emulated(argv) as one shell command line, every word quoted: for the tests
// that start a program of the build through `sh -c`, `script -c`...
std::string shell_command(const std::vector<std::string>& argv);

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& data);

// A minisign key pair made by the real minisign tool (no password).
struct Key {
    fs::path pub_file, sec_file;
    std::string pub_line;  // the base64 line, as it goes in the config
    content::PublicKey key;
    static Key generate(const fs::path& dir, const std::string& name = "key");
};

// The public key line of a minisign .pub file (its second line).
std::string minisign_key_line(const fs::path& pub_file);

// Signs dir/manifest.json with the real minisign tool.
void sign(const fs::path& pack_dir, const Key& key, const std::string& trusted_comment = "test pack",
          bool legacy = false);

// A small valid manifest (two sectors, `showcases` showcases, one campaign
// video) whose files are written into `dir` with the given size; `files` is
// filled in. Returns the manifest document, already saved.
struct PackSpec {
    std::string id = "test-pack";
    std::int64_t version = 1;
    int showcases = 2;
    std::size_t file_size = 4096;
    int extra_files = 0;  // more media files, each `file_size` bytes
};
nlohmann::json make_pack(const fs::path& dir, const PackSpec& spec = {});

// Rewrites `files` of dir/manifest.json from the files present (what
// `vitrine pack build` does) and saves `doc`.
void save_manifest(const fs::path& dir, nlohmann::json doc, bool refill_files = true);

// make_pack + sign.
fs::path make_signed_pack(const fs::path& dir, const Key& key, const PackSpec& spec = {});

// Flips one byte of a file in place.
void flip_byte(const fs::path& p, std::size_t offset);

// Every entry name in a directory.
std::vector<std::string> entries(const fs::path& dir);

// How much slower this build runs than a plain one: VITRINE_TEST_SLOWDOWN,
// which the sanitizer builds set (tests/sanitizers/sanitizers.cmake); 1
// otherwise. Time limits of functional checks are multiplied by it: a
// plain build keeps them as tight as they are written.
double slowdown();

// Runs `f` with writes past `bytes` of a file failing with EFBIG (RLIMIT_FSIZE,
// SIGXFSZ ignored meanwhile): a write that fails part way, as on a full
// disk, without root.
void with_file_size_limit(std::uint64_t bytes, const std::function<void()>& f);

// A case that cannot run on this machine calls skip_suite(why) and
// returns: if nothing failed, the suite exits 77 and CTest reports it
// skipped (the entry needs SKIP_RETURN_CODE 77; vitrine_suite's MOUNTS
// gives its entry that), never passed.
void skip_suite(const std::string& why);
const std::vector<std::string>& skip_reasons();

// Polls `done` every 10 ms until it holds; false after `timeout`.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// The `vitrine` binary under test: this build's, or VITRINE_TEST_BIN's
// (to run a suite that drives the binary against another build of it).
std::string vitrine_bin();

}  // namespace vitrine::test
