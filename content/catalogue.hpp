// Queries over a pack's showcases for the screens: the current pack loaded
// from the store, and the showcases that match a visitor's filters.
#pragma once
#include "manifest.hpp"
#include "store.hpp"

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace vitrine::content {

// An installed pack, read once and shared read-only by the UI.
struct LoadedPack {
    Manifest manifest;
    std::filesystem::path root;  // media paths are relative to it
    std::string dir_name;        // <id>-<version>
    std::filesystem::path file(const std::string& rel) const { return root / rel; }
};

// The current pack of `store`. Throws PackError when none is installed or it
// cannot be read.
std::shared_ptr<const LoadedPack> load_current(const PackStore& store);

// A visitor's filters: any of the chosen sectors, and any of the chosen
// cities; an empty set does not filter.
struct Filter {
    std::set<std::string, std::less<>> sectors, cities;
    bool empty() const { return sectors.empty() && cities.empty(); }
    bool operator==(const Filter&) const = default;
};

std::vector<const Showcase*> filter_showcases(const Manifest& m, const Filter& f);

// Cities that at least one showcase names, in the manifest's order.
std::vector<const City*> cities_in_use(const Manifest& m);

}  // namespace vitrine::content
