#include "platform/outbox_files.hpp"

#include "platform/sqlite.hpp"

#include "base/disk.hpp"
#include "base/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

namespace vitrine::platform {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace sql;
using Cause = OutboxError::Cause;
using nlohmann::json;

fs::path beside(const fs::path& file, const char* suffix) {
    fs::path p = file;
    p += suffix;
    return p;
}

std::uintmax_t size_or_zero(const fs::path& p) {
    std::error_code ec;
    auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

// "file:" URI of a path (RFC 3986: what is not unreserved is escaped).
std::string uri_of(const fs::path& p, const char* query) {
    static const char* hex = "0123456789ABCDEF";
    std::string out = "file:";
    for (unsigned char c : fs::absolute(p).string()) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out + "?" + query;
}

// The size the database's header gives (page size x pages), none when the
// header does not tell. Reads the file itself: only while no outbox
// connection of this process has it open (see View::copy_aside).
std::optional<std::uintmax_t> header_size(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    unsigned char h[32] = {};
    in.read(reinterpret_cast<char*>(h), sizeof h);
    if (in.gcount() != sizeof h) return std::nullopt;
    const std::uintmax_t page = h[16] << 8 | h[17];
    const std::uintmax_t pages = std::uintmax_t(h[28]) << 24 | h[29] << 16 | h[30] << 8 | h[31];
    return (page == 1 ? 65536 : page) * pages;
}

// A read-only connection: to the database and its log as SQLite sees them
// (Live), to the database file alone (MainOnly, SQLite's immutable mode),
// or to a private copy of a truncated database filled up with empty pages
// to the size its header gives (Padded), so that SQLite reads the pages that
// are left instead of refusing the whole file.
class View {
public:
    enum class Kind { Live, MainOnly, Padded };
    View(const fs::path& file, Kind kind) : file_(file) {
        try {
            connect(kind);
        } catch (...) {
            release();  // no destructor runs for a constructor that throws
            throw;
        }
    }
    ~View() { release(); }
    View(const View&) = delete;
    View& operator=(const View&) = delete;
    sqlite3* db() const { return db_; }

private:
    void open(const fs::path& p, const char* query) {
        int rc = sqlite3_open_v2(uri_of(p, query).c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
        if (rc != SQLITE_OK) {
            OutboxError e = error_for(db_, rc, file_, "opening it to read");
            close();
            throw e;
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, 2000);
    }
    void connect(Kind kind) {
        if (kind == Kind::MainOnly) {
            open(file_, "immutable=1");
            return;
        }
        if (kind == Kind::Padded) {
            copy_aside(true);
            return;
        }
        try {
            open(file_, "mode=ro");
            value(db_, file_, "PRAGMA user_version");  // SQLite opens lazily: make it read now
        } catch (const OutboxError& e) {
            if (e.cause != Cause::ReadOnly && e.cause != Cause::Other) throw;
            // SQLite cannot make the -shm it needs to read a log here (a
            // read-only partition): with no log the file alone is the
            // whole truth, else a private copy of both is read.
            close();
            if (size_or_zero(beside(file_, "-wal")) == 0) {
                open(file_, "immutable=1");
                return;
            }
            copy_aside(false);
        }
    }
    void close() {
        sqlite3_close_v2(db_);
        db_ = nullptr;
    }
    void release() {
        close();
        if (!copy_.empty()) {
            std::error_code ec;
            fs::remove_all(copy_, ec);
        }
    }
    void copy_aside(bool pad) {
        // Closing any descriptor of the database drops every POSIX lock this
        // process holds on it, SQLite's included: only when no outbox
        // connection of this process has it open.
        if (outbox_connections(file_) > 0)
            throw OutboxError(Cause::Other, "cannot read the outbox " + file_.string() +
                                                " from a copy while this program has it open");
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = (tmp && *tmp ? std::string(tmp) : std::string("/tmp")) + "/vitrine-outbox-XXXXXX";
        if (!::mkdtemp(pattern.data()))
            throw OutboxError(Cause::Other, "cannot read the outbox " + file_.string() +
                                                ": no temporary directory to read its log from (" +
                                                std::strerror(errno) + ")");
        copy_ = pattern;
        const fs::path to = copy_ / file_.filename();
        std::error_code ec;
        fs::copy_file(file_, to, ec);
        if (!ec && size_or_zero(beside(file_, "-wal")) > 0)
            fs::copy_file(beside(file_, "-wal"), beside(to, "-wal"), ec);
        if (!ec && pad) {
            const auto whole = header_size(file_);
            if (whole && *whole > size_or_zero(to)) fs::resize_file(to, *whole, ec);
        }
        if (ec)
            throw OutboxError(Cause::Other, "cannot read the outbox " + file_.string() + ": copying it to " +
                                                copy_.string() + ": " + ec.message());
        open(to, "mode=ro");
    }

    fs::path file_, copy_;
    sqlite3* db_ = nullptr;
};

// The lock of read_outbox(): released on scope exit.
struct ReadLock {
    int fd = -1;
    bool alone = false;
    explicit ReadLock(const fs::path& file) {
        fd = lock_files(file, false, alone);
        if (alone) share_lock(fd);
    }
    ~ReadLock() {
        if (fd >= 0) ::close(fd);
    }
    ReadLock(const ReadLock&) = delete;
    ReadLock& operator=(const ReadLock&) = delete;
};

constexpr std::size_t kMaxNotes = 20;

std::string reason_of(const OutboxError& e) { return e.why.empty() ? std::string(e.what()) : e.why; }

void note(OutboxRead& out, std::string line) {
    if (out.notes.size() < kMaxNotes) out.notes.push_back(std::move(line));
    else if (out.notes.size() == kMaxNotes) out.notes.push_back("(more problems not listed)");
}

// The records of one view into `out`, skipping ids already read. A damaged
// page stops a scan: the rows after it are then read from the end backwards.
void read_rows(sqlite3* db, const fs::path& file, const std::string& view_name, OutboxRead& out,
               std::set<std::string>& seen) {
    const Facts f = read_facts(db, file);
    if (!f.has_table("records") || !f.has_column("body")) {
        note(out, view_name + ": no records table");
        return;
    }
    auto col = [&](const char* name, const char* otherwise) { return f.has_column(name) ? name : otherwise; };
    const std::string select = std::string("SELECT rowid, ") + col("id", "NULL") + ", " + col("kind", "NULL") + ", " +
                               col("created", "0") + ", body, " + col("state", "'pending'") + ", " +
                               col("attempts", "0") + ", " + col("last_error", "''") + ", " + col("sent_at", "NULL") +
                               " FROM records";
    std::int64_t notes_of_bodies = 0;
    auto take = [&](const Stmt& s) {
        SavedRecord r;
        r.id = s.text(1);
        r.kind = s.text(2);
        r.created_ms = s.integer(3);
        r.body = s.text(4);
        r.state = s.text(5);
        r.attempts = static_cast<int>(s.integer(6));
        r.last_error = s.text(7);
        if (!s.null(8)) r.sent_at_ms = s.integer(8);
        json j = json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            ++out.unreadable;
            if (notes_of_bodies++ < 5) note(out, view_name + ": the record " + r.id.substr(0, 40) + " is not JSON");
            return;
        }
        if (r.id.empty() && j.contains("id") && j["id"].is_string()) r.id = j["id"];
        if (r.kind.empty() && j.contains("kind") && j["kind"].is_string()) r.kind = j["kind"];
        if (!seen.insert(r.id).second) return;
        try {
            record_from_json(j);
        } catch (const std::exception& e) {
            r.problem = e.what();
        }
        out.records.push_back(std::move(r));
    };

    // Every row after `from` in that order; `at` follows the last one read.
    auto scan = [&](const char* order, std::int64_t from, std::int64_t& at) {
        Stmt s(db, file, select + " WHERE rowid > ? ORDER BY rowid " + order);
        s.bind(1, from);
        while (s.step()) {
            at = s.integer(0);
            take(s);
        }
    };
    std::int64_t last = INT64_MIN;
    try {
        scan("", last, last);
        return;
    } catch (const OutboxError& e) {
        note(out, view_name + ": reading stopped after row " + std::to_string(last) + ": " + reason_of(e));
    }
    std::int64_t first_after = INT64_MAX;
    try {
        scan("DESC", last, first_after);
    } catch (const OutboxError&) {
    }
    // The rows in between are lost to this view; rowids tell at most how many.
    if (first_after != INT64_MAX && last != INT64_MIN && first_after - last > 1) {
        out.unreadable += first_after - last - 1;
        note(out, view_name + ": up to " + std::to_string(first_after - last - 1) + " records between rows " +
                      std::to_string(last) + " and " + std::to_string(first_after) + " cannot be read");
    } else {
        ++out.unreadable;
        note(out, view_name + ": records after row " + std::to_string(last) + " cannot be read");
    }
}

OutboxError write_error(const base::DiskError& e) {
    switch (e.problem()) {
    case base::DiskProblem::Full: return OutboxError(Cause::DiskFull, e.what());
    case base::DiskProblem::ReadOnly: return OutboxError(Cause::ReadOnly, e.what());
    default: return OutboxError(Cause::Other, e.what());
    }
}

OutboxError write_error(const fs::path& file, int err) { return write_error(base::DiskError(file, "write", err)); }

void sync_dir(const fs::path& dir) {
    try {
        base::flush_dir(dir);
    } catch (const base::DiskError& e) {
        throw write_error(e);
    }
}

}  // namespace

Inspection inspect(const fs::path& file, bool alone) {
    const std::uintmax_t wal = size_or_zero(beside(file, "-wal"));
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        if (wal > 0) return {Verdict::Foreign, "a write-ahead log lies there without its database", 0};
        return {Verdict::Missing, "", 0};
    }
    const std::uintmax_t size = size_or_zero(file);
    if (size == 0 && wal == 0) return {Verdict::Sound, "", 0};  // SQLite makes a new database of an empty file
    Inspection found{Verdict::Sound, "", 0};
    try {
        View live(file, View::Kind::Live);
        const Facts facts = read_facts(live.db(), file);
        found.schema = facts.user_version;
        if (auto p = problem_of(live.db(), file, facts)) return {p->verdict, p->why, facts.user_version};
        if (!alone || wal == 0 || size == 0) return found;
        Facts own;
        try {
            View main(file, View::Kind::MainOnly);
            own = read_facts(main.db(), file);
        } catch (const OutboxError&) {
            return found;  // the database alone may be half checkpointed: its log is what makes it whole
        }
        const bool identities_differ = !own.identity.empty() && own.identity != facts.identity;
        const bool went_back = own.user_version > facts.user_version;
        const bool foreign_base = own.application_id != 0 && own.application_id != Outbox::kApplicationId;
        if (identities_differ || went_back || foreign_base)
            return {Verdict::Foreign, "its write-ahead log belongs to another database", facts.user_version};
        return found;
    } catch (const OutboxError& e) {
        if (e.cause == Cause::Corrupt) return {Verdict::Damaged, e.why.empty() ? "it cannot be read" : e.why, 0};
        throw;
    }
}

