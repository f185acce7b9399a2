// Install, list, rollback and downgrade on a real data directory; failures
// in the middle of an install (stick pulled, disk full, a second installer)
// leave the current pack untouched and no staging behind.
#include "content/error.hpp"
#include "fixture.hpp"

#include <sys/file.h>
#include <sys/mount.h>
#include <fcntl.h>
#include <unistd.h>

using namespace vitrine;
using namespace vitrine::test;
using content::PackError;

TEST_CASE_FIXTURE(StoreFixture, "first install, upgrades, list and the packs kept") {
    CHECK_FALSE(store.current());
    CHECK(store.list().empty());

    auto r1 = install(pack("v1", 1));
    CHECK(r1.pack.id == "test-pack");
    CHECK(r1.pack.version == 1);
    CHECK(r1.pack.current);
    CHECK_FALSE(r1.replaced);
    CHECK(r1.pack.key_id == key.key.id());
    CHECK(r1.pack.installed_at.size() == 20);
    CHECK(r1.pack.path == data / "packs/test-pack-1");
    CHECK(fs::read_symlink(data / "current") == "packs/test-pack-1");
    CHECK(read_file(r1.pack.path / "media/showcase-0/thumb.jpg") == read_file(tmp / "v1/media/showcase-0/thumb.jpg"));
    CHECK(read_file(r1.pack.path / "manifest.json") == read_file(tmp / "v1/manifest.json"));
    CHECK(read_file(r1.pack.path / "manifest.json.minisig") == read_file(tmp / "v1/manifest.json.minisig"));
    check_current_intact();

    auto r2 = install(pack("v2", 2));
    REQUIRE(r2.replaced);
    CHECK(r2.replaced->version == 1);
    CHECK(fs::read_symlink(data / "previous") == "packs/test-pack-1");

    install(pack("v3", 3));
    auto list = store.list();
    REQUIRE(list.size() == 2);  // current and previous; version 1 is gone
    CHECK(list[0].version == 3);
    CHECK(list[0].current);
    CHECK(list[1].version == 2);
    CHECK(list[1].previous);
    CHECK(entries(data / "packs") == std::vector<std::string>{"test-pack-2", "test-pack-3"});
}

TEST_CASE_FIXTURE(StoreFixture, "rollback goes back and forth between current and previous") {
    CHECK_THROWS_WITH_AS(store.rollback(), doctest::Contains("no pack is installed"), PackError);
    install(pack("v1", 1));
    CHECK_THROWS_WITH_AS(store.rollback(), doctest::Contains("no previous pack to roll back to"), PackError);
    install(pack("v2", 2));
    CHECK(store.rollback().version == 1);
    CHECK(current_version() == 1);
    CHECK(fs::read_symlink(data / "previous") == "packs/test-pack-2");
    check_current_intact();
    CHECK(store.rollback().version == 2);
    CHECK(current_version() == 2);
}

TEST_CASE_FIXTURE(StoreFixture, "downgrade only when allowed, and a same-version repair") {
    install(pack("v1", 1));
    install(pack("v2", 2));
    CHECK_THROWS_WITH_AS(install(tmp / "v1"), doctest::Contains("--allow-downgrade"), PackError);
    CHECK(current_version() == 2);
    install(tmp / "v1", true);
    CHECK(current_version() == 1);
    CHECK(fs::read_symlink(data / "previous") == "packs/test-pack-2");

    // A damaged current pack is repaired by installing the same version again.
    fs::path installed = data / "packs/test-pack-1/media/showcase-0/thumb.jpg";
    flip_byte(installed, 5);
    {
        content::PackDir dir(data / "packs/test-pack-1");
        CHECK_THROWS_WITH_AS(content::check_files(dir, content::parse_manifest(read_file(dir.root() / "manifest.json"))),
                             doctest::Contains("does not match its SHA-256"), PackError);
    }
    install(tmp / "v1", true);
    CHECK(current_version() == 1);
    check_current_intact();
    CHECK(entries(data / "packs") == std::vector<std::string>{"test-pack-1", "test-pack-2"});
}

