// Power cut while records are saved: a child process adds records in a loop
// and prints each id once add() has returned; it is killed with SIGKILL at a
// random instant (also while it creates and migrates the database). After
// each kill every acknowledged id must be in the database and
// PRAGMA integrity_check must say "ok". (SIGKILL stops the process, not the
// kernel: this checks that add() returns only after the commit, and that
// SQLite's recovery of the WAL sees it.)
#include "fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <random>
#include <thread>

extern char** environ;

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;

namespace {

struct Child {
    pid_t pid = -1;
    int out = -1;
};

Child spawn_child(const fs::path& db, long count = -1) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::vector<std::string> argv = {OUTBOX_CHILD, db.string()};
    if (count >= 0) argv.push_back(std::to_string(count));
    argv = emulated(argv);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    Child c;
    REQUIRE(::posix_spawnp(&c.pid, args[0], &fa, nullptr, args.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    c.out = fds[0];
    return c;
}

// Everything the child wrote, complete lines only; then its exit status.
std::vector<std::string> collect(Child& c, int& status) {
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(c.out, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(c.out);
    ::waitpid(c.pid, &status, 0);
    std::vector<std::string> ids;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
        ids.push_back(text.substr(start, nl - start));
    return ids;
}

int trials() {
    const char* env = std::getenv("VITRINE_OUTBOX_CRASH_TRIALS");
    return env ? std::atoi(env) : 200;
}

}  // namespace

TEST_CASE("SIGKILL at random moments never loses an acknowledged record nor damages the database") {
    TempDir tmp;
    // How long a child takes to start and save 50 records, to spread the kills over.
    const fs::path timing = tmp / "timing.db";
    const auto t0 = std::chrono::steady_clock::now();
    Child c = spawn_child(timing, 50);
    int status = 0;
    REQUIRE(collect(c, status).size() == 50);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    const auto run = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
    MESSAGE("a child starts and saves 50 records in " << run.count() / 1000 << " ms");

    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<long> delay(0, run.count());
    const int n = trials();
    std::size_t acknowledged = 0;
    int before_first = 0, killed = 0;
    fs::path db;
    std::vector<std::string> all;  // every id acknowledged into `db`
    for (int i = 0; i < n; ++i) {
        CAPTURE(i);
        if (i % 20 == 0) {  // a new database now and then: kills while it is created and migrated
            db = tmp / ("outbox-" + std::to_string(i) + ".db");
            all.clear();
        }
        Child child = spawn_child(db);
        std::this_thread::sleep_for(std::chrono::microseconds(delay(rng)));
        ::kill(child.pid, SIGKILL);
        const auto ids = collect(child, status);
        killed += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        REQUIRE_FALSE((WIFEXITED(status) && WEXITSTATUS(status) != 0));  // the child itself did not fail
        before_first += ids.empty();
        acknowledged += ids.size();
        all.insert(all.end(), ids.begin(), ids.end());

        if (!fs::exists(db)) {
            CHECK(ids.empty());
            continue;
        }
        {
            RawDb raw(db);
            REQUIRE(raw.value("PRAGMA integrity_check") == "ok");
        }
        Outbox outbox(db);  // refuses a file it takes for damaged or foreign: a kill must never leave one
        CHECK(outbox.schema_version() == Outbox::kSchemaVersion);
        std::size_t missing = 0;
        for (const auto& id : all) missing += !outbox.find(id);
        CHECK(missing == 0);
    }
    MESSAGE(n << " trials: " << acknowledged << " records acknowledged, " << killed << " killed, " << before_first
              << " killed before their first record");
    CHECK(killed == n);
    CHECK(acknowledged > 0);
}
