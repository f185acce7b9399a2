#include "builder.hpp"

#include "error.hpp"
#include "pack_dir.hpp"
#include "pack_path.hpp"

#include "base/disk.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace vitrine::content {

using base::describe_errno;

namespace {

// Every regular file under `dir`, as pack paths, hidden names left out.
void collect(const fs::path& dir, const std::string& prefix, std::map<std::string, fs::path>& out) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.filename().string().starts_with(".")) continue;
        std::string rel = prefix + p.filename().string();
        if (it->is_symlink())
            throw PackError(rel + ": symbolic links are not allowed in a pack (copy the file itself)");
        if (it->is_directory()) {
            collect(p, rel + "/", out);
        } else if (it->is_regular_file()) {
            if (rel == "manifest.json" || rel == "manifest.json.minisig") continue;
            if (auto problem = pack_path_problem(rel)) throw PackError(printable(rel) + ": " + *problem);
            out[rel] = p;
        } else {
            throw PackError(rel + ": not a regular file");
        }
    }
    if (ec) throw PackError(dir.string() + ": cannot list (" + ec.message() + ")");
}

}  // namespace

BuildResult build_pack(const fs::path& dir) {
    PackDir pack(dir);
    std::string text = pack.read_small("manifest.json", kMaxManifestBytes);
    nlohmann::ordered_json doc;
    try {
        doc = nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        throw PackError(not_json_message(e.what()));
    }
    if (!doc.is_object()) throw PackError("manifest: must be an object");

    std::map<std::string, fs::path> found;
    collect(dir, "", found);
    nlohmann::ordered_json files = nlohmann::ordered_json::object();
    for (const auto& [rel, path] : found) {
        int fd = pack.open_file(rel);
        Sha256 hash;
        std::uint64_t size = 0;
        char buf[1 << 16];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                int err = errno;
                ::close(fd);
                throw PackError(rel + ": read error (" + describe_errno(err) + ")");
            }
            if (n == 0) break;
            hash.update(buf, static_cast<std::size_t>(n));
            size += static_cast<std::uint64_t>(n);
        }
        ::close(fd);
        files[rel] = {{"size", size}, {"sha256", to_hex(hash.finish())}};
    }
    doc["files"] = files;
    std::string out = doc.dump(2) + "\n";

    BuildResult result;
    result.manifest = parse_manifest(out);  // throws before anything is written

    try {
        base::replace_file(dir / "manifest.json", out);
    } catch (const base::DiskError& e) {
        throw PackError(e.what());
    }
    std::error_code ec;
    result.signature_stale = fs::exists(dir / "manifest.json.minisig", ec);
    return result;
}

}  // namespace vitrine::content
