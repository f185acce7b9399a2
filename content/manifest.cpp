#include "manifest.hpp"

#include "error.hpp"
#include "pack_path.hpp"
#include "qr_url.hpp"

#include <nlohmann/json.hpp>

#include <regex>
#include <set>

namespace vitrine::content {
namespace {

using json = nlohmann::json;

// Where we are in the document, for error messages that a content author can
// follow to the exact field: `showcases[3] "green-aircraft".title`.
class Field {
public:
    explicit Field(std::string path = {}) : path_(std::move(path)) {}
    Field operator/(std::string_view key) const {
        return Field(path_.empty() ? std::string(key) : path_ + "." + std::string(key));
    }
    Field at(std::size_t i, std::string_view id = {}) const {
        std::string p = path_ + "[" + std::to_string(i) + "]";
        if (!id.empty()) p += " \"" + std::string(id) + "\"";
        return Field(std::move(p));
    }
    [[noreturn]] void fail(const std::string& what) const {
        // printable(): a value holding a NUL would otherwise cut what() short.
        throw PackError(printable((path_.empty() ? std::string("manifest") : path_) + ": " + what));
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// nlohmann's parse errors quote the bytes they stopped at, which may be
// neither UTF-8 nor printable; the message goes to a screen and into --json
// documents, which must be UTF-8: invalid bytes become U+FFFD, control
// characters \xNN.
std::string shown(const std::string& s) {
    const std::string quoted = json(s).dump(-1, ' ', false, json::error_handler_t::replace);
    return printable(json::parse(quoted).get<std::string>());
}

bool valid_id(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && c == '-');
        if (!ok) return false;
    }
    return true;
}

// Question and option ids: they go into interest records as they are.
bool valid_answer_id(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool valid_language(std::string_view s) {
    if (s.size() < 2 || s.size() > 3) return false;
    for (char c : s)
        if (c < 'a' || c > 'z') return false;
    return true;
}

bool valid_rfc3339(const std::string& s) {
    static const std::regex re(
        R"(^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$)");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return false;
    auto n = [&](int i) { return std::stoi(m[i].str()); };
    return n(2) >= 1 && n(2) <= 12 && n(3) >= 1 && n(3) <= 31 && n(4) <= 23 && n(5) <= 59 && n(6) <= 60 &&
           (!m[9].matched || (n(9) <= 23 && n(10) <= 59));
}

bool valid_url(std::string_view s) {
    if (!(s.starts_with("https://") || s.starts_with("http://"))) return false;
    if (s.size() > 2048) return false;
    for (unsigned char c : s)
        if (c <= 0x20 || c == 0x7f) return false;
    return true;
}

class Parser {
public:
    Manifest run(std::string_view text) {
        json doc;
        try {
            doc = json::parse(text);
        } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
            throw PackError(not_json_message(e.what()));
        }
        Field root;
        expect_object(doc, root);
        check_keys(doc, root,
                   {"format", "pack", "languages", "sectors", "cities", "showcases", "campaign", "interest", "files"});

        const json& format = member(doc, root, "format");
        if (!format.is_number_integer()) (root / "format").fail("must be an integer");
        if (format.get<std::int64_t>() != 1)
            (root / "format")
                .fail("unsupported format " + format.dump() +
                      " (this kiosk reads format 1: update the kiosk software or rebuild the pack as format 1)");
        m_.format = 1;

        parse_languages(member(doc, root, "languages"), root / "languages");
        parse_pack(member(doc, root, "pack"), root / "pack");
        parse_files(member(doc, root, "files"), root / "files");
        parse_sectors(member(doc, root, "sectors"), root / "sectors");
        if (doc.contains("cities")) parse_cities(doc["cities"], root / "cities");
        parse_showcases(member(doc, root, "showcases"), root / "showcases");
        parse_campaign(member(doc, root, "campaign"), root / "campaign");
        if (doc.contains("interest")) parse_interest(doc["interest"], root / "interest");
        return std::move(m_);
    }

private:
    Manifest m_;

    static void expect_object(const json& j, const Field& f) {
        if (!j.is_object()) f.fail("must be an object, not " + std::string(j.type_name()));
    }
    static void expect_array(const json& j, const Field& f) {
        if (!j.is_array()) f.fail("must be an array, not " + std::string(j.type_name()));
    }
    static const json& member(const json& obj, const Field& f, const char* key) {
        auto it = obj.find(key);
        if (it == obj.end()) (f / key).fail("missing");
        return *it;
    }
    void check_keys(const json& obj, const Field& f, std::initializer_list<std::string_view> known) {
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            bool ok = false;
            for (auto k : known) ok = ok || it.key() == k;
            if (!ok) m_.warnings.push_back((f / it.key()).path() + ": unknown key, ignored");
        }
    }
    static std::string string_of(const json& j, const Field& f, bool allow_empty = false) {
        if (!j.is_string()) f.fail("must be a string, not " + std::string(j.type_name()));
        std::string s = j.get<std::string>();
        if (!allow_empty && s.empty()) f.fail("must not be empty");
        return s;
    }
    static std::string id_of(const json& obj, const Field& f) {
        std::string id = string_of(member(obj, f, "id"), f / "id");
        if (!valid_id(id))
            (f / "id").fail("\"" + id + "\" is not a valid id (lowercase letters, digits and '-', at most 64)");
        return id;
    }
    static std::string answer_id_of(const json& obj, const Field& f) {
        std::string id = string_of(member(obj, f, "id"), f / "id");
        if (!valid_answer_id(id))
            (f / "id").fail("\"" + id + "\" is not a valid id (lowercase letters, digits, '_' and '-', at most 64)");
        return id;
    }
    // The id of an array element, used to name it in errors before it is validated.
    static std::string peek_id(const json& j) {
        if (j.is_object()) {
            auto it = j.find("id");
            if (it != j.end() && it->is_string()) return it->get<std::string>();
        }
        return {};
    }

