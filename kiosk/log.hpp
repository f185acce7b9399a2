// The kiosk's log: one line per message on stderr, which systemd hands to
// journald. Under journald each line starts with its syslog priority ("<3>"),
// so `journalctl -p warning` and the staff screen can pick out the problems;
// on a terminal (and in the tests) lines read "vitrine: message".
//
// Never pass personal data (names, e-mail addresses, phone numbers, badge
// ids, typed text): the journal is readable by anyone with a shell on the
// board and is kept across reboots.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine {

// The syslog priorities journald understands; the values are the prefixes.
enum class LogLevel { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

// Thread-safe; one call writes one whole line with a single write(2), so
// lines from several threads never interleave. The priority prefix is used
// when JOURNAL_STREAM names stderr's device:inode (systemd sets it for a
// service whose stderr is the journal; a redirected stderr no longer
// matches) or when VITRINE_LOG_PRIORITY=1. Line breaks in the message are
// replaced, so one call is one journal entry.
void log(LogLevel level, std::string_view message);

struct LogLine {
    std::chrono::system_clock::time_point at;
    LogLevel level;
    std::string text;
};

// The last warnings and errors logged by this process (at most max, newest
// last), for the staff screen. Only a bounded number is kept.
std::vector<LogLine> recent_problems(std::size_t max = 8);

}  // namespace vitrine
