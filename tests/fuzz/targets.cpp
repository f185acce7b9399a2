#include "targets.hpp"

#include "content/catalogue.hpp"
#include "content/error.hpp"
#include "content/manifest.hpp"
#include "content/minisign.hpp"
#include "content/pack_path.hpp"
#include "content/qr_url.hpp"
#include "content/store.hpp"
#include "kiosk/config.hpp"
#include "kiosk/qr.hpp"
#include "platform/record.hpp"
#include "platform/sync.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>
#include <string>

namespace vitrine::fuzz {
namespace {

using namespace std::chrono;

void expect(bool ok, const std::string& what) {
    if (!ok) throw Finding(what);
}

// Shows any text in a finding's message, whatever bytes it holds.
std::string shown(std::string_view s) {
    return nlohmann::json(std::string(s)).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

// An error message reaches staff on a screen and in `--json` documents: it
// says something, holds no control character (a NUL would cut it short),
// and is valid UTF-8 (a JSON document cannot carry anything else).
void check_message(std::string_view what) {
    expect(!what.empty(), "an empty error message");
    for (unsigned char c : what)
        expect(c >= 0x20 && c != 0x7f, "a control character in the error message " + shown(what));
    try {
        (void)nlohmann::json(std::string(what)).dump();
    } catch (const nlohmann::json::type_error&) {
        throw Finding("the error message " + shown(what) + " is not valid UTF-8");
    }
}

// The seeds of tests/fuzz/corpus/minisign_*: a key made with `minisign -G`
// and two signatures of kMessage made with it, `minisign -S` (prehashed)
// and `minisign -S -l` (legacy).
constexpr std::string_view kMessage = "Vitrine fuzzing: the file that the seed signatures sign.\n";
constexpr std::string_view kKey = "RWQl4YYOPBhtJy3v5m85tXWTRIWYOsT7yHPJ+RyIajldXhqNmpZJITtz";
constexpr std::string_view kPrehashed =
    "untrusted comment: signature from minisign secret key\n"
    "RUQl4YYOPBhtJ0IUwpneM1tGZbsFjqseuzZ9ZbWIOG4kRrTReaGYeLH37Bn3jJJE1ESBY0lzXEu96Z/puaEkMHX+10R7u7LbBw0=\n"
    "trusted comment: fuzz seed, prehashed\n"
    "Qup1LUUK0GVD8toU+uJpX+oRHrhJEQ9/6pnlMmBNIgyZbzVYd51HDZ3A688j6oeeq0qiWP7IsqXnRIy6mLnzBw==\n";
constexpr std::string_view kLegacy =
    "untrusted comment: signature from minisign secret key\n"
    "RWQl4YYOPBhtJ/e9F6u8KTCH+J/aN8t4FX4jV0spMBu3tdKIBl4dt8hZ3ZqOCU8S6N4Hn0g55nSN3haL9n1tNuqWPP9dFfmcNQc=\n"
    "trusted comment: fuzz seed, legacy\n"
    "9j0tdJL0tkCPLoxMnE5vwY03ZmOGDuIasUUW1cctTLVeYNy8ylOf15IMO+Z7eciDEXYjR0j3VXqfs/3oUMW1BQ==\n";

const content::PublicKey& seed_key() {
    static const content::PublicKey key = content::parse_public_key(kKey);
    return key;
}
const std::array<content::Signature, 2>& seed_signatures() {
    static const std::array<content::Signature, 2> sigs = {content::parse_signature(kPrehashed),
                                                           content::parse_signature(kLegacy)};
    return sigs;
}

bool same(const content::Signature& a, const content::Signature& b) {
    return a.prehashed == b.prehashed && a.key_id == b.key_id && a.signature == b.signature &&
           a.trusted_comment == b.trusted_comment && a.global_signature == b.global_signature;
}

}  // namespace

void manifest(std::string_view input) {
    content::Manifest m;
    try {
        m = content::parse_manifest(input);
    } catch (const content::PackError& e) {
        check_message(e.what());
        return;
    }
    expect(!m.languages.empty(), "an accepted manifest without a language");
    for (const auto& w : m.warnings) check_message(w);

    // The install directory packs/<id>-<version> is one plain path component.
    const std::string dir = m.pack.id + "-" + std::to_string(m.pack.version);
    expect(dir.find('/') == std::string::npos && dir.front() != '.' && m.pack.version >= 1,
           "the install directory " + shown(dir));

    // The installer creates each listed file, and its parents, under the
    // staging directory: no path may lead out of it.
    std::uint64_t total = 0;
    for (const auto& [path, entry] : m.files) {
        expect(!content::pack_path_problem(path), "an accepted path " + shown(path));
        for (const auto& part : std::filesystem::path(path))
            expect(!part.empty() && part != "." && part != ".." && part != "/", "an accepted path " + shown(path));
        expect(total + entry.size >= total, "the listed sizes add up to more than 2^64 bytes");
        total += entry.size;
    }
    expect(m.total_size() == total, "total_size()");

    // Every file the screens open is listed (and so checked by the install).
    auto listed = [&](const std::string& p) {
        expect(m.files.count(p) == 1, "a referenced file that is not listed: " + shown(p));
    };
    for (const auto& s : m.showcases) {
        listed(s.thumbnail);
        for (const auto& media : s.media) {
            listed(media.path);
            for (const auto& [lang, sub] : media.subtitles) listed(sub);
        }
        for (const auto& id : s.sectors) expect(m.sector(id) != nullptr, "an unknown sector " + shown(id));
        expect(s.city.empty() || m.city(s.city), "an unknown city " + shown(s.city));
        // Every text shows in any language, falling back to the default one.
        for (const auto& lang : m.languages) expect(!m.text(s.title, lang).empty(), "an empty title");
        expect(!m.text(s.summary, "xx").empty(), "no summary in the default language");
    }
    for (const auto& c : m.campaign) {
        listed(c.video);
        for (const auto& [lang, sub] : c.subtitles) listed(sub);
    }
    if (m.interest) {
        expect(!m.interest->questions.empty() && m.interest->notice.version >= 1, "an accepted interest section");
        for (const auto& q : m.interest->questions)
            expect(q.options.size() >= 2 && q.options.size() <= 12, "a question with " +
                                                                        std::to_string(q.options.size()) + " options");
    }
    expect(content::filter_showcases(m, {}).size() == m.showcases.size(), "an empty filter hides showcases");
    expect(content::cities_in_use(m).size() <= m.cities.size(), "cities_in_use()");

    // How the installer compares it with the current pack.
    content::InstalledPack current;
    current.id = m.pack.id;
    current.version = 1;
    const auto rel = content::relation_to(m.pack, current);
    expect(rel == (m.pack.version > 1 ? content::Relation::Newer : content::Relation::Same), "relation_to()");
}

void minisign_signature(std::string_view input) {
    content::Signature sig;
    try {
        sig = content::parse_signature(input);
    } catch (const content::PackError& e) {
        check_message(e.what());
        return;
    }
    expect(sig.trusted_comment.find('\n') == std::string::npos, "a trusted comment of several lines");
    try {
        const content::PublicKey& key = content::verify_signature(kMessage, sig, {&seed_key(), 1});
        expect(key.key_id == sig.key_id, "verified by a key of another id");
        // Only minisign's own signatures of the message, unchanged, verify.
        const auto& seeds = seed_signatures();
        expect(same(sig, seeds[0]) || same(sig, seeds[1]),
               "a signature that minisign did not make verified: " + shown(input));
    } catch (const content::PackError& e) {
        check_message(e.what());
    }
}

void minisign_key(std::string_view input) {
    content::PublicKey key;
    try {
        key = content::parse_public_key(input);
    } catch (const content::PackError& e) {
        check_message(e.what());
        return;
    }
    const std::string id = key.id();
    expect(!id.empty() && id.size() <= 16 && id.find_first_not_of("0123456789ABCDEF") == std::string::npos,
           "the key id " + shown(id));
    for (const auto& sig : seed_signatures()) {
        try {
            content::verify_signature(kMessage, sig, {&key, 1});
            expect(key.key == seed_key().key, "the seed signature verified with another key: " + shown(input));
        } catch (const content::PackError& e) {
            check_message(e.what());
        }
    }
}

void config(std::string_view input) {
    Config c;
    try {
        c = parse_config(input, "fuzz.toml", "/etc/vitrine");
    } catch (const ConfigError& e) {
        check_message(e.what());
        // The file, the line and the key, for whoever edits the file.
        expect(std::string_view(e.what()).starts_with("fuzz.toml"), "an error that does not name the file");
        return;
    }
    // The documented ranges (README, Configuration).
    const auto& p = c.platform;
    expect(c.device.idle_timeout_s >= 10 && c.device.idle_timeout_s <= 3600, "device.idle_timeout_s");
    expect(p.batch_size >= 1 && p.batch_size <= 1000, "platform.batch_size");
    expect(p.retention_days >= 1 && p.retention_days <= 730, "platform.retention_days");
    expect(p.backoff_base_s >= 1 && p.backoff_base_s <= p.backoff_cap_s && p.backoff_cap_s <= 86400,
           "platform.backoff_base_s and backoff_cap_s");
    expect(p.base_url.empty() || p.base_url.starts_with("https://") ||
               (p.allow_insecure_http && p.base_url.starts_with("http://")),
           "platform.base_url " + shown(p.base_url));
    expect(p.qr_url.empty() || p.qr_url.find("{token}") != std::string::npos, "platform.qr_url " + shown(p.qr_url));
    // An accepted QR URL makes a QR code the kiosk draws, whatever the token and event.
    if (!p.qr_url.empty()) {
        const std::string url = platform::expand_qr_url(p.qr_url, "abcdefghijklmnop", std::string(64, 'e'));
        try {
            expect(qr_encode(url).size <= 17 + 4 * content::kMaxQrVersion, "platform.qr_url's QR code is too large");
        } catch (const std::runtime_error&) {
            expect(false, "platform.qr_url " + shown(p.qr_url) + " makes no QR code");
        }
    }
    const platform::SyncSettings s = c.sync_settings();
    expect(s.batch_size == p.batch_size && s.device_id == c.device.id, "sync_settings()");
}

void sync_answer(std::string_view input) {
    auto line = [&input] {
        const std::size_t end = std::min(input.find('\n'), input.size());
        std::string_view l = input.substr(0, end);
        input.remove_prefix(std::min(end + 1, input.size()));
        return l;
    };
    // The outbox's ids are unique: so are the ids of a batch.
    std::vector<std::string> sent;
    std::set<std::string, std::less<>> unique;
    for (std::string_view ids = line(); !ids.empty();) {
        const std::size_t end = std::min(ids.find(' '), ids.size());
        if (end > 0 && unique.emplace(ids.substr(0, end)).second) sent.emplace_back(ids.substr(0, end));
        ids.remove_prefix(std::min(end + 1, ids.size()));
    }
    const std::string_view retry_after = line();
    const std::string_view body = input;

    const platform::BatchAnswer a = platform::parse_batch_answer(body, sent);
    if (!a.error.empty()) {
        check_message(a.error);
        expect(a.accepted.empty() && a.rejected.empty() && a.missing == sent, "a refused answer that marks records");
    } else {
        // Every record sent is accepted, rejected or missing: once, and nothing else.
        std::multiset<std::string, std::less<>> named(a.accepted.begin(), a.accepted.end());
        for (const auto& [id, reason] : a.rejected) {
            named.insert(id);
            expect(!reason.empty(), "a rejection without a reason");
        }
        named.insert(a.missing.begin(), a.missing.end());
        expect(named == std::multiset<std::string, std::less<>>(sent.begin(), sent.end()),
               "the answer's ids are not the ids sent, each once");
    }

    // Monday 5 January 2026, 09:00:00 UTC, as in the sync suites.
    const system_clock::time_point now = sys_days(year(2026) / 1 / 5) + hours(9);
    if (const auto wait = platform::parse_retry_after(retry_after, now, hours(6)))
        expect(*wait >= seconds(0) && *wait <= hours(6), "a Retry-After wait of " + std::to_string(wait->count()) + " s");

    // The outbox hands the client a saved sync state only when it is a JSON object.
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object()) {
        const nlohmann::json once = platform::to_json(platform::sync_status_from(j));
        expect(platform::to_json(platform::sync_status_from(once)) == once, "a sync state that changes when saved again");
    }
}

}  // namespace vitrine::fuzz