    Localized localized(const json& j, const Field& f) {
        if (!j.is_object()) f.fail("must be a localized text object like {\"" + m_.default_language() + "\": \"...\"}");
        Localized t;
        for (auto it = j.begin(); it != j.end(); ++it) {
            bool known = false;
            for (const auto& l : m_.languages) known = known || l == it.key();
            if (!known) (f / it.key()).fail("language \"" + it.key() + "\" is not in languages");
            t[it.key()] = string_of(it.value(), f / it.key());
        }
        if (!t.count(m_.default_language()))
            f.fail("missing the default language \"" + m_.default_language() + "\"");
        return t;
    }
    Localized optional_localized(const json& obj, const Field& f, const char* key) {
        auto it = obj.find(key);
        return it == obj.end() ? Localized{} : localized(*it, f / key);
    }
    std::string file_ref(const json& j, const Field& f) {
        std::string p = string_of(j, f);
        if (auto problem = pack_path_problem(p)) f.fail("\"" + printable(p) + "\": " + *problem);
        if (!m_.files.count(p)) f.fail("\"" + p + "\" is not listed in files");
        return p;
    }
    std::map<std::string, std::string, std::less<>> subtitles(const json& obj, const Field& f) {
        std::map<std::string, std::string, std::less<>> out;
        auto it = obj.find("subtitles");
        if (it == obj.end()) return out;
        Field sf = f / "subtitles";
        expect_object(*it, sf);
        for (auto s = it->begin(); s != it->end(); ++s) {
            bool known = false;
            for (const auto& l : m_.languages) known = known || l == s.key();
            if (!known) (sf / s.key()).fail("language \"" + s.key() + "\" is not in languages");
            out[s.key()] = file_ref(s.value(), sf / s.key());
        }
        return out;
    }

    void parse_languages(const json& j, const Field& f) {
        expect_array(j, f);
        if (j.empty()) f.fail("must list at least one language");
        for (std::size_t i = 0; i < j.size(); ++i) {
            std::string l = string_of(j[i], f.at(i));
            if (!valid_language(l)) f.at(i).fail("\"" + l + "\" is not a language code (two or three lowercase letters)");
            for (const auto& seen : m_.languages)
                if (seen == l) f.at(i).fail("language \"" + l + "\" is listed twice");
            m_.languages.push_back(l);
        }
    }

