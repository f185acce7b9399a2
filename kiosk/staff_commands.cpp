// vitrine staff set-pin: writes the hash of a new staff PIN into [staff]
// pin_hash of the configuration file, keeping every other line and comment.
// The PIN is read from standard input (asked twice, not echoed, on a
// terminal) and never printed, logged or written in clear.
#include "kiosk/commands.hpp"
#include "kiosk/pin.hpp"

#include "base/disk.hpp"
#include "base/text.hpp"

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace vitrine {
namespace {

// A string wiped when it goes: the PIN does not linger in freed memory.
struct Secret {
    std::string text;
    ~Secret() {
        if (!text.empty()) sodium_memzero(text.data(), text.size());
    }
};

void read_line(std::istream& in, Secret& out) {
    std::getline(in, out.text);
    while (!out.text.empty() && (out.text.back() == '\r' || out.text.back() == '\n')) out.text.pop_back();
}

// Asks on the terminal with echo off.
void ask(const char* prompt, Secret& out) {
    std::cerr << prompt << std::flush;
    termios old{};
    const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    read_line(std::cin, out);
    if (tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
}

std::string trim(std::string_view s) { return std::string(base::trim(s)); }

// The table a line opens ("staff" for "[staff]  # comment"), or "" when it
// opens none.
std::string table_of(const std::string& line) {
    std::string t = trim(line);
    if (t.size() < 3 || t[0] != '[' || t[1] == '[') return "";  // [[array]] tables are not ours
    auto close = t.find(']');
    if (close == std::string::npos) return "";
    std::string rest = trim(std::string_view(t).substr(close + 1));
    if (!rest.empty() && rest[0] != '#') return "";
    return trim(std::string_view(t).substr(1, close - 1));
}

bool is_table_line(const std::string& line) {
    std::string t = trim(line);
    return !t.empty() && t[0] == '[';
}

bool sets_key(const std::string& line, std::string_view key) {
    std::string t = trim(line);
    if (!t.starts_with(key)) return false;
    std::string rest = trim(std::string_view(t).substr(key.size()));
    return !rest.empty() && rest[0] == '=';
}

// The configuration text with pin_hash set in [staff]: replaces the line
// that sets it, or adds it at the top of [staff], or adds [staff] at the end.
std::string with_pin_hash(const std::string& text, const std::string& hash) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    const std::string entry = "pin_hash = \"" + hash + "\"";
    bool in_staff = false, done = false;
    std::size_t header = lines.size();
    for (std::size_t i = 0; i < lines.size() && !done; ++i) {
        if (is_table_line(lines[i])) {
            in_staff = table_of(lines[i]) == "staff";
            if (in_staff) header = i;
            continue;
        }
        if (in_staff && sets_key(lines[i], "pin_hash")) {
            std::string indent = lines[i].substr(0, lines[i].find_first_not_of(" \t"));
            lines[i] = indent + entry;
            done = true;
        }
    }
    if (!done && header < lines.size()) {
        lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(header) + 1, entry);
        done = true;
    }
    if (!done) {
        if (!lines.empty() && !trim(lines.back()).empty()) lines.emplace_back();
        lines.push_back("[staff]");
        lines.push_back(entry);
    }
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// Replaces `file` with `text` in one rename(2), keeping its mode and owner.
void replace_config(const fs::path& file, const std::string& text) {
    try {
        base::replace_file(file, text, {.keep_mode_and_owner = true});
    } catch (const base::DiskError& e) {
        std::string what = e.what();
        if (e.problem() == base::DiskProblem::Denied) what += "; run it as root (sudo)";
        if (e.problem() == base::DiskProblem::ReadOnly) what += "; on the kiosk image, remount it writable first";
        // A failed flush of the directory comes after the rename.
        throw std::runtime_error(what + (e.step() == "flush the directory" ? "" : "; the file is unchanged"));
    }
}

void set_pin(const std::string& config_file) {
    Secret pin;
    if (::isatty(STDIN_FILENO)) {
        Secret again;
        ask("new staff PIN (4 to 8 digits): ", pin);
        if (!valid_pin(pin.text))
            throw std::runtime_error("a PIN is 4 to 8 digits (0-9), nothing else; nothing was written");
        ask("the same PIN again: ", again);
        if (again.text != pin.text) throw std::runtime_error("the two PINs differ; nothing was written");
    } else {
        read_line(std::cin, pin);
        if (pin.text.empty() && !std::cin)
            throw std::runtime_error("no PIN on standard input (one line of 4 to 8 digits); nothing was written");
    }
    if (!valid_pin(pin.text))
        throw std::runtime_error("a PIN is 4 to 8 digits (0-9), nothing else; nothing was written");

    fs::path file = config_file;
    std::error_code ec;
    struct stat st{};
    const bool exists = ::stat(file.c_str(), &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) throw std::runtime_error(file.string() + " is not a regular file");
    if (exists) {  // a symlink: change its target, keep the link
        fs::path real = fs::canonical(file, ec);
        if (!ec) file = real;
    }
    std::string text;
    if (exists) {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    const std::string updated = with_pin_hash(text, hash_pin(pin.text));
    // Never leave a configuration the kiosk would refuse at start.
    try {
        parse_config(updated, file.string(), fs::absolute(file).parent_path());
    } catch (const ConfigError& e) {
        throw std::runtime_error(std::string("the configuration would not load with the PIN in it, so nothing was "
                                             "written; fix it first: ") +
                                 e.what());
    }
    replace_config(file, updated);
    std::cout << "staff PIN set: its hash is in [staff] pin_hash of " << file.string()
              << (exists ? "" : " (a new file)") << "; restart the kiosk for it to apply\n";
}

}  // namespace

void add_staff_commands(CLI::App& app, CommandContext& ctx) {
    CLI::App* staff = app.add_subcommand("staff", "staff mode: the PIN that opens it on the kiosk");
    staff->require_subcommand(1);
    auto* cmd = staff->add_subcommand(
        "set-pin", "read a new staff PIN (4 to 8 digits) from standard input and write its hash into [staff] pin_hash");
    auto file = std::make_shared<std::string>();
    cmd->add_option("--config", *file, "the configuration file to change (default: the global --config, else " +
                                           std::string(kDefaultConfigPath) + ")");
    cmd->callback([&ctx, file] {
        guarded(ctx, false, [&] {
            set_pin(!file->empty() ? *file : !ctx.config_file.empty() ? ctx.config_file : kDefaultConfigPath);
        });
    });
}

}  // namespace vitrine
