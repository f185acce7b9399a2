// parse_config and load_config: documented defaults, every key, relative paths, errors naming file, line and key.
#include "content/qr_url.hpp"
#include "kiosk/config.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

using namespace vitrine;
using namespace vitrine::test;

namespace {

using Paths = std::vector<fs::path>;
using Strings = std::vector<std::string>;

Config parse(const std::string& text) { return parse_config(text, "vitrine.toml"); }

// The message of the ConfigError that parsing `text` throws.
std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const ConfigError& e) { return e.what(); }
    return "(accepted)";
}

// {line, column} of a "vitrine.toml:LINE:COLUMN: ..." message, or {0, 0}.
std::pair<int, int> position_of(const std::string& message) {
    int line = 0, column = 0;
    if (std::sscanf(message.c_str(), "vitrine.toml:%d:%d:", &line, &column) != 2) return {0, 0};
    return {line, column};
}

void check_defaults(const Config& c) {
    CHECK(c.device.id == "kiosk-01");
    CHECK(c.device.event == "demo-fair");
    CHECK(c.device.data_dir == fs::path("/var/lib/vitrine"));
    CHECK(c.device.default_language == "fr");
    CHECK(c.device.idle_timeout_s == 60);
    CHECK(c.device.volume == 0);
    CHECK(c.packs.trusted_keys.empty());
    CHECK(c.packs.watch_dirs == Paths{"/media", "/run/media"});
    CHECK(c.packs.auto_install == true);
    CHECK(c.platform.base_url == "");
    CHECK(c.platform.token_file == fs::path("/etc/vitrine/device-token"));
    CHECK_FALSE(c.platform.seal_public_key);
    CHECK(c.platform.qr_url == "");
    CHECK(c.platform.ca_file.empty());
    CHECK(c.platform.allow_insecure_http == false);
    CHECK(c.platform.batch_size == 100);
    CHECK(c.platform.retention_days == 30);
    CHECK(c.platform.connect_timeout_s == 10);
    CHECK(c.platform.timeout_s == 30);
    CHECK(c.platform.backoff_base_s == 2);
    CHECK(c.platform.backoff_cap_s == 300);
    CHECK(c.platform.heartbeat_s == 300);
    CHECK(c.staff.pin_hash == "");
    CHECK(c.staff.idle_timeout_s == 120);
    CHECK(c.hours.open == "");
    CHECK(c.hours.close == "");
    CHECK(c.hours.wake_s == 120);
    CHECK(c.hours.hours().always());
}

// A fresh X25519 public key, standard base64.
std::string seal_key() {
    REQUIRE(sodium_init() >= 0);
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(pk, sk);
    char b64[64];
    sodium_bin2base64(b64, sizeof b64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
    return b64;
}

}  // namespace