OutboxRead read_outbox(const fs::path& file) {
    OutboxRead out;
    ReadLock lock(file);
    out.inspection = inspect(file, lock.alone);
    if (out.inspection.verdict == Verdict::Missing) return out;
    std::set<std::string> seen;
    if (out.inspection.verdict == Verdict::Sound) {
        View live(file, View::Kind::Live);
        read_rows(live.db(), file, "the outbox", out, seen);
        if (read_facts(live.db(), file).has_table("sync_state")) {
            json j = json::parse(value(live.db(), file, "SELECT body FROM sync_state WHERE id = 1"), nullptr, false);
            if (j.is_object()) out.sync_state = std::move(j);
        }
    } else {
        // Whatever each view still shows: the files as SQLite sees them,
        // and the database without a log that may not be its own.
        try {
            View live(file, View::Kind::Live);
            read_rows(live.db(), file, "the outbox with its log", out, seen);
        } catch (const OutboxError& e) {
            note(out, "the outbox with its log cannot be read: " + reason_of(e));
            const auto whole = outbox_connections(file) == 0 ? header_size(file) : std::nullopt;
            if (whole && *whole > size_or_zero(file)) {
                try {
                    View padded(file, View::Kind::Padded);
                    read_rows(padded.db(), file, "the truncated outbox", out, seen);
                } catch (const OutboxError& again) {
                    note(out, "the truncated outbox cannot be read: " + reason_of(again));
                }
            }
        }
        if (lock.alone && size_or_zero(beside(file, "-wal")) > 0) {
            try {
                View main(file, View::Kind::MainOnly);
                read_rows(main.db(), file, "the outbox without its log", out, seen);
            } catch (const OutboxError& e) {
                note(out, "the outbox without its log cannot be read: " + reason_of(e));
            }
        }
    }
    std::stable_sort(out.records.begin(), out.records.end(),
                     [](const SavedRecord& a, const SavedRecord& b) { return a.created_ms < b.created_ms; });
    return out;
}