    void parse_pack(const json& j, const Field& f) {
        expect_object(j, f);
        check_keys(j, f, {"id", "version", "created", "title", "about"});
        m_.pack.id = id_of(j, f);
        const json& v = member(j, f, "version");
        if (!v.is_number_integer()) (f / "version").fail("must be an integer");
        m_.pack.version = v.get<std::int64_t>();
        if (m_.pack.version < 1) (f / "version").fail("must be 1 or more");
        m_.pack.created = string_of(member(j, f, "created"), f / "created");
        if (!valid_rfc3339(m_.pack.created))
            (f / "created").fail("\"" + m_.pack.created + "\" is not an RFC 3339 time like 2026-11-20T10:00:00Z");
        m_.pack.title = localized(member(j, f, "title"), f / "title");
        m_.pack.about = optional_localized(j, f, "about");
    }

    void parse_files(const json& j, const Field& f) {
        expect_object(j, f);
        for (auto it = j.begin(); it != j.end(); ++it) {
            Field ef = f / ("\"" + printable(it.key()) + "\"");
            if (auto problem = pack_path_problem(it.key())) ef.fail(*problem);
            if (it.key() == "manifest.json" || it.key() == "manifest.json.minisig")
                ef.fail("the manifest files cannot be listed in files");
            expect_object(it.value(), ef);
            check_keys(it.value(), ef, {"size", "sha256"});
            const json& size = member(it.value(), ef, "size");
            if (!size.is_number_integer() || size.get<std::int64_t>() < 0)
                (ef / "size").fail("must be a non-negative integer");
            FileEntry e;
            e.size = size.get<std::uint64_t>();
            std::string hex = string_of(member(it.value(), ef, "sha256"), ef / "sha256");
            if (!digest_from_hex(hex, e.sha256)) (ef / "sha256").fail("must be 64 hex digits");
            m_.files[it.key()] = e;
        }
    }

    void parse_sectors(const json& j, const Field& f) {
        expect_array(j, f);
        if (j.empty()) f.fail("must list at least one sector");
        std::set<std::string> ids;
        for (std::size_t i = 0; i < j.size(); ++i) {
            Field sf = f.at(i, peek_id(j[i]));
            expect_object(j[i], sf);
            check_keys(j[i], sf, {"id", "name", "colour"});
            Sector s;
            s.id = id_of(j[i], sf);
            if (!ids.insert(s.id).second) (sf / "id").fail("duplicate sector id \"" + s.id + "\"");
            s.name = localized(member(j[i], sf, "name"), sf / "name");
            std::string c = string_of(member(j[i], sf, "colour"), sf / "colour");
            static const std::regex hex(R"(^#[0-9A-Fa-f]{6}$)");
            if (!std::regex_match(c, hex)) (sf / "colour").fail("\"" + c + "\" is not a colour like #1F6FEB");
            s.colour = static_cast<std::uint32_t>(std::stoul(c.substr(1), nullptr, 16));
            m_.sectors.push_back(std::move(s));
        }
    }

    void parse_cities(const json& j, const Field& f) {
        expect_array(j, f);
        std::set<std::string> ids;
        for (std::size_t i = 0; i < j.size(); ++i) {
            Field cf = f.at(i, peek_id(j[i]));
            expect_object(j[i], cf);
            check_keys(j[i], cf, {"id", "name"});
            City c;
            c.id = id_of(j[i], cf);
            if (!ids.insert(c.id).second) (cf / "id").fail("duplicate city id \"" + c.id + "\"");
            c.name = localized(member(j[i], cf, "name"), cf / "name");
            m_.cities.push_back(std::move(c));
        }
    }