TEST_CASE("an empty configuration gives the documented defaults") {
    const Config c = parse("");
    check_defaults(c);
    CHECK(c.source == "vitrine.toml");

    SUBCASE("so do comments and empty sections") {
        check_defaults(parse("# nothing yet\n\n[device]\n[packs]\n[platform]\n[staff]\n[hours]\n"));
    }
    SUBCASE("so does the example of the README") {
        check_defaults(parse(R"(
[device]
id = "kiosk-01"                 # letters, digits, '-', '_', '.'; at most 64
event = "demo-fair"             # the fair this kiosk stands at (same rule)
data_dir = "/var/lib/vitrine"   # packs/, current, previous, outbox.db; --data overrides
default_language = "fr"         # two or three lowercase letters
idle_timeout_s = 60             # 10 to 3600
volume = 0                      # 0 to 100: the sound of showcase films (the attract loop stays muted)

[packs]
trusted_keys = []               # minisign public keys (the base64 line, "RW...")
watch_dirs = ["/media", "/run/media"]   # where USB sticks are mounted
auto_install = true             # install a newer version found on a stick

[platform]
base_url = ""                   # the platform API, "https://..."; empty: records wait in the outbox
token_file = "/etc/vitrine/device-token"   # the device's bearer token (keep it mode 0600)
seal_public_key = ""            # the platform's X25519 public key, standard base64 (44 characters);
                                # checked at load; empty: the kiosk offers no contact fields
qr_url = ""                     # the CV-upload URL of the QR code: must hold {token}; {event} is
                                # optional and percent-encoded, e.g. "https://platform.example/cv/{token}?e={event}";
                                # visible ASCII, at most 213 bytes once expanded with a 16-character
                                # token and a 64-character event (a QR code of version 10, level M)
ca_file = ""                    # an extra CA certificate file for a private platform; empty: system CAs only
allow_insecure_http = false     # accept a plain http:// base_url (tests only)
batch_size = 100                # records per request to the platform, 1 to 1000
retention_days = 30             # sent records are deleted this long after they were sent, 1 to 730
                                # (by the platform's clock: see "What can destroy records")
max_age_days = 730              # no longer used (1 to 730): the kiosk never deletes a record that
                                # the platform has not acknowledged; kept so that older files load
connect_timeout_s = 10          # to reach the platform, 1 to 120
timeout_s = 30                  # one whole request, answer included, 1 to 600
backoff_base_s = 2              # after the n-th failure in a row, wait a random time in
backoff_cap_s = 300             # [0, min(cap, base x 2^(n-1))]; base 1 to 3600, cap base to 86400
heartbeat_s = 300               # the heartbeat's period, 10 to 86400

[staff]
pin_hash = ""                   # the staff PIN's hash ("$argon2id$..."), written by `vitrine staff set-pin`;
                                # empty: staff mode cannot be entered. A PIN in clear is refused
idle_timeout_s = 120            # 10 to 3600: staff mode closes after that long untouched

[hours]
open = ""                       # "HH:MM", local time (the system's time zone); outside the hours the
close = ""                      # screen is dark. close may be "24:00", or earlier than open (past
                                # midnight); both empty: always on; one without the other is an error
wake_s = 120                    # 5 to 3600: how long a touch wakes a dark kiosk
)"));
    }
    SUBCASE("the default configuration object") { check_defaults(Config{}); }
}

TEST_CASE("a full configuration sets every key") {
    TempDir tmp;
    const Key a = Key::generate(tmp.path, "a");
    const Key b = Key::generate(tmp.path, "b");
    const std::string text = R"(
[device]
id = "stand-B12.hall_3"
event = "salon-industrie-2026"
data_dir = "/srv/vitrine"
default_language = "oc"
idle_timeout_s = 120

[packs]
watch_dirs = ["/mnt/usb", "/media/staff"]
auto_install = false
)";
    const Config c = parse(text + "trusted_keys = [\"" + a.pub_line + "\", \"" + b.pub_line + "\"]\n");
    CHECK(c.device.id == "stand-B12.hall_3");
    CHECK(c.device.event == "salon-industrie-2026");
    CHECK(c.device.data_dir == fs::path("/srv/vitrine"));
    CHECK(c.device.default_language == "oc");
    CHECK(c.device.idle_timeout_s == 120);
    REQUIRE(c.packs.trusted_keys.size() == 2);
    CHECK(c.packs.trusted_keys[0].key_id == a.key.key_id);
    CHECK(c.packs.trusted_keys[0].key == a.key.key);
    CHECK(c.packs.trusted_keys[0].id() == a.key.id());
    CHECK(c.packs.trusted_keys[1].key == b.key.key);
    CHECK(c.packs.trusted_keys[1].id() == b.key.id());
    CHECK(c.packs.trusted_keys[0].id() != c.packs.trusted_keys[1].id());
    CHECK(c.packs.watch_dirs == Paths{"/mnt/usb", "/media/staff"});
    CHECK(c.packs.auto_install == false);
}