OutboxStatus status_of(const std::vector<SavedRecord>& records, system_clock::time_point now) {
    OutboxStatus st = OutboxStatus::none();
    std::optional<std::int64_t> oldest;
    for (const SavedRecord& r : records) {
        ++st.counts[r.state][r.kind];
        ++st.total;
        if (r.state == "pending" && (!oldest || r.created_ms < *oldest)) oldest = r.created_ms;
    }
    if (oldest)
        st.oldest_pending_age =
            std::max(seconds(0), floor<seconds>(now - system_clock::time_point(milliseconds(*oldest))));
    return st;
}

std::optional<json> hand_over_line(const SavedRecord& r) {
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    j["state"] = r.state;
    j["attempts"] = r.attempts;
    j["last_error"] = r.last_error;
    if (r.sent_at_ms) j["sent_at"] = rfc3339(system_clock::time_point(milliseconds(*r.sent_at_ms)));
    return j;
}

Quarantine quarantine(const fs::path& file, const Inspection& found, system_clock::time_point now) {
    const fs::path parent = file.has_parent_path() ? file.parent_path() : fs::path(".");
    const fs::path root = parent / "quarantine";
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) throw write_error(root, ec.value());
    const std::string name = file.stem().string() + "-" + base::utc_stamp(now) + "-" + verdict_name(found.verdict);
    Quarantine q{root / name, found.verdict, found.why, now};
    for (int n = 2; ::mkdir(q.dir.c_str(), 0700) != 0; ++n) {
        if (errno != EEXIST || n > 1000) throw write_error(q.dir, errno);
        q.dir = root / (name + "-" + std::to_string(n));
    }
    const fs::path reason = q.dir / "reason.txt";
    const std::string text = std::string(verdict_name(found.verdict)) + "\n" + found.why + "\n" + rfc3339(now) + "\n";
    try {
        base::write_new_file(reason, text, 0600);
    } catch (const base::DiskError& e) {
        throw write_error(e);
    }
    // The database first: a power cut after it leaves a log without its
    // database, which the next start sets aside on its own.
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const fs::path from = beside(file, suffix);
        if (!fs::exists(from, ec)) continue;
        const fs::path to = beside(q.dir / file.filename(), suffix);
        if (::rename(from.c_str(), to.c_str()) != 0) throw write_error(from, errno);
    }
    sync_dir(q.dir);
    sync_dir(root);
    sync_dir(parent);
    return q;
}

