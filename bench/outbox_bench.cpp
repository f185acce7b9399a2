// bench/outbox: from a visitor's tap to a committed record, against the
// bare SQLite limit measured in the same run, in the same directory:
//   tap to committed  make_interest + seal of the contact details + Outbox::add
//   baseline          one INSERT of a row of the same size, same pragmas
//                     (WAL, synchronous=FULL), prepared once
// Both commit (and fsync) every record. The two alternate, record by record,
// so that both see the same disk and the same load. Target: p50 and p99 at
// most 2.0 x the baseline. Prints a Markdown table, with the two parts of
// the tap (making and sealing the record; Outbox::add) on their own rows:
// the seal costs a fixed ~0.06 ms on a desktop CPU, so the ratio depends on
// how fast the disk's fsync is.
//   bench_outbox [--dir DIR] [--records N]   (default: under the build dir, 2000)
#include "platform/outbox.hpp"
#include "platform/seal.hpp"
#include "summary.hpp"

#include <sodium.h>
#include <sqlite3.h>
#include <sys/vfs.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace vitrine::platform;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "bench_outbox: %s\n", what.c_str());
    std::exit(1);
}

void exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) die(std::string(sql) + ": " + (err ? err : "?"));
}

const char* fs_name(const fs::path& dir) {
    struct statfs st {};
    if (::statfs(dir.c_str(), &st) != 0) return "?";
    switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53: return "ext4";
    case 0x01021994: return "tmpfs";
    case 0x9123683E: return "btrfs";
    case 0x58465342: return "xfs";
    case 0x794C7630: return "overlayfs";
    case 0xF2F52010: return "f2fs";
    default: return "other";
    }
}

struct Figures {
    double p50_ms, p99_ms, per_s;
};

