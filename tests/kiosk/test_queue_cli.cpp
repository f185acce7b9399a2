// `vitrine queue status | list | export` on a real outbox, through the real
// binary: JSON shapes, human output, exit codes, a missing and a damaged
// outbox. Sealed parts stay sealed in everything printed.
#include "platform/fixture.hpp"

using namespace vitrine;
using namespace vitrine::platform;
using namespace vitrine::test;
using nlohmann::json;

namespace {

struct QueueCli {
    TempDir tmp;
    TestKeyPair keys;
    fs::path config = tmp / "vitrine.toml";
    fs::path db = tmp / "data/outbox.db";
    std::vector<Record> records;

    QueueCli() { write_file(config, "[device]\ndata_dir = \"data\"\n[packs]\nwatch_dirs = []\n"); }

    // Two pending interests, a pending stats record, one sent, one rejected.
    void fill() {
        Outbox outbox(db);
        const SysTime t = std::chrono::system_clock::now() - std::chrono::hours(2);
        records = {sample_interest(keys, t), sample_interest(keys, t + std::chrono::seconds(1)),
                   sample_stats(t + std::chrono::seconds(2)), sample_interest(keys, t + std::chrono::seconds(3)),
                   sample_interest(keys, t + std::chrono::seconds(4))};
        for (const auto& r : records) outbox.add(r);
        outbox.mark_sent({records[3].id}, t + std::chrono::hours(1));
        outbox.mark_rejected(records[4].id, "unknown event");
        outbox.note_failure({records[0].id}, "connection refused");
    }
    ProcessResult vitrine(std::vector<std::string> args) {
        args.insert(args.begin(), {vitrine_bin(), "--config", config.string()});
        return run(args);
    }
    json json_of(const ProcessResult& r) {
        INFO(r.err);
        return json::parse(r.out);
    }
    void no_clear_data(const ProcessResult& r) {
        CHECK(r.out.find("jeanne") == std::string::npos);
        CHECK(r.err.find("jeanne") == std::string::npos);
        CHECK(r.out.find("Jeanne") == std::string::npos);
    }
};

}  // namespace

TEST_CASE_FIXTURE(QueueCli, "queue: help and usage errors") {
    auto help = vitrine({"queue", "--help"});
    CHECK(help.exit_code == 0);
    for (const char* sub : {"status", "list", "export"}) CHECK(help.out.find(sub) != std::string::npos);
    CHECK(vitrine({"queue", "list", "--help"}).out.find("--state") != std::string::npos);
    CHECK(vitrine({"queue"}).exit_code == 2);
    CHECK(vitrine({"queue", "export"}).exit_code == 2);  // FILE missing
    CHECK(vitrine({"queue", "list", "--state", "lost"}).exit_code == 2);
    CHECK(vitrine({"queue", "status", "--no-such-flag"}).exit_code == 2);
}

TEST_CASE_FIXTURE(QueueCli, "queue status: counts by state and kind, the oldest pending age, the schema") {
    fill();
    auto r = vitrine({"queue", "status", "--json"});
    CHECK(r.exit_code == 0);
    const json j = json_of(r);
    CHECK(j["ok"] == true);
    CHECK(j["file"] == db.string());
    CHECK(j["exists"] == true);
    CHECK(j["schema_version"] == 4);
    CHECK(j["total"] == 5);
    CHECK(j["counts"] == json{{"pending", {{"interest", 2}, {"stats", 1}}},
                              {"sent", {{"interest", 1}, {"stats", 0}}},
                              {"rejected", {{"interest", 1}, {"stats", 0}}}});
    REQUIRE(j["oldest_pending_age_s"].is_number_integer());
    CHECK(j["oldest_pending_age_s"].get<int>() >= 7200);
    CHECK(j["oldest_pending_age_s"].get<int>() < 7200 + 600);

    auto text = vitrine({"queue", "status"});
    CHECK(text.exit_code == 0);
    CAPTURE(text.out);
    CHECK(text.out.find("outbox " + db.string() + " (schema 4)") != std::string::npos);
    CHECK(text.out.find("pending            2         1         3") != std::string::npos);
    CHECK(text.out.find("rejected           1         0         1") != std::string::npos);
    CHECK(text.out.find("oldest pending record: 2 h 00 min old") != std::string::npos);
}

TEST_CASE_FIXTURE(QueueCli, "queue list: records oldest first, sealed parts as base64, a state filter") {
    fill();
    auto r = vitrine({"queue", "list", "--json"});
    CHECK(r.exit_code == 0);
    no_clear_data(r);
    const json j = json_of(r);
    CHECK(j["ok"] == true);
    CHECK(j["file"] == db.string());
    REQUIRE(j["records"].size() == 5);
    for (std::size_t i = 0; i < records.size(); ++i) CHECK(j["records"][i]["id"] == records[i].id);
    const json& first = j["records"][0];
    CHECK(first["kind"] == "interest");
    CHECK(first["state"] == "pending");
    CHECK(first["attempts"] == 1);
    CHECK(first["last_error"] == "connection refused");
    CHECK(first["token"] == records[0].token);
    const Bytes& email = records[0].sealed.at("email");
    CHECK(first["sealed"]["email"] == base64(email.data(), email.size()));
    CHECK(keys.open(record_from_json(first).sealed.at("email")) == "jeanne.dupont@example.org");
    CHECK(j["records"][3]["state"] == "sent");
    CHECK(j["records"][3].contains("sent_at"));

    auto rejected = json_of(vitrine({"queue", "list", "--json", "--state", "rejected"}));
    REQUIRE(rejected["records"].size() == 1);
    CHECK(rejected["records"][0]["id"] == records[4].id);
    CHECK(rejected["records"][0]["last_error"] == "unknown event");
    CHECK(json_of(vitrine({"queue", "list", "--json", "--state", "pending"}))["records"].size() == 3);

    auto text = vitrine({"queue", "list"});
    CHECK(text.exit_code == 0);
    no_clear_data(text);
    CAPTURE(text.out);
    CHECK(text.out.find("created") != std::string::npos);
    CHECK(text.out.find(records[2].id + "  stats     pending") != std::string::npos);
    CHECK(text.out.find("unknown event") != std::string::npos);
    CHECK(text.out.find("5 records") != std::string::npos);
    CHECK(text.out.find(base64(email.data(), email.size())) == std::string::npos);  // the table shows no sealed data
    const auto sent = vitrine({"queue", "list", "--state", "sent"});
    CHECK(sent.out.find(records[3].id + "  interest  sent") != std::string::npos);
    CHECK(sent.out.find("\n1 record\n") != std::string::npos);
}