TEST_CASE("the [platform] section sets every key") {
    const std::string key = seal_key();
    const Config c = parse_config(R"([platform]
base_url = "https://talents.example/api"
token_file = "secrets/device-token"
seal_public_key = ")" + key + R"("
qr_url = "https://talents.example/cv/{token}?e={event}"
ca_file = "ca.pem"
batch_size = 250
retention_days = 14
max_age_days = 365
connect_timeout_s = 5
timeout_s = 20
backoff_base_s = 1
backoff_cap_s = 60
heartbeat_s = 120
)",
                                  "vitrine.toml", "/etc/vitrine");
    CHECK(c.platform.base_url == "https://talents.example/api");
    CHECK(c.platform.token_file == fs::path("/etc/vitrine/secrets/device-token"));
    REQUIRE(c.platform.seal_public_key);
    CHECK(c.platform.seal_public_key->bytes() == platform::SealKey::parse(key).bytes());
    CHECK(c.platform.qr_url == "https://talents.example/cv/{token}?e={event}");
    CHECK(c.platform.ca_file == fs::path("/etc/vitrine/ca.pem"));
    CHECK(c.platform.allow_insecure_http == false);
    CHECK(c.platform.batch_size == 250);
    CHECK(c.platform.retention_days == 14);
    CHECK(c.outbox_options().retention_days == 14);
    CHECK(c.outbox_options().on_damage == platform::OutboxOptions::OnDamage::Quarantine);
    CHECK(c.outbox_file() == fs::path("/var/lib/vitrine/outbox.db"));
    const platform::SyncSettings sync = c.sync_settings();
    CHECK(sync.base_url == "https://talents.example/api");
    CHECK(sync.device_id == "kiosk-01");
    CHECK(sync.user_agent.starts_with("vitrine/"));
    CHECK(sync.ca_file == fs::path("/etc/vitrine/ca.pem"));
    CHECK(sync.batch_size == 250);
    CHECK(sync.connect_timeout == std::chrono::seconds(5));
    CHECK(sync.total_timeout == std::chrono::seconds(20));
    CHECK(sync.backoff_base == std::chrono::seconds(1));
    CHECK(sync.backoff_cap == std::chrono::seconds(60));
    CHECK(sync.heartbeat_interval == std::chrono::seconds(120));
    CHECK(sync.token.empty());  // read from token_file by the sync, never held in the config

    SUBCASE("plain http only when allowed") {
        const Config h = parse("[platform]\nallow_insecure_http = true\nbase_url = \"http://127.0.0.1:8080\"\n");
        CHECK(h.platform.allow_insecure_http);
        CHECK(h.platform.base_url == "http://127.0.0.1:8080");
        // The order of the keys does not matter.
        CHECK(parse("[platform]\nbase_url = \"http://127.0.0.1:8080\"\nallow_insecure_http = true\n")
                  .platform.base_url == "http://127.0.0.1:8080");
    }
    SUBCASE("absolute paths stay, a token in the QR URL is enough") {
        const Config a = parse("[platform]\ntoken_file = \"/run/token\"\nca_file = \"/etc/ssl/x.pem\"\n"
                               "qr_url = \"https://p.example/{token}\"\n");
        CHECK(a.platform.token_file == fs::path("/run/token"));
        CHECK(a.platform.ca_file == fs::path("/etc/ssl/x.pem"));
        CHECK(a.platform.qr_url == "https://p.example/{token}");
    }
}

