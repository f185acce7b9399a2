// bench/sync: a full outbox sent to the fake platform (tests/support/
// fake_platform.hpp) on loopback, plain HTTP, against the curl command-line
// tool posting the same batches to the same server, in the same run:
//   vitrine   SyncClient::pass() from N pending records to none, the outbox
//             opened with relaxed_marks as the sync worker does
//   baseline  one curl process (so one connection, reused) posting the same
//             JSON bodies with the same headers, read from files written
//             before the clock starts
// The records are what a kiosk makes: interest records, most with sealed
// contact details, and one stats record in 20. Each run starts from a fresh
// copy of the same outbox and a fresh server; afterwards the server must
// hold all N records and the outbox none pending, or the run fails. Runs
// alternate (vitrine first, then curl first, ...); the figures are medians.
// Target: per batch size, at most 1.5 x the time of curl. Prints a Markdown
// table, then the CPU seconds of the client (vitrine's thread, the curl
// process) and of the fake platform's threads in the same runs: wall times
// move with whatever else the machine runs, CPU times much less. Exits 1
// when a target fails.
//   bench_sync [--dir DIR] [--records N] [--runs K] [--batches 1,100,500] [--curl PATH]
//   (defaults: under the build dir, 10000, 3, 1,100,500, curl)
#include "platform/clock.hpp"
#include "platform/outbox.hpp"
#include "platform/record.hpp"
#include "platform/seal.hpp"
#include "platform/sync.hpp"
#include "summary.hpp"
#include "support/fake_platform.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using namespace vitrine;
using namespace vitrine::platform;
using Steady = std::chrono::steady_clock;
using json = nlohmann::json;

namespace {

const std::string kToken = "bench-token";
const std::string kDevice = "kiosk-bench";

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "bench_sync: %s\n", what.c_str());
    std::exit(1);
}

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

double cpu_seconds(const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
// CPU time (user + system) of this thread, or of this whole process: the
// client runs on the main thread, the fake platform on its own threads.
double cpu_seconds(int who) {
    rusage u{};
    ::getrusage(who, &u);
    return cpu_seconds(u);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) die("cannot write " + file.string());
}

void remove_db(const fs::path& db) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db.string() + suffix);
}

// The records of a day at the fair: interest records (nine in ten with the
// contact details sealed together, as the kiosk does; the others without
// consent to be contacted, so nothing sealed) and an hourly stats record
// every 20th. Oldest first, three seconds apart.
Record kiosk_record(int i, const SealKey& key, std::chrono::system_clock::time_point start) {
    const RecordContext ctx{kDevice, "bench-fair-2026", "bench-pack", 7};
    const auto at = start + std::chrono::seconds(3 * i);
    static const char* sectors[] = {"aerospace", "energy", "health", "software", "logistics"};
    static const char* levels[] = {"bachelor", "master", "phd", "engineer"};
    if (i % 20 == 19) {
        json showcases = json::object();
        for (int s = 0; s < 6; ++s)
            showcases["showcase-" + std::to_string(s)] = {{"views", 10 + (i + s) % 17},   {"dwell_s", 42.125 + s},
                                                          {"video_starts", 6 + s},       {"video_completions", 3 + s},
                                                          {"cta", 2 + (i + s) % 5},      {"qr_shown", 1 + s % 3}};
        json payload = {{"hour", "2026-01-05T09:00:00Z"},
                        {"flows", {{"started", 19}, {"abandoned", 4}, {"qr_shown", 15}, {"completed", 14}}},
                        {"attract_video_starts", 31},
                        {"showcases", showcases}};
        return make_stats(ctx, at, std::move(payload));
    }
    const bool contact = i % 10 != 3;
    json payload = {{"answers", {{"sector", sectors[i % 5]}, {"level", levels[i % 4]}, {"when", "2026-09"}}},
                    {"consent", {{"contact", contact}, {"share_cv", i % 3 == 0}, {"notice_version", 2}}}};
    std::map<std::string, Bytes> sealed;
    if (contact) {
        json clear = {{"name", "Visitor Number " + std::to_string(i)},
                      {"email", "visitor." + std::to_string(i) + "@example.org"}};
        if (i % 4 == 0) clear["badge"] = "B2026-" + std::to_string(100000 + i);
        sealed["contact"] = seal(key, clear.dump());
    }
    return make_interest(ctx, at, i % 2 ? "en" : "fr", std::move(payload), std::move(sealed));
}

