// vitrine::log: the line format and the short memory of problems that the
// staff screen shows. See log.hpp for the contract.
#include "kiosk/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <deque>
#include <mutex>

namespace vitrine {
namespace {

// More than the staff screen shows, few enough to never matter in memory.
constexpr std::size_t kKeptProblems = 32;

std::mutex mutex;
std::deque<LogLine> problems;

bool parse_number(std::string_view s, unsigned long long& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// Checked on every call rather than once: log lines are rare, and stderr can
// be redirected (or the environment changed) while the process runs.
bool with_priority() {
    if (const char* force = std::getenv("VITRINE_LOG_PRIORITY"); force && std::string_view(force) == "1") return true;
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream) return false;
    std::string_view s(stream);
    auto colon = s.find(':');
    unsigned long long dev = 0, ino = 0;
    if (colon == std::string_view::npos || !parse_number(s.substr(0, colon), dev) ||
        !parse_number(s.substr(colon + 1), ino))
        return false;
    struct stat st {};
    if (fstat(STDERR_FILENO, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

// One journal entry per call: line breaks inside become " | ", trailing ones
// are dropped, other control characters become spaces.
std::string one_line(std::string_view message) {
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.remove_suffix(1);
    std::string out;
    out.reserve(message.size());
    for (std::size_t i = 0; i < message.size(); ++i) {
        char c = message[i];
        if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
        if (c == '\n' || c == '\r')
            out += " | ";
        else if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
            out += ' ';
        else
            out += c;
    }
    return out;
}

void write_all(const std::string& line) {
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report it
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace

void log(LogLevel level, std::string_view message) {
    std::string text = one_line(message);
    std::lock_guard lock(mutex);
    std::string line;
    if (with_priority()) line = "<" + std::to_string(static_cast<int>(level)) + ">";
    line += "vitrine: ";
    line += text;
    line += '\n';
    write_all(line);
    if (level <= LogLevel::Warning) {
        problems.push_back({std::chrono::system_clock::now(), level, std::move(text)});
        if (problems.size() > kKeptProblems) problems.pop_front();
    }
}

std::vector<LogLine> recent_problems(std::size_t max) {
    std::lock_guard lock(mutex);
    std::size_t n = std::min(max, problems.size());
    return {problems.end() - static_cast<std::ptrdiff_t>(n), problems.end()};
}

}  // namespace vitrine