TEST_CASE("[platform] values that are refused name the file, the line and the key") {
    struct Case {
        std::string text, message;
    };
    const Case cases[] = {
        {"[platform]\nbase_url = \"http://p.example\"\n",
         "vitrine.toml:2: platform.base_url: must start with https:// (http:// only with allow_insecure_http = true)"},
        {"[platform]\nallow_insecure_http = true\nbase_url = \"ftp://p.example\"\n",
         "vitrine.toml:3: platform.base_url: must start with https:// or http://"},
        {"[platform]\nbase_url = 3\n", "vitrine.toml:2: platform.base_url: must be a string"},
        {"[platform]\n\nqr_url = \"https://p.example/cv?e={event}\"\n",
         "vitrine.toml:3: platform.qr_url: must contain {token}"},
        {"[platform]\nbatch_size = 0\n", "vitrine.toml:2: platform.batch_size: must be between 1 and 1000"},
        {"[platform]\nbatch_size = 1001\n", "vitrine.toml:2: platform.batch_size: must be between 1 and 1000"},
        {"[platform]\nbatch_size = \"100\"\n", "vitrine.toml:2: platform.batch_size: must be an integer"},
        {"[platform]\nretention_days = 0\n", "vitrine.toml:2: platform.retention_days: must be between 1 and 730"},
        {"[platform]\nretention_days = 731\n", "vitrine.toml:2: platform.retention_days: must be between 1 and 730"},
        {"[platform]\nmax_age_days = 0\n", "vitrine.toml:2: platform.max_age_days: must be between 1 and 730"},
        {"[platform]\nmax_age_days = 731\n", "vitrine.toml:2: platform.max_age_days: must be between 1 and 730"},
        {"[platform]\nqr_url = \"https://p.example/cv/{token} x\"\n",
         "vitrine.toml:2: platform.qr_url: must be an http(s) URL of visible ASCII characters"},
        {"[platform]\nqr_url = \"ftp://p.example/{token}\"\n", "vitrine.toml:2: platform.qr_url: must be an http(s) URL"},
        {"[platform]\nqr_url = \"https://p.example/cv/{token}?e={event}&" + std::string(2400, 'x') + "\"\n",
         "vitrine.toml:2: platform.qr_url: is too long for a QR code a phone reads from the screen: with a "
         "16-character token and a 64-character event it makes 2505 bytes, and a QR code of version 10 holds 213"},
        {"[platform]\nallow_insecure_http = \"yes\"\n",
         "vitrine.toml:2: platform.allow_insecure_http: must be true or false"},
        {"[platform]\ntoken_file = [\"a\"]\n", "vitrine.toml:2: platform.token_file: must be a string"},
        {"[platform]\nseal_public_key = \"not a key\"\n",
         "vitrine.toml:2: platform.seal_public_key: the key is not standard base64"},
        {"[platform]\nseal_public_key = \"AAAA\"\n",
         "vitrine.toml:2: platform.seal_public_key: the key decodes to 3 bytes, not 32"},
        {"[platform]\nseal_public_key = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n",
         "vitrine.toml:2: platform.seal_public_key: the key is not a usable X25519 public key"},
        {"[platform]\nconnect_timeout_s = 0\n", "vitrine.toml:2: platform.connect_timeout_s: must be between 1 and 120"},
        {"[platform]\ntimeout_s = 601\n", "vitrine.toml:2: platform.timeout_s: must be between 1 and 600"},
        {"[platform]\nbackoff_base_s = 0\n", "vitrine.toml:2: platform.backoff_base_s: must be between 1 and 3600"},
        {"[platform]\nbackoff_base_s = 10\nbackoff_cap_s = 5\n",
         "vitrine.toml:3: platform.backoff_cap_s: must be at least backoff_base_s (10)"},
        {"[platform]\nheartbeat_s = 9\n", "vitrine.toml:2: platform.heartbeat_s: must be between 10 and 86400"},
        {"[platform]\nretention = 30\n", "vitrine.toml:2: platform.retention: unknown key"},
        {"platform = \"https://p.example\"\n", "vitrine.toml:1: platform: must be a table ([platform])"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(error_of(c.text).starts_with(c.message));
    }
    CHECK(error_of("[platform]\nretention = 30\n").find("[platform]") != std::string::npos);
    // max_age_days no longer means anything, and any value in range still loads.
    CHECK(parse("[platform]\nretention_days = 730\nmax_age_days = 1\n").platform.retention_days == 730);
    CHECK(parse("[platform]\nretention_days = 1\nmax_age_days = 1\nbatch_size = 1000\n").platform.batch_size == 1000);
    // The longest QR URL a kiosk draws: its expansion is exactly 213 bytes.
    const std::string at_limit = "https://p.example/cv/{token}?e={event}&x=" + std::string(213 - 107, 'y');
    REQUIRE(content::longest_qr_url(at_limit) == 213);
    CHECK(parse("[platform]\nqr_url = \"" + at_limit + "\"\n").platform.qr_url == at_limit);
    CHECK(error_of("[platform]\nqr_url = \"" + at_limit + "y\"\n").find("makes 214 bytes") != std::string::npos);
}

TEST_CASE("values at the limits are accepted") {
    CHECK(parse("[device]\nidle_timeout_s = 10\n").device.idle_timeout_s == 10);
    CHECK(parse("[device]\nidle_timeout_s = 3600\n").device.idle_timeout_s == 3600);
    CHECK(parse("[device]\nid = \"" + std::string(64, 'k') + "\"\n").device.id == std::string(64, 'k'));
    CHECK(parse("[device]\ndefault_language = \"en\"\n").device.default_language == "en");
    CHECK(parse("[packs]\nwatch_dirs = []\n").packs.watch_dirs.empty());
    CHECK(parse("device.id = \"dotted-key\"\n").device.id == "dotted-key");
}

TEST_CASE("relative paths are relative to the configuration file's directory") {
    TempDir tmp;
    const fs::path file = tmp / "etc/vitrine/vitrine.toml";
    write_file(file, "[device]\ndata_dir = \"state\"\n[packs]\nwatch_dirs = [\"usb\", \"../mnt\", \"/media\"]\n");

    const Config c = load_config(file);
    CHECK(c.source == file.string());
    CHECK(c.device.data_dir == tmp / "etc/vitrine/state");
    CHECK(c.packs.watch_dirs == Paths{tmp / "etc/vitrine/usb", tmp / "etc/vitrine/../mnt", "/media"});

    SUBCASE("absolute paths stay as they are") {
        write_file(file, "[device]\ndata_dir = \"/var/lib/other\"\n[packs]\nwatch_dirs = [\"/run/media\"]\n");
        const Config abs = load_config(file);
        CHECK(abs.device.data_dir == fs::path("/var/lib/other"));
        CHECK(abs.packs.watch_dirs == Paths{"/run/media"});
    }
    SUBCASE("parse_config resolves against the directory it is given") {
        const Config d = parse_config("[device]\ndata_dir = \"state\"\n", "x.toml", "/opt/kiosk");
        CHECK(d.device.data_dir == fs::path("/opt/kiosk/state"));
    }
    SUBCASE("the defaults are absolute and are not moved") {
        write_file(file, "");
        const Config d = load_config(file);
        CHECK(d.device.data_dir == fs::path("/var/lib/vitrine"));
        CHECK(d.packs.watch_dirs == Paths{"/media", "/run/media"});
    }
}

TEST_CASE("unknown sections and keys are errors naming the file, the line and the key") {
    SUBCASE("an unknown section") {
        const std::string e = error_of("[device]\nid = \"kiosk-01\"\n\n[platfrom]\nrotation = 90\n");
        CHECK(e.starts_with("vitrine.toml:4: "));
        CHECK(e.find("platfrom") != std::string::npos);
        CHECK(e.find("unknown key") != std::string::npos);
        CHECK(e.find("the sections are [device], [packs], [platform], [staff] and [hours]") != std::string::npos);
    }
    SUBCASE("an unknown key in [staff]: a PIN in clear is refused") {
        const std::string e = error_of("[staff]\npin = \"1234\"\n");
        CHECK(e.starts_with("vitrine.toml:2: staff.pin: unknown key"));
        CHECK(e.find("[staff]") != std::string::npos);
    }
    SUBCASE("an unknown key in [hours]") {
        CHECK(error_of("[hours]\nopen = \"08:00\"\nclose = \"18:00\"\nwake = 5\n")
                  .starts_with("vitrine.toml:4: hours.wake: unknown key"));
    }
    SUBCASE("an unknown key in [device]") {
        const std::string e = error_of("[device]\nid = \"kiosk-01\"\nidle_timeout = 5\n");
        CHECK(e.starts_with("vitrine.toml:3: device.idle_timeout: unknown key"));
        CHECK(e.find("[device]") != std::string::npos);
    }
    SUBCASE("an unknown key in [packs]") {
        const std::string e = error_of("[packs]\nauto_install = true\n\ntrusted_key = []\n");
        CHECK(e.starts_with("vitrine.toml:4: packs.trusted_key: unknown key"));
        CHECK(e.find("[packs]") != std::string::npos);
    }
    SUBCASE("a top-level key") {
        CHECK(error_of("\nid = \"kiosk-01\"\n").starts_with("vitrine.toml:2: id: unknown key"));
    }
}

TEST_CASE("wrong types are errors naming the file, the line and the key") {
    struct Case {
        std::string text, message;
    };
    const Case cases[] = {
        {"[packs]\nauto_install = \"yes\"\n", "vitrine.toml:2: packs.auto_install: must be true or false"},
        {"[packs]\nauto_install = 1\n", "vitrine.toml:2: packs.auto_install: must be true or false"},
        {"[device]\nidle_timeout_s = \"60\"\n", "vitrine.toml:2: device.idle_timeout_s: must be an integer"},
        {"[device]\nidle_timeout_s = 60.0\n", "vitrine.toml:2: device.idle_timeout_s: must be an integer"},
        {"[packs]\ntrusted_keys = \"RWQBla\"\n", "vitrine.toml:2: packs.trusted_keys: must be an array of strings"},
        {"[packs]\nwatch_dirs = \"/media\"\n", "vitrine.toml:2: packs.watch_dirs: must be an array of strings"},
        {"[packs]\nwatch_dirs = [\n  \"/media\",\n  3,\n]\n",
         "vitrine.toml:4: packs.watch_dirs: must be an array of strings"},
        {"[device]\nid = 12\n", "vitrine.toml:2: device.id: must be a string"},
        {"[device]\n\ndata_dir = [\"/srv\"]\n", "vitrine.toml:3: device.data_dir: must be a string"},
        {"[device]\ndefault_language = true\n", "vitrine.toml:2: device.default_language: must be a string"},
        {"device = \"kiosk-01\"\n", "vitrine.toml:1: device: must be a table ([device])"},
        {"packs = 3\n", "vitrine.toml:1: packs: must be a table ([packs])"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(error_of(c.text).starts_with(c.message));
    }
}

TEST_CASE("out-of-range and malformed values are errors naming the file, the line and the key") {
    for (const std::string& value : Strings{"5", "9", "3601", "100000", "-60", "0"}) {
        CAPTURE(value);
        CHECK(error_of("[device]\nidle_timeout_s = " + value + "\n") ==
              "vitrine.toml:2: device.idle_timeout_s: must be between 10 and 3600");
    }
    for (const std::string& id : Strings{"kiosk 01", "", "kiosk/01", "kiosk-é", std::string(65, 'k')}) {
        CAPTURE(id);
        CHECK(error_of("[device]\nid = \"" + id + "\"\n").starts_with("vitrine.toml:2: device.id: "));
    }
    CHECK(error_of("[device]\nevent = \"demo fair\"\n").starts_with("vitrine.toml:2: device.event: "));
    for (const std::string& lang : Strings{"French", "FR", "f", "fran", "f1", ""}) {
        CAPTURE(lang);
        CHECK(error_of("[device]\n\ndefault_language = \"" + lang + "\"\n") ==
              "vitrine.toml:3: device.default_language: a language code like \"fr\"");
    }
}

TEST_CASE("a bad trusted key names its index and its line") {
    TempDir tmp;
    const Key a = Key::generate(tmp.path);
    SUBCASE("on one line") {
        const std::string e = error_of("[packs]\ntrusted_keys = [\"" + a.pub_line + "\", \"RWQnot-a-key\"]\n");
        CHECK(e.starts_with("vitrine.toml:2: packs.trusted_keys[1]: "));
        CHECK(e.find("not a minisign public key") != std::string::npos);
    }
    SUBCASE("one key per line") {
        const std::string e = error_of("[packs]\ntrusted_keys = [\n  \"" + a.pub_line + "\",\n  \"" +
                                       a.pub_line.substr(0, 40) + "\",\n]\n");
        CHECK(e.starts_with("vitrine.toml:4: packs.trusted_keys[1]: "));
        CHECK(e.find("not a minisign public key") != std::string::npos);
    }
    SUBCASE("the first one") {
        const std::string e = error_of("[packs]\ntrusted_keys = [\"untrusted comment: x\"]\n");
        CHECK(e.starts_with("vitrine.toml:2: packs.trusted_keys[0]: "));
    }
}

TEST_CASE("a TOML syntax error gives the line and the column") {
    CHECK(position_of(error_of("[device]\nidle_timeout_s = 6 0\n")) == std::pair(2, 20));
    CHECK(position_of(error_of("[device]\n\n\nidle_timeout_s =\n")).first == 4);
    CHECK(position_of(error_of("[packs]\nauto_install = true\nauto_install = false\n")).first == 3);

    const auto unterminated = position_of(error_of("[device]\nid = \"kiosk-01\nevent = \"x\"\n"));
    CHECK(unterminated.first == 2);
    CHECK(unterminated.second > 1);
}

TEST_CASE("load_config names the file it cannot read") {
    TempDir tmp;
    const fs::path missing = tmp / "missing/vitrine.toml";
    CHECK_THROWS_WITH_AS(load_config(missing), doctest::Contains(missing.string().c_str()), ConfigError);
    CHECK_THROWS_WITH_AS(load_config(missing), doctest::Contains("cannot read"), ConfigError);

    SUBCASE("a directory is not a configuration file") {
        CHECK_THROWS_WITH_AS(load_config(tmp.path), doctest::Contains(tmp.path.string().c_str()), ConfigError);
    }
    SUBCASE("errors in a loaded file name that file") {
        const fs::path file = tmp / "vitrine.toml";
        write_file(file, "[device]\nidle_timeout_s = 1\n");
        CHECK_THROWS_WITH_AS(load_config(file),
                             doctest::Contains((file.string() + ":2: device.idle_timeout_s").c_str()), ConfigError);
    }
}

TEST_CASE("[device] volume, [staff] and [hours] set every key") {
    const std::string hash = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                             "5Hn8sMnCMZ7m5TnZGVbF3hDJ6eD43B6g1sYwZ6q0CJw";
    const Config c = parse("[device]\nvolume = 35\n\n[staff]\npin_hash = \"" + hash +
                           "\"\nidle_timeout_s = 45\n\n[hours]\nopen = \"08:30\"\nclose = \"19:00\"\nwake_s = 300\n");
    CHECK(c.device.volume == 35);
    CHECK(c.staff.pin_hash == hash);
    CHECK(c.staff.idle_timeout_s == 45);
    CHECK(c.hours.open == "08:30");
    CHECK(c.hours.close == "19:00");
    CHECK(c.hours.wake_s == 300);
    const OpeningHours h = c.hours.hours();
    CHECK_FALSE(h.always());
    CHECK(h.open_min == 8 * 60 + 30);
    CHECK(h.close_min == 19 * 60);

    SUBCASE("each key alone") {
        CHECK(parse("[device]\nvolume = 100\n").device.volume == 100);
        CHECK(parse("[staff]\nidle_timeout_s = 3600\n").staff.idle_timeout_s == 3600);
        CHECK(parse("[staff]\npin_hash = \"\"\n").staff.pin_hash == "");
        CHECK(parse("[hours]\nwake_s = 5\n").hours.wake_s == 5);
        CHECK(parse("[hours]\nopen = \"\"\nclose = \"\"\n").hours.hours().always());
    }
    SUBCASE("open past midnight, and until midnight") {
        const OpeningHours night = parse("[hours]\nopen = \"18:00\"\nclose = \"02:00\"\n").hours.hours();
        CHECK(night.open_min == 18 * 60);
        CHECK(night.close_min == 2 * 60);
        CHECK(parse("[hours]\nopen = \"09:00\"\nclose = \"24:00\"\n").hours.hours().close_min == 24 * 60);
        CHECK(parse("[hours]\nopen = \"00:00\"\nclose = \"24:00\"\n").hours.hours().always());
    }
}

TEST_CASE("[device] volume, [staff] and [hours] values that are refused name the file, the line and the key") {
    struct Case {
        std::string text, message;
    };
    const Case cases[] = {
        {"[device]\nvolume = 101\n", "vitrine.toml:2: device.volume: must be between 0 and 100"},
        {"[device]\nvolume = -1\n", "vitrine.toml:2: device.volume: must be between 0 and 100"},
        {"[device]\nvolume = \"50\"\n", "vitrine.toml:2: device.volume: must be an integer"},
        {"[staff]\npin_hash = \"1234\"\n",
         "vitrine.toml:2: staff.pin_hash: not a PIN hash (\"$argon2id$...\"): write it with `vitrine staff set-pin`"},
        {"[staff]\n\npin_hash = \"$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA\"\n",
         "vitrine.toml:3: staff.pin_hash: not a PIN hash"},
        {"[staff]\npin_hash = 1234\n", "vitrine.toml:2: staff.pin_hash: must be a string"},
        {"[staff]\nidle_timeout_s = 9\n", "vitrine.toml:2: staff.idle_timeout_s: must be between 10 and 3600"},
        {"[staff]\nidle_timeout_s = 3601\n", "vitrine.toml:2: staff.idle_timeout_s: must be between 10 and 3600"},
        {"staff = 1\n", "vitrine.toml:1: staff: must be a table ([staff])"},
        {"[hours]\nopen = \"8:30\"\nclose = \"19:00\"\n",
         "vitrine.toml:2: hours.open: the opening time \"8:30\" is not a time like \"08:30\""},
        {"[hours]\nopen = \"24:00\"\nclose = \"19:00\"\n",
         "vitrine.toml:2: hours.open: the opening time \"24:00\" is not a time like \"08:30\""},
        {"[hours]\nopen = \"08:30\"\nclose = \"19:60\"\n",
         "vitrine.toml:3: hours.close: the closing time \"19:60\" is not a time like \"19:00\""},
        {"[hours]\nopen = \"08:30\"\nclose = \"7 pm\"\n",
         "vitrine.toml:3: hours.close: the closing time \"7 pm\" is not"},
        {"[hours]\nopen = \"08:30\"\n", "vitrine.toml:2: hours.open: an opening time without a closing time"},
        {"[hours]\n\nclose = \"19:00\"\n", "vitrine.toml:3: hours.close: a closing time without an opening time"},
        {"[hours]\nopen = \"08:30\"\nclose = \"08:30\"\n",
         "vitrine.toml:3: hours.close: the opening and closing times are the same"},
        {"[hours]\nopen = 830\nclose = \"19:00\"\n", "vitrine.toml:2: hours.open: must be a string"},
        {"[hours]\nwake_s = 4\n", "vitrine.toml:2: hours.wake_s: must be between 5 and 3600"},
        {"[hours]\nwake_s = 3601\n", "vitrine.toml:2: hours.wake_s: must be between 5 and 3600"},
        {"hours = \"08:00-19:00\"\n", "vitrine.toml:1: hours: must be a table ([hours])"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK(error_of(c.text).starts_with(c.message));
    }
}
