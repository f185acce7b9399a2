// vitrine::log: the priority prefix only when stderr really is the journal
// stream systemd named (or when forced), one line per call whatever the
// message holds, whole lines from concurrent threads, and the short memory
// of warnings and errors that the staff screen reads. stderr is redirected
// into a real file for each check.
#include "kiosk/log.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace vitrine;
using namespace vitrine::test;

namespace {

// Unsets what decides the prefix, and puts it back afterwards.
struct CleanEnv {
    std::string journal, priority;
    bool had_journal, had_priority;
    CleanEnv() {
        const char* j = std::getenv("JOURNAL_STREAM");
        const char* p = std::getenv("VITRINE_LOG_PRIORITY");
        had_journal = j;
        had_priority = p;
        if (j) journal = j;
        if (p) priority = p;
        ::unsetenv("JOURNAL_STREAM");
        ::unsetenv("VITRINE_LOG_PRIORITY");
    }
    ~CleanEnv() {
        if (had_journal)
            ::setenv("JOURNAL_STREAM", journal.c_str(), 1);
        else
            ::unsetenv("JOURNAL_STREAM");
        if (had_priority)
            ::setenv("VITRINE_LOG_PRIORITY", priority.c_str(), 1);
        else
            ::unsetenv("VITRINE_LOG_PRIORITY");
    }
};

std::string dev_ino(int fd) {
    struct stat st {};
    REQUIRE(::fstat(fd, &st) == 0);
    return std::to_string(static_cast<unsigned long long>(st.st_dev)) + ":" +
           std::to_string(static_cast<unsigned long long>(st.st_ino));
}

// Runs `body` with stderr pointing at a fresh file; returns what was written.
// `journal` receives the file's "device:inode", as systemd writes it in
// JOURNAL_STREAM, before `body` runs.
std::string capture(const TempDir& tmp, const std::function<void(const std::string& journal)>& body) {
    static int n = 0;
    fs::path file = tmp / ("stderr-" + std::to_string(n++));
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    std::fflush(stderr);
    int saved = ::dup(STDERR_FILENO);
    REQUIRE(saved >= 0);
    ::dup2(fd, STDERR_FILENO);
    std::string id = dev_ino(fd);
    body(id);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    ::close(fd);
    return read_file(file);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace

TEST_CASE("a terminal or a pipe gets plain lines, with no priority") {
    CleanEnv env;
    TempDir tmp;
    CHECK(capture(tmp, [](const std::string&) {
              log(LogLevel::Error, "the outbox cannot be used");
              log(LogLevel::Info, "started");
          }) == "vitrine: the outbox cannot be used\nvitrine: started\n");
}

TEST_CASE("stderr that is the journal stream named by JOURNAL_STREAM gets syslog priorities") {
    CleanEnv env;
    TempDir tmp;
    std::string out = capture(tmp, [](const std::string& journal) {
        ::setenv("JOURNAL_STREAM", journal.c_str(), 1);
        log(LogLevel::Error, "e");
        log(LogLevel::Warning, "w");
        log(LogLevel::Notice, "n");
        log(LogLevel::Info, "i");
        log(LogLevel::Debug, "d");
    });
    CHECK(out == "<3>vitrine: e\n<4>vitrine: w\n<5>vitrine: n\n<6>vitrine: i\n<7>vitrine: d\n");
}

TEST_CASE("a JOURNAL_STREAM that names another file, or is malformed, is not the journal") {
    CleanEnv env;
    TempDir tmp;
    // What a service sees after its stderr was redirected elsewhere: the
    // variable is inherited, the device:inode no longer match.
    write_file(tmp / "other", "");
    int other = ::open((tmp / "other").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(other >= 0);
    const std::string other_id = dev_ino(other);
    ::close(other);
    for (std::string value : {other_id, std::string("garbage"), std::string(""), std::string(":"),
                              std::string("12:"), std::string(":34")}) {
        CAPTURE(value);
        std::string out = capture(tmp, [&](const std::string& journal) {
            ::setenv("JOURNAL_STREAM", value.c_str(), 1);
            log(LogLevel::Warning, "careful");
            // The right numbers with something after them: not a match either.
            ::setenv("JOURNAL_STREAM", (journal + "x").c_str(), 1);
            log(LogLevel::Warning, "careful");
        });
        CHECK(out == "vitrine: careful\nvitrine: careful\n");
    }
}

TEST_CASE("VITRINE_LOG_PRIORITY=1 forces the prefix; another value does not") {
    CleanEnv env;
    TempDir tmp;
    ::setenv("VITRINE_LOG_PRIORITY", "1", 1);
    CHECK(capture(tmp, [](const std::string&) { log(LogLevel::Notice, "forced"); }) == "<5>vitrine: forced\n");
    ::setenv("VITRINE_LOG_PRIORITY", "0", 1);
    CHECK(capture(tmp, [](const std::string&) { log(LogLevel::Notice, "plain"); }) == "vitrine: plain\n");
}

TEST_CASE("one call is one line, whatever line breaks the message holds") {
    CleanEnv env;
    TempDir tmp;
    ::setenv("VITRINE_LOG_PRIORITY", "1", 1);
    std::string out = capture(tmp, [](const std::string&) {
        log(LogLevel::Error, "first\nsecond\r\nthird\rfourth\n\n");
        log(LogLevel::Warning, "a\tb\x01" "c");
        log(LogLevel::Info, "");
    });
    CHECK(out == "<3>vitrine: first | second | third | fourth\n<4>vitrine: a\tb c\n<6>vitrine: \n");
}

TEST_CASE("recent_problems: the last warnings and errors, newest last, bounded") {
    CleanEnv env;
    TempDir tmp;
    auto before = std::chrono::system_clock::now();
    capture(tmp, [](const std::string&) {
        log(LogLevel::Warning, "problem A");
        log(LogLevel::Info, "not a problem");
        log(LogLevel::Error, "problem B\nsecond line");
        log(LogLevel::Notice, "not a problem either");
        log(LogLevel::Debug, "nor this");
        log(LogLevel::Warning, "problem C");
    });
    auto last = recent_problems(3);
    REQUIRE(last.size() == 3);
    CHECK(last[0].text == "problem A");
    CHECK(last[0].level == LogLevel::Warning);
    CHECK(last[1].text == "problem B | second line");
    CHECK(last[1].level == LogLevel::Error);
    CHECK(last[2].text == "problem C");
    CHECK(last[0].at >= before);
    CHECK(last[0].at <= last[1].at);
    CHECK(last[1].at <= last[2].at);
    CHECK(last[2].at <= std::chrono::system_clock::now());
    CHECK(recent_problems(1).size() == 1);
    CHECK(recent_problems(1)[0].text == "problem C");
    CHECK(recent_problems(0).empty());

    // Many problems later, only a bounded number is kept, still in order.
    capture(tmp, [](const std::string&) {
        for (int i = 0; i < 1000; ++i) log(LogLevel::Warning, "flood " + std::to_string(i));
    });
    auto kept = recent_problems(100000);
    CHECK(kept.size() >= 8);  // the staff screen's default
    CHECK(kept.size() <= 64);
    for (std::size_t i = 0; i < kept.size(); ++i)
        CHECK(kept[i].text == "flood " + std::to_string(1000 - kept.size() + i));
    auto eight = recent_problems();
    REQUIRE(eight.size() == 8);
    CHECK(eight.back().text == "flood 999");
    CHECK(eight.front().text == "flood 992");
}

TEST_CASE("several threads logging at once: every line whole, none lost") {
    CleanEnv env;
    TempDir tmp;
    constexpr int kThreads = 8, kLines = 400;
    // Long lines: a write cut in two would show as a broken line.
    const std::string padding(300, '.');
    std::string out = capture(tmp, [&](const std::string&) {
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([t, &padding] {
                for (int i = 0; i < kLines; ++i)
                    log(i % 2 ? LogLevel::Warning : LogLevel::Info,
                        "t" + std::to_string(t) + " n" + std::to_string(i) + " " + padding);
            });
        std::thread reader([] {
            for (int i = 0; i < 200; ++i) (void)recent_problems(16);
        });
        for (auto& th : threads) th.join();
        reader.join();
    });
    auto lines = lines_of(out);
    CHECK(lines.size() == static_cast<std::size_t>(kThreads * kLines));
    std::set<std::string> seen;
    for (const auto& l : lines) {
        REQUIRE_MESSAGE(l.starts_with("vitrine: t"), l);
        REQUIRE_MESSAGE(l.ends_with(" " + padding), l);
        seen.insert(l);
    }
    CHECK(seen.size() == static_cast<std::size_t>(kThreads * kLines));
    // Each thread's lines in its own order.
    for (int t = 0; t < kThreads; ++t) {
        int next = 0;
        for (const auto& l : lines)
            if (l.starts_with("vitrine: t" + std::to_string(t) + " n")) {
                CHECK(l == "vitrine: t" + std::to_string(t) + " n" + std::to_string(next) + " " + padding);
                ++next;
            }
        CHECK(next == kLines);
    }
}
