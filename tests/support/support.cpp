#include "support.hpp"

#include "content/sha256.hpp"

#include <doctest/doctest.h>


#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <thread>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace vitrine::test {

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "vitrine-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
}

// The build's programs are the files under the build directory; the host's
// tools are found on PATH or in the source tree.
std::vector<std::string> emulated(std::vector<std::string> argv) {
    const char* emulator = std::getenv("VITRINE_TEST_EMULATOR");
    if (!emulator || !*emulator || argv.empty() || !argv[0].starts_with(VITRINE_BUILD_DIR "/")) return argv;
    std::istringstream words(emulator);
    std::vector<std::string> command{std::istream_iterator<std::string>(words), {}};
    command.insert(command.end(), argv.begin(), argv.end());
    return command;
}

std::string shell_command(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& word : emulated(argv)) {
        if (!line.empty()) line += ' ';
        line += '\'';
        for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += '\'';
    }
    return line;
}

pid_t spawn_quiet(const std::vector<std::string>& given) {
    const std::vector<std::string> argv = emulated(given);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv.at(0));
    return pid;
}

ProcessResult run(const std::vector<std::string>& given, const std::string& stdin_text) {
    const std::vector<std::string> argv = emulated(given);
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
        throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(in[1]);
        ::close(out[0]);
        ::close(err[0]);
        throw std::runtime_error("cannot start " + argv[0]);
    }
    if (!stdin_text.empty()) (void)!::write(in[1], stdin_text.data(), stdin_text.size());
    ::close(in[1]);
    ProcessResult r;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0) {
        ::poll(fds, 2, -1);
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return r;
}

std::string read_file(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_file(const fs::path& p, const std::string& data) {
    if (p.has_parent_path()) fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << data;
}

std::string minisign_key_line(const fs::path& pub_file) {
    std::string key = read_file(pub_file);
    key = key.substr(key.find('\n') + 1);
    return key.substr(0, key.find('\n'));
}

Key Key::generate(const fs::path& dir, const std::string& name) {
    Key k;
    k.pub_file = dir / (name + ".pub");
    k.sec_file = dir / (name + ".key");
    auto r = run({"minisign", "-G", "-W", "-f", "-p", k.pub_file.string(), "-s", k.sec_file.string()});
    if (r.exit_code != 0) throw std::runtime_error("minisign -G failed: " + r.err);
    std::istringstream in(read_file(k.pub_file));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty() && !line.starts_with("untrusted comment:")) k.pub_line = line;
    k.key = content::parse_public_key(k.pub_line);
    return k;
}

void sign(const fs::path& pack_dir, const Key& key, const std::string& trusted_comment, bool legacy) {
    std::vector<std::string> argv = {"minisign", "-S", "-s", key.sec_file.string(), "-t", trusted_comment,
                                     "-m", (pack_dir / "manifest.json").string()};
    if (legacy) argv.insert(argv.begin() + 2, "-l");
    auto r = run(argv);
    if (r.exit_code != 0) throw std::runtime_error("minisign -S failed: " + r.err);
}

namespace {

nlohmann::json loc(const std::string& fr, const std::string& en) { return {{"fr", fr}, {"en", en}}; }

std::string pseudo_random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen() & 0xff);
    return s;
}

}  // namespace

void save_manifest(const fs::path& dir, nlohmann::json doc, bool refill_files) {
    if (refill_files) {
        nlohmann::json files = nlohmann::json::object();
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            if (!e.is_regular_file() || e.is_symlink()) continue;
            std::string rel = fs::relative(e.path(), dir).generic_string();
            if (rel == "manifest.json" || rel == "manifest.json.minisig") continue;
            std::string data = read_file(e.path());
            content::Sha256 h;
            h.update(data.data(), data.size());
            files[rel] = {{"size", data.size()}, {"sha256", content::to_hex(h.finish())}};
        }
        doc["files"] = files;
    }
    write_file(dir / "manifest.json", doc.dump(2));
}

