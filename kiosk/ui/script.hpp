// Scripted input (`--script FILE`, and the built-in tour): one step per
// line, run frame by frame against what is on screen. A step that fails
// stops the run and names its line.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace vitrine::ui {

class ScriptError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Step {
    int line = 0;
    std::string verb;
    std::vector<std::string> args;  // numbers, for tap-at, swipe, wait, advance, stall
    std::string text;               // the rest of the line, for tap, type, scan, expect, shot, log
};

// Parses a whole script; throws ScriptError("<source>:<line>: ...").
std::vector<Step> parse_script(const std::string& text, const std::string& source);

}  // namespace vitrine::ui