Figures figures(std::vector<double> us) {
    std::sort(us.begin(), us.end());
    auto rank = [&](double p) { return us[std::min(us.size() - 1, static_cast<std::size_t>(p * us.size()))]; };
    double total = 0;
    for (double u : us) total += u;
    return {rank(0.50) / 1000, rank(0.99) / 1000, 1e6 * static_cast<double>(us.size()) / total};
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
    fs::path dir = BENCH_OUTBOX_DIR;
    int n = 2000;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--dir" && i + 1 < argc)
            dir = argv[++i];
        else if (a == "--records" && i + 1 < argc)
            n = std::max(10, std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "usage: bench_outbox [--dir DIR] [--records N]\n");
            return 2;
        }
    }
    fs::create_directories(dir);
    for (const char* f : {"outbox.db", "outbox.db-wal", "outbox.db-shm", "baseline.db", "baseline.db-wal",
                          "baseline.db-shm"})
        fs::remove(dir / f);
    if (sodium_init() < 0) die("sodium_init failed");
    unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
    crypto_box_keypair(pk, sk);
    char pk64[64];
    sodium_bin2base64(pk64, sizeof pk64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
    const SealKey key = SealKey::parse(pk64);
    const RecordContext ctx{"kiosk-bench", "bench-fair", "bench-pack", 1};
    const nlohmann::json payload = {{"answers", {{"sector", "aerospace"}, {"level", "master"}, {"when", "2026"}}},
                                    {"consent", {{"contact", true}, {"version", 1}}}};
    auto tap = [&](int i) {
        // As the kiosk does: the contact details sealed together, once.
        nlohmann::json contact = {{"name", "Visitor Number " + std::to_string(i)},
                                  {"email", "visitor" + std::to_string(i) + "@example.org"}};
        return make_interest(ctx, std::chrono::system_clock::now(), "fr", payload,
                             {{"contact", seal(key, contact.dump())}});
    };
    const std::size_t row = to_json(tap(0)).dump().size();

    Outbox outbox(dir / "outbox.db");
    sqlite3* base = nullptr;
    if (sqlite3_open((dir / "baseline.db").c_str(), &base) != SQLITE_OK) die("cannot open the baseline database");
    exec(base, "PRAGMA journal_mode = WAL");
    exec(base, "PRAGMA synchronous = FULL");
    exec(base, "CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, body TEXT NOT NULL)");
    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v2(base, "INSERT INTO t (id, body) VALUES (?, ?)", -1, &insert, nullptr) != SQLITE_OK)
        die("prepare failed");
    const std::string body(row, 'x');
    auto bare = [&](int i) {
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
        sqlite3_bind_text(insert, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
        if (sqlite3_step(insert) != SQLITE_DONE) die(std::string("insert failed: ") + sqlite3_errmsg(base));
        sqlite3_reset(insert);
    };

    std::fprintf(stderr, "bench/outbox: %d records into %s ...\n", n, dir.c_str());
    const int warm = 20;
    std::vector<double> ours, made, added, baseline;
    for (int i = -warm; i < n; ++i) {
        double t_ours = 0, t_made = 0, t_base = 0;
        auto run_ours = [&] {
            auto t0 = Clock::now();
            const Record r = tap(i + warm);
            auto t1 = Clock::now();
            outbox.add(r);
            auto t2 = Clock::now();
            t_ours = micros(t2 - t0);
            t_made = micros(t1 - t0);
        };
        auto run_base = [&] {
            auto t0 = Clock::now();
            bare(i + warm);
            t_base = micros(Clock::now() - t0);
        };
        if (i % 2) {
            run_ours();
            run_base();
        } else {
            run_base();
            run_ours();
        }
        if (i >= 0) {
            ours.push_back(t_ours);
            made.push_back(t_made);
            added.push_back(t_ours - t_made);
            baseline.push_back(t_base);
        }
    }
    sqlite3_finalize(insert);
    sqlite3_close(base);

    const Figures o = figures(ours), m = figures(made), a = figures(added), b = figures(baseline);
    const double r50 = o.p50_ms / b.p50_ms, r99 = o.p99_ms / b.p99_ms;
    const bool pass = r50 <= 2.0 && r99 <= 2.0;
    std::printf("\n### outbox: tap to committed (%d records of %zu bytes, WAL + synchronous=FULL, %s on %s)\n\n", n, row,
                dir.c_str(), fs_name(dir));
    std::printf("| figure | p50 | p99 | records/s | ratio p50 | ratio p99 | target | result |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    std::printf("| baseline: bare SQLite INSERT, same row size | %.3f ms | %.3f ms | %.0f | | | | |\n", b.p50_ms,
                b.p99_ms, b.per_s);
    std::printf("| make_interest + seal + Outbox::add | %.3f ms | %.3f ms | %.0f | %.3f | %.3f | <= 2.0 | %s |\n",
                o.p50_ms, o.p99_ms, o.per_s, r50, r99, pass ? "pass" : "FAIL");
    std::printf("| of which make_interest + seal | %.3f ms | %.3f ms | | %.3f | %.3f | | |\n", m.p50_ms, m.p99_ms,
                m.p50_ms / b.p50_ms, m.p99_ms / b.p99_ms);
    std::printf("| of which Outbox::add | %.3f ms | %.3f ms | | %.3f | %.3f | | |\n", a.p50_ms, a.p99_ms,
                a.p50_ms / b.p50_ms, a.p99_ms / b.p99_ms);
    using bench::fmt;
    bench::summary_row("outbox: tap to committed record, p50", fmt("%.3f ms", o.p50_ms), fmt("%.3f ms (bare SQLite INSERT)", b.p50_ms),
                       fmt("%.2f", r50), "<= 2.0", r50 <= 2.0 ? "pass" : "FAIL");
    bench::summary_row("outbox: tap to committed record, p99", fmt("%.3f ms", o.p99_ms), fmt("%.3f ms (bare SQLite INSERT)", b.p99_ms),
                       fmt("%.2f", r99), "<= 2.0", r99 <= 2.0 ? "pass" : "FAIL");
    return pass ? 0 : 1;
}