nlohmann::json make_pack(const fs::path& dir, const PackSpec& spec) {
    fs::create_directories(dir / "media");
    unsigned seed = static_cast<unsigned>(spec.version * 1000);
    nlohmann::json doc = {
        {"format", 1},
        {"pack", {{"id", spec.id}, {"version", spec.version}, {"created", "2026-11-20T10:00:00Z"},
                  {"title", loc("Paquet de test", "Test pack")}}},
        {"languages", {"fr", "en"}},
        {"sectors", {{{"id", "aerospace"}, {"name", loc("Aéronautique", "Aerospace")}, {"colour", "#1F6FEB"}},
                     {{"id", "health"}, {"name", loc("Santé", "Health")}, {"colour", "#2EA043"}}}},
        {"cities", {{{"id", "toulouse"}, {"name", loc("Toulouse", "Toulouse")}},
                    {{"id", "montpellier"}, {"name", loc("Montpellier", "Montpellier")}}}},
        {"showcases", nlohmann::json::array()},
        {"campaign", nlohmann::json::array()},
    };
    for (int i = 0; i < spec.showcases; ++i) {
        std::string id = "showcase-" + std::to_string(i);
        std::string thumb = "media/" + id + "/thumb.jpg";
        write_file(dir / thumb, pseudo_random_bytes(spec.file_size, seed++));
        doc["showcases"].push_back({
            {"id", id},
            {"sectors", {i % 2 ? "health" : "aerospace"}},
            {"city", i % 2 ? "montpellier" : "toulouse"},
            {"company", {{"name", "Company " + std::to_string(i)}}},
            {"title", loc("Titre " + std::to_string(i), "Title " + std::to_string(i))},
            {"summary", loc("Résumé", "Summary")},
            {"body", {{"fr", "Corps du texte."}}},
            {"figures", {{{"value", "42 %"}, {"label", loc("Gain", "Gain")}}}},
            {"thumbnail", thumb},
            {"media", {{{"type", "image"}, {"path", thumb}}}},
        });
    }
    write_file(dir / "media/campaign/loop.mp4", pseudo_random_bytes(spec.file_size, seed++));
    write_file(dir / "media/campaign/loop.fr.vtt", "WEBVTT\n\n00:00.000 --> 00:02.000\nBonjour\n");
    doc["campaign"].push_back({{"video", "media/campaign/loop.mp4"},
                               {"tagline", loc("On construit des robots", "We build robots")},
                               {"subtitles", {{"fr", "media/campaign/loop.fr.vtt"}}}});
    for (int i = 0; i < spec.extra_files; ++i)
        write_file(dir / ("media/extra/" + std::to_string(i) + ".bin"), pseudo_random_bytes(spec.file_size, seed++));
    save_manifest(dir, doc);
    return nlohmann::json::parse(read_file(dir / "manifest.json"));
}

fs::path make_signed_pack(const fs::path& dir, const Key& key, const PackSpec& spec) {
    make_pack(dir, spec);
    sign(dir, key);
    return dir;
}

void flip_byte(const fs::path& p, std::size_t offset) {
    std::string data = read_file(p);
    if (offset >= data.size()) throw std::runtime_error("flip_byte: offset past the end of " + p.string());
    data[offset] = static_cast<char>(data[offset] ^ 0x20);
    write_file(p, data);
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

double slowdown() {
    const char* v = std::getenv("VITRINE_TEST_SLOWDOWN");
    const double x = v ? std::atof(v) : 1.0;
    return x >= 1.0 ? x : 1.0;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::string vitrine_bin() {
    const char* other = std::getenv("VITRINE_TEST_BIN");
    return other && *other ? other : VITRINE_BIN;
}

void with_file_size_limit(std::uint64_t bytes, const std::function<void()>& f) {
    struct rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    struct rlimit limited = old;
    limited.rlim_cur = bytes;
    auto before = std::signal(SIGXFSZ, SIG_IGN);
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
    try {
        f();
    } catch (...) {
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, before);
        throw;
    }
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, before);
}

namespace {
std::vector<std::string> skips;
}

void skip_suite(const std::string& why) {
    MESSAGE("SKIP: " << why);
    skips.push_back(why);
}

const std::vector<std::string>& skip_reasons() { return skips; }

}  // namespace vitrine::test