    void parse_showcases(const json& j, const Field& f) {
        expect_array(j, f);
        if (j.empty()) f.fail("must list at least one showcase");
        std::set<std::string> ids;
        for (std::size_t i = 0; i < j.size(); ++i) {
            Field sf = f.at(i, peek_id(j[i]));
            const json& o = j[i];
            expect_object(o, sf);
            check_keys(o, sf, {"id", "sectors", "city", "company", "title", "summary", "body", "figures",
                               "thumbnail", "media", "contact_url"});
            Showcase s;
            s.id = id_of(o, sf);
            if (!ids.insert(s.id).second) (sf / "id").fail("duplicate showcase id \"" + s.id + "\"");

            const json& sectors = member(o, sf, "sectors");
            expect_array(sectors, sf / "sectors");
            if (sectors.empty()) (sf / "sectors").fail("must name at least one sector");
            for (std::size_t k = 0; k < sectors.size(); ++k) {
                std::string id = string_of(sectors[k], (sf / "sectors").at(k));
                if (!m_.sector(id)) (sf / "sectors").at(k).fail("unknown sector \"" + id + "\"");
                s.sectors.push_back(id);
            }
            if (o.contains("city")) {
                s.city = string_of(o["city"], sf / "city");
                if (!m_.city(s.city)) (sf / "city").fail("unknown city \"" + s.city + "\" (not in cities)");
            }

            Field cf = sf / "company";
            const json& company = member(o, sf, "company");
            expect_object(company, cf);
            check_keys(company, cf, {"name", "about", "url"});
            s.company.name = string_of(member(company, cf, "name"), cf / "name");
            s.company.about = optional_localized(company, cf, "about");
            if (company.contains("url")) {
                s.company.url = string_of(company["url"], cf / "url");
                if (!valid_url(s.company.url)) (cf / "url").fail("must be an http(s) URL");
            }

            s.title = localized(member(o, sf, "title"), sf / "title");
            s.summary = localized(member(o, sf, "summary"), sf / "summary");
            s.body = localized(member(o, sf, "body"), sf / "body");

            if (o.contains("figures")) {
                Field ff = sf / "figures";
                expect_array(o["figures"], ff);
                if (o["figures"].size() > 6) ff.fail("at most 6 key figures");
                for (std::size_t k = 0; k < o["figures"].size(); ++k) {
                    const json& fig = o["figures"][k];
                    Field gf = ff.at(k);
                    expect_object(fig, gf);
                    check_keys(fig, gf, {"value", "label"});
                    Figure g;
                    const json& value = member(fig, gf, "value");
                    if (value.is_string())
                        g.value[m_.default_language()] = string_of(value, gf / "value");
                    else
                        g.value = localized(value, gf / "value");
                    g.label = localized(member(fig, gf, "label"), gf / "label");
                    s.figures.push_back(std::move(g));
                }
            }

            s.thumbnail = file_ref(member(o, sf, "thumbnail"), sf / "thumbnail");

            if (o.contains("media")) {
                Field mf = sf / "media";
                expect_array(o["media"], mf);
                for (std::size_t k = 0; k < o["media"].size(); ++k) {
                    const json& mj = o["media"][k];
                    Field kf = mf.at(k);
                    expect_object(mj, kf);
                    check_keys(mj, kf, {"type", "path", "caption", "subtitles"});
                    Media media;
                    std::string type = string_of(member(mj, kf, "type"), kf / "type");
                    if (type == "image")
                        media.kind = Media::Kind::Image;
                    else if (type == "video")
                        media.kind = Media::Kind::Video;
                    else
                        (kf / "type").fail("\"" + type + "\" is neither \"image\" nor \"video\"");
                    media.path = file_ref(member(mj, kf, "path"), kf / "path");
                    media.caption = optional_localized(mj, kf, "caption");
                    media.subtitles = subtitles(mj, kf);
                    if (media.kind == Media::Kind::Image && !media.subtitles.empty())
                        (kf / "subtitles").fail("only a video can have subtitles");
                    s.media.push_back(std::move(media));
                }
            }
            if (o.contains("contact_url")) {
                s.contact_url = string_of(o["contact_url"], sf / "contact_url");
                if (!valid_url(s.contact_url)) (sf / "contact_url").fail("must be an http(s) URL");
            }
            m_.showcases.push_back(std::move(s));
        }
    }

    void parse_campaign(const json& j, const Field& f) {
        expect_array(j, f);
        if (j.empty()) f.fail("must list at least one video");
        for (std::size_t i = 0; i < j.size(); ++i) {
            Field cf = f.at(i);
            expect_object(j[i], cf);
            check_keys(j[i], cf, {"video", "tagline", "subtitles"});
            CampaignItem c;
            c.video = file_ref(member(j[i], cf, "video"), cf / "video");
            c.tagline = localized(member(j[i], cf, "tagline"), cf / "tagline");
            c.subtitles = subtitles(j[i], cf);
            m_.campaign.push_back(std::move(c));
        }
    }

