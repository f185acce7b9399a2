// The USB pack watcher: finds packs on "sticks" (directories under the
// watched mount points), reports each one, and auto-installs only a valid
// newer version of the current pack.
#include "content/watcher.hpp"
#include "fixture.hpp"

#include <chrono>
#include <thread>

using namespace vitrine;
using namespace vitrine::test;
using content::FoundPack;
using content::PackWatcher;
using content::Relation;

namespace {

struct WatcherFixture : StoreFixture {
    fs::path media = tmp / "media";
    PackWatcher::Options options(bool auto_install = true) {
        PackWatcher::Options o;
        o.dirs = {media, tmp / "run-media"};
        o.trusted = keys;
        o.auto_install = auto_install;
        o.interval = std::chrono::milliseconds(50);
        return o;
    }
    const FoundPack* find(const content::WatcherStatus& s, const fs::path& p) {
        for (const auto& f : s.packs)
            if (f.path == p) return &f;
        return nullptr;
    }
};

}  // namespace

TEST_CASE_FIXTURE(WatcherFixture, "finds packs up to three levels down, not deeper") {
    fs::create_directories(media);
    make_signed_pack(media / "STICK", key);                    // depth 1
    make_signed_pack(tmp / "run-media/user/STICK/pack", key);  // depth 3
    make_signed_pack(media / "a/b/c/too-deep", key);           // depth 4
    fs::create_directories(media / "photos/2026");
    auto found = PackWatcher::find_packs({media, tmp / "run-media", tmp / "absent"}, 3);
    std::sort(found.begin(), found.end());
    CHECK(found == std::vector<fs::path>{media / "STICK", tmp / "run-media/user/STICK/pack"});
}

TEST_CASE_FIXTURE(WatcherFixture, "reports what it finds without installing when auto_install is off") {
    install(pack("v2", 2));
    make_signed_pack(media / "NEWER", key, PackSpec{.version = 3});
    make_signed_pack(media / "OLDER", key, PackSpec{.version = 1});
    make_pack(media / "UNSIGNED", PackSpec{.version = 4});
    PackWatcher w(store, options(false));
    w.scan_now();
    auto s = w.status();
    REQUIRE(s->packs.size() == 3);
    auto* newer = find(*s, media / "NEWER");
    REQUIRE(newer);
    CHECK(newer->state == FoundPack::State::Ready);
    CHECK(newer->relation == Relation::Newer);
    CHECK(newer->id == "test-pack");
    CHECK(newer->version == 3);
    CHECK(find(*s, media / "OLDER")->relation == Relation::Older);
    auto* unsigned_pack = find(*s, media / "UNSIGNED");
    CHECK(unsigned_pack->state == FoundPack::State::Invalid);
    CHECK(unsigned_pack->message.find("not signed") != std::string::npos);
    CHECK(current_version() == 2);
    CHECK(s->installed_count == 0);
}

TEST_CASE_FIXTURE(WatcherFixture, "auto-installs a newer valid pack, once") {
    install(pack("v1", 1));
    make_signed_pack(media / "STICK/pack", key, PackSpec{.version = 2});
    PackWatcher w(store, options());
    w.scan_now();
    auto s = w.status();
    REQUIRE(s->packs.size() == 1);
    CHECK(s->packs[0].state == FoundPack::State::Installed);
    CHECK(s->packs[0].progress.files_done == s->packs[0].progress.files_total);
    CHECK(s->installed_count == 1);
    CHECK(current_version() == 2);
    w.scan_now();  // the same stick again: nothing more happens
    CHECK(w.status()->installed_count == 1);
    CHECK(w.status()->packs[0].state == FoundPack::State::Installed);
}

TEST_CASE_FIXTURE(WatcherFixture, "two newer sticks at once: the highest version is installed, once") {
    install(pack("v1", 1));
    make_signed_pack(media / "A", key, PackSpec{.version = 2});
    make_signed_pack(media / "B", key, PackSpec{.version = 3});
    PackWatcher w(store, options());
    w.scan_now();
    auto s = w.status();
    CHECK(current_version() == 3);
    CHECK(s->installed_count == 1);
    CHECK(find(*s, media / "B")->state == FoundPack::State::Installed);
    CHECK(find(*s, media / "A")->state == FoundPack::State::Ready);
    CHECK(find(*s, media / "A")->relation == Relation::Older);
}

TEST_CASE_FIXTURE(WatcherFixture, "never auto-installs an older version or another pack") {
    install(pack("v5", 5));
    make_signed_pack(media / "OLD", key, PackSpec{.version = 4});
    make_signed_pack(media / "OTHER", key, PackSpec{.id = "other-pack", .version = 9});
    PackWatcher w(store, options());
    w.scan_now();
    auto s = w.status();
    CHECK(find(*s, media / "OLD")->state == FoundPack::State::Ready);
    CHECK(find(*s, media / "OTHER")->relation == Relation::OtherPack);
    CHECK(current_version() == 5);
    CHECK(store.current()->id == "test-pack");
}

TEST_CASE_FIXTURE(WatcherFixture, "a damaged pack fails to install and keeps the current one") {
    install(pack("v1", 1));
    fs::path stick = make_signed_pack(media / "STICK", key, PackSpec{.version = 2});
    flip_byte(stick / "media/showcase-0/thumb.jpg", 7);  // same size: only the hash shows it
    PackWatcher w(store, options());
    w.scan_now();
    auto s = w.status();
    CHECK(s->packs[0].state == FoundPack::State::Failed);
    CHECK(s->packs[0].message.find("does not match its SHA-256") != std::string::npos);
    CHECK(current_version() == 1);
    check_current_intact();
}

TEST_CASE_FIXTURE(WatcherFixture, "the watcher thread installs a stick plugged in while it runs, and forgets a removed one") {
    install(pack("v1", 1));
    PackWatcher w(store, options());
    w.start();
    fs::create_directories(media);
    fs::path staging = tmp / "copying";
    make_signed_pack(staging, key, PackSpec{.version = 2});
    fs::rename(staging, media / "STICK");  // appears whole, as a mount does
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (w.status()->installed_count == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(w.status()->installed_count == 1);
    CHECK(current_version() == 2);
    fs::remove_all(media / "STICK");
    while (!w.status()->packs.empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(w.status()->packs.empty());
    w.stop();
}
