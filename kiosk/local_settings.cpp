#include "kiosk/local_settings.hpp"

#include "kiosk/log.hpp"

#include "base/disk.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using nlohmann::json;

namespace vitrine {
namespace {

void check(const LocalSettings& s) {
    if (s.event && !valid_identifier(*s.event))
        throw std::invalid_argument("event id \"" + *s.event +
                                    "\": letters, digits, '-', '_' and '.' only, 1 to 64 characters");
    if (s.default_language && !valid_language_code(*s.default_language))
        throw std::invalid_argument("language \"" + *s.default_language + "\": a language code like \"fr\"");
    if (s.volume && (*s.volume < 0 || *s.volume > 100))
        throw std::invalid_argument("volume " + std::to_string(*s.volume) + ": must be between 0 and 100");
}

std::runtime_error save_error(const base::DiskError& e) {
    std::string what = std::string("cannot save the staff settings: ") + e.what();
    if (e.problem() == base::DiskProblem::Full) what += ": free some space on the data partition, then retry";
    if (e.problem() == base::DiskProblem::ReadOnly) what += ": check the device's storage";
    return std::runtime_error(what);
}

}  // namespace

LocalSettings load_local_settings(const fs::path& data_dir, std::string* error) {
    const fs::path file = data_dir / kLocalSettingsFile;
    LocalSettings s;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (fs::exists(file, ec) && error) *error = file.string() + ": cannot be read; the config's values apply";
        return s;
    }
    try {
        std::stringstream ss;
        ss << in.rdbuf();
        json j = json::parse(ss.str());
        if (!j.is_object()) throw std::invalid_argument("not a JSON object");
        // Keys of a later version are ignored; a known key must be right.
        auto text = [&](const char* key) -> std::optional<std::string> {
            if (!j.contains(key)) return std::nullopt;
            if (!j.at(key).is_string()) throw std::invalid_argument(std::string(key) + ": must be a string");
            return j.at(key).get<std::string>();
        };
        s.event = text("event");
        s.default_language = text("default_language");
        if (j.contains("volume")) {
            const json& v = j.at("volume");
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 100)
                throw std::invalid_argument("volume: must be an integer between 0 and 100");
            s.volume = v.get<int>();
        }
        check(s);
    } catch (const std::exception& e) {
        if (error)
            *error = file.string() + ": " + e.what() +
                     "; the config's values apply until staff set event, language or volume again";
        return {};
    }
    return s;
}

void save_local_settings(const fs::path& data_dir, const LocalSettings& s) {
    check(s);
    json j = json::object();
    if (s.event) j["event"] = *s.event;
    if (s.default_language) j["default_language"] = *s.default_language;
    if (s.volume) j["volume"] = *s.volume;
    const std::string text = j.dump(2) + "\n";

    std::error_code ec;
    fs::create_directories(data_dir, ec);
    try {
        base::replace_file(data_dir / kLocalSettingsFile, text);
    } catch (const base::DiskError& e) {
        throw save_error(e);
    }
}

void apply(Config& c, const LocalSettings& s) {
    if (s.event) c.device.event = *s.event;
    if (s.default_language) c.device.default_language = *s.default_language;
    if (s.volume) c.device.volume = *s.volume;
}

void apply_local_settings(Config& c) {
    std::string error;
    LocalSettings s = load_local_settings(c.device.data_dir, &error);
    if (!error.empty()) log(LogLevel::Warning, "staff settings ignored: " + error);
    apply(c, s);
}

}  // namespace vitrine
