// The code paths of the fuzz targets: tests/fuzz/fuzz_*.cpp hand them
// libFuzzer's inputs, and the fuzz_replay suite hands them every seed and
// every regression input in the normal build. Each returns when the code
// under test accepted its input or refused it with its documented error
// (PackError, ConfigError); anything else is a finding that escapes: another
// exception, a broken invariant (Finding), a crash, a sanitizer report.
#pragma once
#include <stdexcept>
#include <string_view>

namespace vitrine::fuzz {

// An invariant of the code under test that an input broke.
class Finding : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// content::parse_manifest, then what the installer and the screens rely on
// in an accepted manifest.
void manifest(std::string_view input);
// content::parse_signature, then verify_signature of the seed message
// against the seed key.
void minisign_signature(std::string_view input);
// content::parse_public_key, then verify_signature of the seed signatures
// against the key.
void minisign_key(std::string_view input);
// vitrine::parse_config (TOML).
void config(std::string_view input);
// What the sync client reads from the platform. The input holds the ids
// sent (first line, separated by spaces), a Retry-After value (second
// line) and the answer's body (the rest): parse_batch_answer,
// parse_retry_after, and sync_status_from of the body when it is JSON (as a
// sync state saved in the outbox).
void sync_answer(std::string_view input);

struct Target {
    const char* name;  // also the directory of its corpus and regressions
    void (*run)(std::string_view);
};
inline constexpr Target kTargets[] = {
    {"manifest", manifest},       {"minisign_signature", minisign_signature},
    {"minisign_key", minisign_key}, {"config", config},
    {"sync_answer", sync_answer},
};

}  // namespace vitrine::fuzz