// The batches pass() will send for a batch size: the same bodies and keys.
struct Batches {
    int size = 0;
    std::vector<std::string> bodies, keys;
    fs::path dir;  // body-NNNNN.json, one per batch; curl.config per run
};

Batches make_batches(const std::vector<Record>& pending, int size, const fs::path& dir) {
    Batches b;
    b.size = size;
    b.dir = dir;
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (std::size_t at = 0; at < pending.size(); at += static_cast<std::size_t>(size)) {
        const std::vector<Record> chunk(pending.begin() + static_cast<std::ptrdiff_t>(at),
                                        pending.begin() + static_cast<std::ptrdiff_t>(
                                                              std::min(pending.size(), at + static_cast<std::size_t>(size))));
        std::vector<std::string> ids;
        for (const auto& r : chunk) ids.push_back(r.id);
        b.bodies.push_back(batch_body(kDevice, chunk).dump());
        b.keys.push_back(idempotency_key(ids));
        char name[32];
        std::snprintf(name, sizeof name, "body-%05zu.json", b.bodies.size() - 1);
        write_text(dir / name, b.bodies.back());
    }
    return b;
}

// One curl operation per batch, as the client sends it: the same headers
// (the client also sends Accept, and an empty Expect to skip 100-continue).
void write_curl_config(const Batches& b, const std::string& url, const fs::path& config) {
    std::string text;
    for (std::size_t i = 0; i < b.bodies.size(); ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "body-%05zu.json", i);
        if (i) text += "next\n";
        text += "url = \"" + url + "\"\n";
        text += "data-binary = \"@" + (b.dir / name).string() + "\"\n";
        text += "header = \"Authorization: Bearer " + kToken + "\"\n";
        text += "header = \"Content-Type: application/json\"\n";
        text += "header = \"Accept: application/json\"\n";
        text += "header = \"Expect:\"\n";
        text += "header = \"Idempotency-Key: " + b.keys[i] + "\"\n";
        text += "user-agent = \"vitrine\"\n";
        text += "output = \"/dev/null\"\n";
        text += "write-out = \"%{http_code} %{num_connects}\\n\"\n";
    }
    write_text(config, text);
}

struct Run {
    double seconds = 0;
    double client_cpu = 0, server_cpu = 0;  // seconds
    std::size_t connects = 0;               // curl: new connections made
};

// The server must hold every record, each delivered once.
void check_server(const test::FakePlatform& server, const std::vector<std::string>& ids, std::size_t batches,
                  const char* who) {
    const auto held = server.records();
    const auto deliveries = server.deliveries();
    std::size_t missing = 0, repeated = 0;
    for (const auto& id : ids) {
        if (!held.count(id)) ++missing;
        auto d = deliveries.find(id);
        if (d != deliveries.end() && d->second != 1) ++repeated;
    }
    if (held.size() != ids.size() || missing || repeated || server.batch_count() != batches)
        die(std::string(who) + ": the server holds " + std::to_string(held.size()) + " records of " +
            std::to_string(ids.size()) + " (" + std::to_string(missing) + " missing, " + std::to_string(repeated) +
            " delivered more than once) after " + std::to_string(server.batch_count()) + " batch requests (" +
            std::to_string(batches) + " expected)");
}

Run run_vitrine(const fs::path& dir, const Batches& b, const std::vector<std::string>& ids, bool compare) {
    const fs::path db = dir / "run.db";
    remove_db(db);
    fs::copy_file(dir / "template.db", db);
    test::FakePlatform server(kToken);
    Outbox outbox(db, OutboxOptions{.relaxed_marks = true});
    KioskClock clock;
    SyncSettings s;
    s.base_url = server.base_url();
    s.device_id = kDevice;
    s.token = kToken;
    s.allow_insecure_http = true;
    s.batch_size = b.size;
    SyncClient client(s, outbox, clock);

    const double thread0 = cpu_seconds(RUSAGE_THREAD), process0 = cpu_seconds(RUSAGE_SELF);
    const auto t0 = Steady::now();
    const PassResult r = client.pass();
    Run run{seconds_since(t0)};
    run.client_cpu = cpu_seconds(RUSAGE_THREAD) - thread0;
    run.server_cpu = cpu_seconds(RUSAGE_SELF) - process0 - run.client_cpu;

    if (r.outcome != PassResult::Outcome::Done || r.sent != static_cast<std::int64_t>(ids.size()) || r.rejected ||
        r.remaining)
        die("vitrine, batch " + std::to_string(b.size) + ": pass() sent " + std::to_string(r.sent) + " of " +
            std::to_string(ids.size()) + ", " + std::to_string(r.remaining) + " remaining: " + r.last_error);
    const OutboxStatus st = outbox.status(clock.wall());
    std::int64_t pending = 0, sent = 0;
    for (const auto& [kind, n] : st.counts.at("pending")) pending += n;
    for (const auto& [kind, n] : st.counts.at("sent")) sent += n;
    if (pending != 0 || sent != static_cast<std::int64_t>(ids.size()))
        die("vitrine, batch " + std::to_string(b.size) + ": the outbox still has " + std::to_string(pending) +
            " pending, " + std::to_string(sent) + " sent");
    check_server(server, ids, b.bodies.size(), "vitrine");
    if (compare) {  // curl must post exactly what the client posted
        const auto requests = server.requests();
        for (std::size_t i = 0; i < requests.size(); ++i)
            if (requests[i].body != b.bodies[i] || requests[i].idempotency_key != b.keys[i])
                die("batch " + std::to_string(b.size) + ": the client's request " + std::to_string(i) +
                    " is not the body prepared for curl");
    }
    return run;
}

