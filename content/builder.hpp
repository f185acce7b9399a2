// What `vitrine pack build` does for a content author: fills the `files`
// list of DIR/manifest.json from the files present, then validates the whole
// manifest. Signing stays with the author's minisign.
#pragma once
#include "manifest.hpp"

#include <filesystem>

namespace vitrine::content {

struct BuildResult {
    Manifest manifest;
    bool signature_stale = false;  // a manifest.json.minisig was there: it no longer matches
};

// Throws PackError; DIR/manifest.json is rewritten only when all is valid.
BuildResult build_pack(const std::filesystem::path& dir);

}  // namespace vitrine::content
