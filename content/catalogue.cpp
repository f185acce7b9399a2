#include "catalogue.hpp"

#include "error.hpp"
#include "pack_dir.hpp"

namespace vitrine::content {

std::shared_ptr<const LoadedPack> load_current(const PackStore& store) {
    auto cur = store.current();
    if (!cur) throw PackError("no content pack is installed in " + store.data_dir().string() +
                              " (install one with vitrine pack install, or plug in a USB stick)");
    if (!cur->problem.empty()) throw PackError("the current pack " + cur->dir_name + " cannot be read: " + cur->problem);
    auto pack = std::make_shared<LoadedPack>();
    PackDir dir(cur->path);
    pack->manifest = parse_manifest(dir.read_small("manifest.json", kMaxManifestBytes));
    pack->root = cur->path;
    pack->dir_name = cur->dir_name;
    return pack;
}

std::vector<const Showcase*> filter_showcases(const Manifest& m, const Filter& f) {
    std::vector<const Showcase*> out;
    for (const auto& s : m.showcases) {
        bool sector_ok = f.sectors.empty();
        for (const auto& id : s.sectors) sector_ok = sector_ok || f.sectors.count(id);
        bool city_ok = f.cities.empty() || f.cities.count(s.city);
        if (sector_ok && city_ok) out.push_back(&s);
    }
    return out;
}

std::vector<const City*> cities_in_use(const Manifest& m) {
    std::vector<const City*> out;
    for (const auto& c : m.cities)
        for (const auto& s : m.showcases)
            if (s.city == c.id) {
                out.push_back(&c);
                break;
            }
    return out;
}

}  // namespace vitrine::content
