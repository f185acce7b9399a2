// The installed packs on the data partition, and the only code that changes
// them. Layout under the data directory:
//
//   packs/<id>-<version>/   installed packs (manifest, signature, media)
//   packs/.staging-*        an install in progress (removed on the next start)
//   packs/.trash-*          a pack being removed (likewise)
//   current  -> packs/...   symlink, replaced atomically by rename(2)
//   previous -> packs/...   the rollback target
//   .pack.lock              flock(2) held while anything here changes
//
// A power cut at any instant leaves `current` on a whole pack: the old one or
// the new one. Nothing outside packs/, current and previous is touched.
#pragma once
#include "pack_dir.hpp"

#include <atomic>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vitrine::content {

struct PublicKey;

struct InstalledPack {
    std::string dir_name;  // <id>-<version>
    std::filesystem::path path;
    std::string id;
    std::int64_t version = 0;
    std::string created;
    std::string title;         // in the pack's default language
    std::string installed_at;  // RFC 3339 UTC
    std::string key_id;
    bool current = false;
    bool previous = false;
    std::string problem;  // non-empty when the directory cannot be read as a pack
};

// How an incoming pack relates to the current one.
enum class Relation { NothingInstalled, Newer, Same, Older, OtherPack };
Relation relation_to(const PackInfo& incoming, const std::optional<InstalledPack>& current);
const char* relation_name(Relation r);

struct InstallOptions {
    bool allow_downgrade = false;
    ProgressFn progress;
};

struct InstallResult {
    InstalledPack pack;
    std::optional<InstalledPack> replaced;
    std::uint64_t bytes = 0;
    std::size_t files = 0;
    double seconds = 0;
};

class PackStore {
public:
    explicit PackStore(std::filesystem::path data_dir);

    const std::filesystem::path& data_dir() const { return data_dir_; }
    std::vector<InstalledPack> list() const;
    std::optional<InstalledPack> current() const;

    // Verifies and installs the pack at `source`, then makes it current.
    // Throws PackError; on any failure the installed packs are untouched.
    InstallResult install(const std::filesystem::path& source, std::span<const PublicKey> trusted,
                          const InstallOptions& options = {});

    // Makes the previous pack current (and the current one previous).
    InstalledPack rollback();

    // Removes what an interrupted install left behind. Install does it too.
    void recover();

private:
    std::filesystem::path data_dir_;
    std::filesystem::path packs_dir() const { return data_dir_ / "packs"; }
    std::optional<std::string> link_target(const char* name) const;
    InstalledPack describe(const std::string& dir_name) const;
    void recover_locked();
    void switch_link(const char* name, const std::string& dir_name);
    void remove_unreferenced();
};

}  // namespace vitrine::content