std::vector<Quarantine> quarantined(const fs::path& file) {
    const fs::path root = (file.has_parent_path() ? file.parent_path() : fs::path(".")) / "quarantine";
    const std::string prefix = file.stem().string() + "-";
    std::vector<Quarantine> out;
    std::error_code ec;
    for (fs::directory_iterator it(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!it->is_directory(ec) || !it->path().filename().string().starts_with(prefix)) continue;
        Quarantine q{it->path(), Verdict::Damaged, "", std::nullopt};
        std::ifstream in(it->path() / "reason.txt");
        std::string verdict, when;
        std::getline(in, verdict);
        std::getline(in, q.why);
        std::getline(in, when);
        if (system_clock::time_point t; parse_rfc3339(when, t)) q.when = t;
        for (Verdict v : {Verdict::Foreign, Verdict::Damaged, Verdict::Newer})
            if (verdict == verdict_name(v)) q.verdict = v;
        out.push_back(std::move(q));
    }
    std::sort(out.begin(), out.end(), [](const Quarantine& a, const Quarantine& b) { return a.dir < b.dir; });
    return out;
}

std::string describe(const Outbox::Opening& opening) {
    if (!opening.quarantined) return "";
    const Quarantine& q = *opening.quarantined;
    std::string line = std::string("the outbox was ") + verdict_name(q.verdict) + " (" + q.why +
                       "): it was set aside, whole and unchanged, in " + q.dir.string() +
                       "; a new outbox was started, and " + std::to_string(opening.restored) +
                       " pending or rejected records were carried into it";
    if (opening.left > 0)
        line += "; " + std::to_string(opening.left) +
                " could not be carried: `vitrine queue export` and the staff screen's export hand over what can "
                "still be read";
    return line;
}

HandOver hand_over(const fs::path& file) {
    HandOver h;
    std::set<std::string> held;
    auto add = [&](const OutboxRead& read, const std::string& from) {
        for (const SavedRecord& r : read.records) {
            if (!from.empty() && held.count(r.id)) continue;
            held.insert(r.id);
            if (r.state != "pending" && r.state != "rejected") continue;
            auto line = hand_over_line(r);
            if (!line) continue;  // read_rows keeps only JSON objects
            if (!from.empty()) {
                (*line)["quarantine"] = from;
                ++h.from_quarantine;
            }
            h.text += line->dump(-1, ' ', false, json::error_handler_t::replace);
            h.text += '\n';
            ++h.records;
        }
        h.unreadable += read.unreadable;
        for (const auto& n : read.notes) h.notes.push_back((from.empty() ? "" : from + ": ") + n);
    };
    const OutboxRead own = read_outbox(file);
    h.outbox = own.inspection;
    add(own, "");
    for (const Quarantine& q : quarantined(file)) {
        const std::string name = q.dir.filename().string();
        try {
            add(read_outbox(q.dir / file.filename()), name);
        } catch (const OutboxError& e) {
            h.notes.push_back(name + ": " + e.what());
        }
    }
    return h;
}

void write_whole(const fs::path& target, const std::string& text) {
    try {
        base::replace_file(target, text, {.mode = 0600});
    } catch (const base::DiskError& e) {
        throw write_error(e);
    }
}

}  // namespace vitrine::platform