TEST_CASE_FIXTURE(QueueCli, "queue export: JSON lines of pending and rejected records") {
    fill();
    const fs::path target = tmp / "stick/records.jsonl";
    fs::create_directories(target.parent_path());
    write_file(target, "old\n");
    auto r = vitrine({"queue", "export", target.string(), "--json"});
    CHECK(r.exit_code == 0);
    const json j = json_of(r);
    CHECK(j["ok"] == true);
    CHECK(j["records"] == 4);
    CHECK(j["file"] == target.string());
    const std::string text = read_file(target);
    CHECK(std::count(text.begin(), text.end(), '\n') == 4);
    CHECK(text.find("jeanne") == std::string::npos);
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    CHECK(json::parse(line)["id"] == records[0].id);

    auto human = vitrine({"queue", "export", target.string()});
    CHECK(human.exit_code == 0);
    CHECK(human.out == "exported 4 records (pending and rejected) to " + target.string() + "\n");

    auto bad = vitrine({"queue", "export", (tmp / "no-stick/records.jsonl").string(), "--json"});
    CHECK(bad.exit_code == 1);
    CHECK(json_of(bad)["ok"] == false);
    CHECK(json_of(bad)["error"].get<std::string>().find("cannot create a temporary file beside") != std::string::npos);
}

TEST_CASE_FIXTURE(QueueCli, "no outbox yet: status and list say so without creating it; export fails") {
    auto st = vitrine({"queue", "status", "--json"});
    CHECK(st.exit_code == 0);
    const json j = json_of(st);
    CHECK(j["exists"] == false);
    CHECK(j["total"] == 0);
    CHECK(j["schema_version"].is_null());
    CHECK(j["counts"]["pending"]["interest"] == 0);
    CHECK(vitrine({"queue", "status"}).out.find("no outbox yet") != std::string::npos);
    CHECK(json_of(vitrine({"queue", "list", "--json"}))["records"] == json::array());
    auto ex = vitrine({"queue", "export", (tmp / "x.jsonl").string()});
    CHECK(ex.exit_code == 1);
    CHECK(ex.err.find("nothing has been recorded on this device") != std::string::npos);
    CHECK_FALSE(fs::exists(db));
    CHECK_FALSE(fs::exists(tmp / "x.jsonl"));
}

TEST_CASE_FIXTURE(QueueCli, "queue drop: only what staff name, or every rejected record; said with a count") {
    fill();
    CHECK(vitrine({"queue", "drop"}).exit_code == 2);  // nothing named
    auto one = vitrine({"queue", "drop", records[0].id, "--json"});
    CHECK(one.exit_code == 0);
    CHECK(json_of(one)["deleted"] == 1);
    auto again = vitrine({"queue", "drop", records[0].id});
    CHECK(again.exit_code == 0);
    CHECK(again.out.starts_with("deleted 0 records from "));
    auto rejected = vitrine({"queue", "drop", "--rejected"});
    CHECK(rejected.exit_code == 0);
    CHECK(rejected.out.starts_with("deleted 1 record from " + db.string()));
    const json st = json_of(vitrine({"queue", "status", "--json"}));
    CHECK(st["total"] == 3);
    CHECK(st["counts"]["rejected"]["interest"] == 0);
    CHECK(st["counts"]["pending"]["interest"] == 1);
}

TEST_CASE_FIXTURE(QueueCli, "a file that is not a database: said by every command, handed over as empty, kept as it is") {
    fs::create_directories(db.parent_path());
    std::string garbage(32768, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919 + 13) & 0xff);
    write_file(db, garbage);
    auto st = vitrine({"queue", "status"});
    CHECK(st.exit_code == 0);
    CHECK(st.out.starts_with("WARNING: the outbox " + db.string() +
                             " is damaged (it is not an SQLite database): nothing in it was changed"));
    const json j = json_of(vitrine({"queue", "status", "--json"}));
    CHECK(j["condition"] == "damaged");
    CHECK(j["problem"] == "it is not an SQLite database");
    CHECK(j["total"] == 0);
    auto list = vitrine({"queue", "list"});
    CHECK(list.exit_code == 0);
    CHECK(list.err.find("is damaged (it is not an SQLite database)") != std::string::npos);
    auto ex = vitrine({"queue", "export", (tmp / "x.jsonl").string(), "--json"});
    CHECK(ex.exit_code == 0);
    CHECK(json_of(ex)["records"] == 0);
    CHECK(json_of(ex)["condition"] == "damaged");
    CHECK(read_file(tmp / "x.jsonl").empty());
    CHECK(read_file(db) == garbage);
    CHECK(entries(db.parent_path()) == std::vector<std::string>{"outbox.db"});  // nothing made beside it either
}
