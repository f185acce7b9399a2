#include "kiosk/ui/script.hpp"

#include <sstream>

namespace vitrine::ui {
namespace {

struct Verb {
    const char* name;
    int numbers;      // how many numeric arguments
    int optional;     // of which optional at the end
    bool takes_text;  // the rest of the line
};

const Verb kVerbs[] = {
    {"tap", 0, 0, true},       {"tap-at", 2, 0, false}, {"swipe", 5, 1, false},     {"type", 0, 0, true},
    {"scan", 0, 0, true},      {"wait", 1, 0, false},   {"advance", 1, 0, false},   {"expect", 0, 0, true},
    {"expect-not", 0, 0, true}, {"shot", 0, 0, true},   {"stall", 1, 0, false},
    {"log", 0, 0, true},       {"await", 0, 0, true},   {"await-not", 0, 0, true},
};

}  // namespace

std::vector<Step> parse_script(const std::string& text, const std::string& source) {
    std::vector<Step> steps;
    std::istringstream in(text);
    std::string raw;
    int n = 0;
    while (std::getline(in, raw)) {
        ++n;
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        std::size_t first = raw.find_first_not_of(" \t");
        if (first == std::string::npos || raw[first] == '#') continue;
        std::string line = raw.substr(first);
        std::size_t space = line.find_first_of(" \t");
        Step s;
        s.line = n;
        s.verb = line.substr(0, space);
        std::string rest = space == std::string::npos ? "" : line.substr(line.find_first_not_of(" \t", space));
        while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.pop_back();
        const Verb* verb = nullptr;
        for (const auto& v : kVerbs)
            if (s.verb == v.name) verb = &v;
        auto fail = [&](const std::string& what) {
            throw ScriptError(source + ":" + std::to_string(n) + ": " + what);
        };
        if (!verb) fail("unknown step \"" + s.verb + "\"");
        if (verb->takes_text) {
            if (rest.empty()) fail(s.verb + " needs a text");
            s.text = rest;
        } else {
            std::istringstream words(rest);
            std::string w;
            while (words >> w) {
                try {
                    std::size_t used = 0;
                    std::stod(w, &used);
                    if (used != w.size()) throw std::invalid_argument(w);
                } catch (const std::exception&) {
                    fail(s.verb + ": \"" + w + "\" is not a number");
                }
                s.args.push_back(w);
            }
            int count = static_cast<int>(s.args.size());
            if (count < verb->numbers - verb->optional || count > verb->numbers)
                fail(s.verb + " takes " + std::to_string(verb->numbers - verb->optional) +
                     (verb->optional ? " or " + std::to_string(verb->numbers) : std::string()) + " numbers");
        }
        steps.push_back(std::move(s));
    }
    return steps;
}

}  // namespace vitrine::ui
