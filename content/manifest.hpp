// The content pack manifest, format 1 (content/FORMAT.md): the model the
// kiosk reads and the validator that turns any malformed manifest into a
// PackError naming the field. Pure data: no file system access here.
#pragma once
#include "sha256.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vitrine::content {

// language code -> text. Always holds the pack's default language.
using Localized = std::map<std::string, std::string, std::less<>>;

struct FileEntry {
    std::uint64_t size = 0;
    Digest sha256{};
};

struct PackInfo {
    std::string id;
    std::int64_t version = 0;
    std::string created;  // RFC 3339, as written
    Localized title;
    Localized about;  // may be empty
};

struct Sector {
    std::string id;
    Localized name;
    std::uint32_t colour = 0;  // 0xRRGGBB
};

struct City {
    std::string id;
    Localized name;
};

struct Figure {
    Localized value;
    Localized label;
};

struct Media {
    enum class Kind { Image, Video } kind = Kind::Image;
    std::string path;
    Localized caption;                                      // may be empty
    std::map<std::string, std::string, std::less<>> subtitles;  // language -> path
};

struct Company {
    std::string name;
    Localized about;  // may be empty
    std::string url;  // may be empty
};

struct Showcase {
    std::string id;
    std::vector<std::string> sectors;
    std::string city;  // may be empty
    Company company;
    Localized title, summary, body;
    std::vector<Figure> figures;
    std::string thumbnail;
    std::vector<Media> media;
    std::string contact_url;  // may be empty
};

struct CampaignItem {
    std::string video;
    Localized tagline;
    std::map<std::string, std::string, std::less<>> subtitles;
};

// The visitor's CV interest (FORMAT.md, "interest"): a call to action,
// tap-only questions, the privacy notice they accept, then a QR code.
struct Interest {
    struct Option {
        std::string id;
        Localized label;
    };
    struct Question {
        std::string id;
        Localized title;
        std::vector<Option> options;  // 2 to 12
    };
    struct Notice {
        std::int64_t version = 0;  // >= 1, a new one for every new wording
        Localized title, text;
    };
    Localized call_to_action;
    std::vector<Question> questions;  // 1 to 8
    Notice notice;
    std::string qr_url;  // may be empty; holds "{token}"; the config's qr_url wins
};

struct Manifest {
    int format = 1;
    PackInfo pack;
    std::vector<std::string> languages;  // first is the default
    std::vector<Sector> sectors;
    std::vector<City> cities;
    std::vector<Showcase> showcases;
    std::vector<CampaignItem> campaign;
    std::optional<Interest> interest;  // none: no call to action
    std::map<std::string, FileEntry, std::less<>> files;
    std::vector<std::string> warnings;  // unknown keys, for the author

    const std::string& default_language() const { return languages.front(); }
    // The text in `lang`, else in the default language.
    const std::string& text(const Localized& t, std::string_view lang) const;
    std::uint64_t total_size() const;
    const Sector* sector(std::string_view id) const;
    const City* city(std::string_view id) const;
};

inline constexpr std::size_t kMaxManifestBytes = 8u << 20;

// Parses and validates a whole manifest. Throws PackError("<field>: <what>").
Manifest parse_manifest(std::string_view json);

// The refusal of a manifest.json that the JSON parser refused, from the
// parser's message: printable UTF-8 whatever bytes the parser quotes.
std::string not_json_message(std::string_view parser_error);

}  // namespace vitrine::content