Run run_curl(const std::string& curl, const Batches& b, const std::vector<std::string>& ids) {
    test::FakePlatform server(kToken);
    const fs::path config = b.dir / "curl.config", out = b.dir / "curl.out", err = b.dir / "curl.err";
    write_curl_config(b, server.base_url() + "/v1/records:batch", config);

    // -q first: no ~/.curlrc. -sS: no progress meter, errors still shown.
    std::vector<std::string> argv = {curl, "-q", "-sS", "-K", config.string()};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

    const double process0 = cpu_seconds(RUSAGE_SELF);
    const auto t0 = Steady::now();
    pid_t pid;
    int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) die("cannot run " + curl + ": " + std::strerror(rc));
    int status = 0;
    rusage child{};
    while (::wait4(pid, &status, 0, &child) < 0 && errno == EINTR) {
    }
    Run run{seconds_since(t0)};
    run.client_cpu = cpu_seconds(child);
    run.server_cpu = cpu_seconds(RUSAGE_SELF) - process0;  // the main thread only waits

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("curl, batch " + std::to_string(b.size) + ": exit status " + std::to_string(WEXITSTATUS(status)) + ": " +
            read_text(err));
    std::istringstream lines(read_text(out));
    std::size_t answers = 0;
    int code = 0;
    std::size_t connects = 0;
    while (lines >> code >> connects) {
        if (code != 200) die("curl, batch " + std::to_string(b.size) + ": a batch was answered HTTP " + std::to_string(code));
        ++answers;
        run.connects += connects;
    }
    if (answers != b.bodies.size())
        die("curl, batch " + std::to_string(b.size) + ": " + std::to_string(answers) + " answers for " +
            std::to_string(b.bodies.size()) + " batches");
    check_server(server, ids, b.bodies.size(), "curl");
    return run;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path dir = BENCH_SYNC_DIR;
    int n = 10000, runs = 3;
    std::vector<int> sizes = {1, 100, 500};
    std::string curl = "curl";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--dir" && i + 1 < argc)
            dir = argv[++i];
        else if (a == "--records" && i + 1 < argc)
            n = std::max(10, std::atoi(argv[++i]));
        else if (a == "--runs" && i + 1 < argc)
            runs = std::max(1, std::atoi(argv[++i]));
        else if (a == "--curl" && i + 1 < argc)
            curl = argv[++i];
        else if (a == "--batches" && i + 1 < argc) {
            sizes.clear();
            std::stringstream list(argv[++i]);
            for (std::string item; std::getline(list, item, ',');) sizes.push_back(std::clamp(std::atoi(item.c_str()), 1, 1000));
        } else {
            std::fprintf(stderr,
                         "usage: bench_sync [--dir DIR] [--records N] [--runs K] [--batches 1,100,500] [--curl PATH]\n");
            return 2;
        }
    }
    fs::create_directories(dir);
    if (sodium_init() < 0) die("sodium_init failed");

    // The outbox every run starts from. Filled with relaxed commits (this
    // connection is not the kiosk's), then closed: checkpointed, no WAL left.
    const auto t_prep = Steady::now();
    std::fprintf(stderr, "bench/sync: %d records into %s ...\n", n, (dir / "template.db").c_str());
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(pk, sk);
    char pk64[64];
    sodium_bin2base64(pk64, sizeof pk64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
    const SealKey key = SealKey::parse(pk64);
    std::vector<Record> pending;
    std::vector<std::string> ids;
    std::size_t interest = 0;
    {
        remove_db(dir / "template.db");
        Outbox tpl(dir / "template.db", OutboxOptions{.relaxed_marks = true});
        const auto start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) -
                           std::chrono::seconds(3 * n);
        for (int i = 0; i < n; ++i) {
            const Record r = kiosk_record(i, key, start);
            interest += r.kind == Kind::Interest;
            tpl.add(r);
        }
        pending = tpl.pending(SIZE_MAX);  // in the order pass() takes them
    }
    if (pending.size() != static_cast<std::size_t>(n)) die("the template outbox does not hold every record");
    std::size_t record_bytes = 0;
    for (const auto& r : pending) {
        ids.push_back(r.id);
        record_bytes += to_json(r).dump().size();
    }
    std::vector<Batches> batches;
    for (int size : sizes) batches.push_back(make_batches(pending, size, dir / ("batch-" + std::to_string(size))));
    std::fprintf(stderr, "bench/sync: prepared in %.1f s; %d run(s) per batch size, alternating vitrine and curl\n",
                 seconds_since(t_prep), runs);

    struct Row {
        int size;
        Run ours, theirs;  // medians, figure by figure
    };
    auto medians = [](const std::vector<Run>& v) {
        auto of = [&](double Run::*field) {
            std::vector<double> x;
            for (const Run& r : v) x.push_back(r.*field);
            return median(x);
        };
        Run m{of(&Run::seconds), of(&Run::client_cpu), of(&Run::server_cpu)};
        for (const Run& r : v) m.connects = std::max(m.connects, r.connects);
        return m;
    };
    std::vector<Row> rows;
    const auto t_runs = Steady::now();
    for (const Batches& b : batches) {
        std::vector<Run> ours, theirs;
        for (int k = 0; k < runs; ++k) {
            if (k % 2 == 0) {
                ours.push_back(run_vitrine(dir, b, ids, k == 0));
                theirs.push_back(run_curl(curl, b, ids));
            } else {
                theirs.push_back(run_curl(curl, b, ids));
                ours.push_back(run_vitrine(dir, b, ids, false));
            }
            std::fprintf(stderr, "bench/sync: batch %d, run %d: vitrine %.3f s, curl %.3f s\n", b.size, k + 1,
                         ours.back().seconds, theirs.back().seconds);
        }
        rows.push_back({b.size, medians(ours), medians(theirs)});
    }
    remove_db(dir / "run.db");
    std::fprintf(stderr, "bench/sync: runs done in %.1f s\n", seconds_since(t_runs));

    bool all_pass = true;
    std::printf("\n### sync: a full outbox to the fake platform (%d records: %zu interest, %zu stats, %.0f bytes each on "
                "average; loopback HTTP; median of %d runs)\n\n",
                n, interest, static_cast<std::size_t>(n) - interest, static_cast<double>(record_bytes) / n, runs);
    std::printf("| batch size | batches | vitrine | vitrine records/s | curl CLI | curl records/s | ratio | target | result |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    for (const Row& r : rows) {
        const double ratio = r.ours.seconds / r.theirs.seconds;
        const bool pass = ratio <= 1.5;
        all_pass = all_pass && pass;
        std::printf("| %d | %zu | %.3f s | %.0f | %.3f s | %.0f | %.2f | <= 1.5 | %s |\n", r.size,
                    (static_cast<std::size_t>(n) + r.size - 1) / r.size, r.ours.seconds, n / r.ours.seconds,
                    r.theirs.seconds, n / r.theirs.seconds, ratio, pass ? "pass" : "FAIL");
        bench::summary_row("sync: " + std::to_string(n) + " records in batches of " + std::to_string(r.size),
                           bench::fmt("%.0f records/s", n / r.ours.seconds),
                           bench::fmt("%.0f records/s (curl CLI)", n / r.theirs.seconds), bench::fmt("%.2f", ratio),
                           "time <= 1.5 x", pass ? "pass" : "FAIL");
    }
    // Where the time goes, whatever else the machine runs: CPU seconds of
    // the client (vitrine's thread; the curl process) and of the fake
    // platform's threads during the same runs.
    std::printf("\n| batch size | vitrine client CPU | server CPU (vitrine runs) | curl client CPU | server CPU (curl runs) | curl connections |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const Row& r : rows)
        std::printf("| %d | %.3f s | %.3f s | %.3f s | %.3f s | %zu |\n", r.size, r.ours.client_cpu, r.ours.server_cpu,
                    r.theirs.client_cpu, r.theirs.server_cpu, r.theirs.connects);
    return all_pass ? 0 : 1;
}