    void parse_interest(const json& j, const Field& f) {
        expect_object(j, f);
        check_keys(j, f, {"call_to_action", "questions", "notice", "qr_url"});
        Interest in;
        in.call_to_action = localized(member(j, f, "call_to_action"), f / "call_to_action");

        Field qf = f / "questions";
        const json& questions = member(j, f, "questions");
        expect_array(questions, qf);
        if (questions.empty()) qf.fail("must list at least one question");
        if (questions.size() > 8) qf.fail("at most 8 questions");
        std::set<std::string> ids;
        for (std::size_t i = 0; i < questions.size(); ++i) {
            Field sf = qf.at(i, peek_id(questions[i]));
            const json& q = questions[i];
            expect_object(q, sf);
            check_keys(q, sf, {"id", "title", "options"});
            Interest::Question question;
            question.id = answer_id_of(q, sf);
            if (!ids.insert(question.id).second) (sf / "id").fail("duplicate question id \"" + question.id + "\"");
            question.title = localized(member(q, sf, "title"), sf / "title");

            Field of = sf / "options";
            const json& options = member(q, sf, "options");
            expect_array(options, of);
            if (options.size() < 2) of.fail("must list at least 2 options");
            if (options.size() > 12) of.fail("at most 12 options");
            std::set<std::string> option_ids;
            for (std::size_t k = 0; k < options.size(); ++k) {
                Field kf = of.at(k, peek_id(options[k]));
                expect_object(options[k], kf);
                check_keys(options[k], kf, {"id", "label"});
                Interest::Option option;
                option.id = answer_id_of(options[k], kf);
                if (!option_ids.insert(option.id).second)
                    (kf / "id").fail("duplicate option id \"" + option.id + "\"");
                option.label = localized(member(options[k], kf, "label"), kf / "label");
                question.options.push_back(std::move(option));
            }
            in.questions.push_back(std::move(question));
        }

        Field nf = f / "notice";
        const json& notice = member(j, f, "notice");
        expect_object(notice, nf);
        check_keys(notice, nf, {"version", "title", "text"});
        const json& v = member(notice, nf, "version");
        if (!v.is_number_integer()) (nf / "version").fail("must be an integer");
        in.notice.version = v.get<std::int64_t>();
        if (in.notice.version < 1) (nf / "version").fail("must be 1 or more");
        in.notice.title = localized(member(notice, nf, "title"), nf / "title");
        in.notice.text = localized(member(notice, nf, "text"), nf / "text");

        if (j.contains("qr_url")) {
            in.qr_url = string_of(j["qr_url"], f / "qr_url");
            if (auto problem = qr_url_problem(in.qr_url)) (f / "qr_url").fail(*problem);
        }
        m_.interest = std::move(in);
    }
};

}  // namespace

const std::string& Manifest::text(const Localized& t, std::string_view lang) const {
    auto it = t.find(lang);
    if (it != t.end()) return it->second;
    it = t.find(default_language());
    static const std::string empty;
    return it != t.end() ? it->second : empty;
}

std::uint64_t Manifest::total_size() const {
    std::uint64_t total = 0;
    for (const auto& [path, entry] : files) total += entry.size;
    return total;
}

const Sector* Manifest::sector(std::string_view id) const {
    for (const auto& s : sectors)
        if (s.id == id) return &s;
    return nullptr;
}

const City* Manifest::city(std::string_view id) const {
    for (const auto& c : cities)
        if (c.id == id) return &c;
    return nullptr;
}

std::string not_json_message(std::string_view parser_error) {
    std::string what(parser_error);
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);  // "[json.exception...] "
    return "manifest.json is not valid JSON: " + shown(what);
}

Manifest parse_manifest(std::string_view json) {
    if (json.size() > kMaxManifestBytes)
        throw PackError("manifest.json is larger than the 8 MiB limit");
    return Parser().run(json);
}

}  // namespace vitrine::content