TEST_CASE_FIXTURE(StoreFixture, "another pack id replaces the current one, keeping it for rollback") {
    install(pack("v5", 5));
    PackSpec other;
    other.id = "other-pack";
    auto r = install(pack("other", 1, other));
    CHECK(r.pack.id == "other-pack");
    CHECK(content::relation_to(content::PackInfo{"test-pack", 6, {}, {}, {}}, store.current()) ==
          content::Relation::OtherPack);
    CHECK(store.rollback().id == "test-pack");
}

TEST_CASE_FIXTURE(StoreFixture, "a stick pulled out in the middle of an install") {
    install(pack("v1", 1));
    PackSpec spec;
    spec.extra_files = 8;
    fs::path v2 = pack("v2", 2, spec);
    const std::string before = state();
    content::InstallOptions opt;
    int calls = 0;
    opt.progress = [&](const content::Progress& p) {
        if (p.files_done == 2 && calls++ == 0) fs::remove_all(v2);  // the stick is gone
    };
    CHECK_THROWS_WITH_AS(store.install(v2, keys, opt), doctest::Contains("missing from the pack"), PackError);
    CHECK(state() == before);
    check_current_intact();
}

TEST_CASE_FIXTURE(StoreFixture, "a second installer is turned away while one runs") {
    install(pack("v1", 1));
    int fd = ::open((data / ".pack.lock").c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    CHECK_THROWS_WITH_AS(install(pack("v2", 2)), doctest::Contains("another pack install or rollback is running"),
                         PackError);
    CHECK_THROWS_WITH_AS(store.rollback(), doctest::Contains("another pack install"), PackError);
    ::close(fd);
    install(tmp / "v2");
    CHECK(current_version() == 2);
}

TEST_CASE_FIXTURE(StoreFixture, "leftovers of an interrupted install are removed") {
    install(pack("v1", 1));
    fs::create_directories(data / "packs/.staging-test-pack-2-abcd/media");
    fs::create_directories(data / "packs/.trash-test-pack-0-abcd");
    fs::create_directories(data / "packs/test-pack-7");  // renamed in place, never made current
    fs::create_symlink("packs/test-pack-7", data / ".current.tmp-1234");
    store.recover();
    CHECK(entries(data / "packs") == std::vector<std::string>{"test-pack-1"});
    CHECK(entries(data) == std::vector<std::string>{".pack.lock", "current", "packs"});
    check_current_intact();
}

TEST_CASE_FIXTURE(StoreFixture, "a dangling current link falls back to the previous pack") {
    install(pack("v1", 1));
    install(pack("v2", 2));
    fs::remove(data / "current");
    fs::create_symlink("packs/test-pack-9", data / "current");
    store.recover();
    CHECK(current_version() == 1);
}

TEST_CASE_FIXTURE(StoreFixture, "a full data partition fails the install cleanly") {
    if (::geteuid() != 0) return skip_suite("mounting a small tmpfs needs root");
    fs::path mnt = tmp / "small";
    fs::create_directories(mnt);
    REQUIRE(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=40m") == 0);
    struct Unmount {
        fs::path p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{mnt};

    content::PackStore small(mnt / "data");
    PackSpec spec;
    spec.file_size = 1 << 20;
    spec.extra_files = 2;
    small.install(pack("v1", 1, spec), keys);
    spec.extra_files = 4;
    fs::path v2 = pack("v2", 2, spec);
    content::InstallOptions opt;
    bool filled = false;
    opt.progress = [&](const content::Progress& p) {
        if (p.files_done == 1 && !filled) {  // something else eats the space meanwhile
            filled = true;
            write_file(mnt / "filler", std::string(40 << 20, 'x'));
        }
    };
    CHECK_THROWS_WITH_AS(small.install(v2, keys, opt), doctest::Contains("(the file system is full)"), PackError);
    fs::remove(mnt / "filler");
    CHECK(small.current()->version == 1);
    CHECK(entries(mnt / "data/packs") == std::vector<std::string>{"test-pack-1"});
    content::PackDir dir(small.current()->path);
    CHECK_NOTHROW(content::check_files(dir, content::parse_manifest(dir.read_small("manifest.json", 1 << 20))));
}
