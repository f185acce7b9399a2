// minisign keys and signatures made by the real minisign tool: parsing, verification, and every tampering refused.
#include "content/error.hpp"
#include "content/minisign.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

using namespace vitrine;
using namespace vitrine::test;
using content::PackError;
using content::PublicKey;
using content::Signature;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::string join(const std::vector<std::string>& lines, const std::string& eol = "\n") {
    std::string out;
    for (const auto& l : lines) out += l + eol;
    return out;
}

std::string to_base64(const Bytes& bin) {
    std::string out(sodium_base64_ENCODED_LEN(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), bin.data(), bin.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);
    return out;
}

Bytes from_base64(const std::string& b64) {
    Bytes out(b64.size());
    std::size_t len = 0;
    REQUIRE(sodium_base642bin(out.data(), out.size(), b64.data(), b64.size(), nullptr, &len, nullptr,
                              sodium_base64_VARIANT_ORIGINAL) == 0);
    out.resize(len);
    return out;
}

// The key id minisign prints in a .pub file: "untrusted comment: minisign public key 1A2B...".
std::string printed_key_id(const Key& k) {
    const std::string first = lines_of(read_file(k.pub_file)).at(0);
    const std::string prefix = "untrusted comment: minisign public key ";
    REQUIRE(first.starts_with(prefix));
    return first.substr(prefix.size());
}

// The same id as a number, and the number an id() string stands for.
std::uint64_t printed_key_number(const Key& k) { return std::stoull(printed_key_id(k), nullptr, 16); }
std::uint64_t id_number(const PublicKey& k) { return std::stoull(k.id(), nullptr, 16); }

// A temporary directory with three minisign key pairs and a message, manifest.json.
struct Fixture {
    TempDir tmp;
    Key a = Key::generate(tmp.path, "a");
    Key b = Key::generate(tmp.path, "b");
    Key c = Key::generate(tmp.path, "c");
    fs::path message_file = tmp / "manifest.json";
    fs::path sig_file = tmp / "manifest.json.minisig";
    std::string message = "{\"format\": 1, \"pack\": {\"id\": \"occitanie-demo\", \"version\": 3}}\n";

    Fixture() { write_file(message_file, message); }

    // Signs manifest.json with minisign and returns the .minisig text.
    std::string sign_with(const Key& k, const std::string& comment = "occitanie-demo v3", bool legacy = false) {
        sign(tmp.path, k, comment, legacy);
        return read_file(sig_file);
    }
    std::vector<PublicKey> trusted(std::initializer_list<const Key*> keys) const {
        std::vector<PublicKey> out;
        for (const Key* k : keys) out.push_back(k->key);
        return out;
    }
    // Verifies `message` against the .minisig text with `keys` trusted.
    std::string verified_by(const std::string& sig_text, const std::vector<PublicKey>& keys) const {
        return content::verify_signature(message, content::parse_signature(sig_text), keys).id();
    }
};

// Replaces line `index` of a .minisig text (0: untrusted comment, 1: signature, 2: trusted comment, 3: global).
std::string with_line(const std::string& sig_text, std::size_t index, const std::string& line) {
    auto lines = lines_of(sig_text);
    REQUIRE(lines.size() >= 4);
    lines[index] = line;
    return join(lines);
}

// Decodes base64 line `index`, lets `edit` change the bytes, and encodes it back.
template <class Edit>
std::string with_bytes(const std::string& sig_text, std::size_t index, Edit edit) {
    Bytes raw = from_base64(lines_of(sig_text).at(index));
    edit(raw);
    return with_line(sig_text, index, to_base64(raw));
}

}  // namespace

TEST_CASE("parse_public_key reads what minisign -G writes") {
    TempDir tmp;
    const Key k = Key::generate(tmp.path);
    const std::string pub_text = read_file(k.pub_file);

    CHECK(k.pub_line.size() == 56);
    CHECK(k.pub_line.starts_with("RW"));

    const PublicKey from_line = content::parse_public_key(k.pub_line);
    const PublicKey from_file = content::parse_public_key(pub_text);
    CHECK(from_line.id() == printed_key_id(k));  // as minisign prints it, leading zeros dropped
    CHECK(id_number(from_line) == printed_key_number(k));
    CHECK(id_number(from_file) == printed_key_number(k));
    CHECK(from_line.key_id == from_file.key_id);
    CHECK(from_line.key == from_file.key);

    const Bytes raw = from_base64(k.pub_line);
    REQUIRE(raw.size() == 42);
    CHECK(Bytes(from_line.key_id.begin(), from_line.key_id.end()) == Bytes(raw.begin() + 2, raw.begin() + 10));
    CHECK(Bytes(from_line.key.begin(), from_line.key.end()) == Bytes(raw.begin() + 10, raw.end()));
    CHECK(content::key_id_string(from_line.key_id) == from_line.id());

    SUBCASE("with CRLF line endings and surrounding blanks") {
        CHECK(content::parse_public_key(join(lines_of(pub_text), "\r\n")).key == from_line.key);
        CHECK(content::parse_public_key("  " + k.pub_line + " \t\r\n").key == from_line.key);
        CHECK(content::parse_public_key("\n\n" + k.pub_line).key == from_line.key);
    }
}

TEST_CASE("id() is the key id exactly as minisign prints it, also when its first digit is 0") {
    // About one key in 16 has such an id; minisign prints it without leading zeros.
    TempDir tmp;
    for (int i = 0; i < 400; ++i) {
        const Key k = Key::generate(tmp.path, "key" + std::to_string(i));
        if (k.key.key_id[7] >= 0x10) continue;
        CAPTURE(printed_key_id(k));
        CHECK(id_number(k.key) == printed_key_number(k));
        CHECK(k.key.id() == printed_key_id(k));
        return;
    }
    FAIL("minisign made no key with such an id in 400 tries");
}

TEST_CASE("key_id_string prints the id as minisign does: little-endian, uppercase hex") {
    const std::array<std::uint8_t, 8> id = {0x55, 0xC7, 0x2B, 0x7D, 0x95, 0xB7, 0xDA, 0xB8};
    CHECK(content::key_id_string(id) == "B8DAB7957D2BC755");
}

TEST_CASE_FIXTURE(Fixture, "parse_public_key refuses what is not a minisign public key") {
    const std::string not_a_key = "not a minisign public key";
    const std::string sig_text = sign_with(a);
    for (const std::string& text :
         std::vector<std::string>{"", "garbage", "untrusted comment: minisign public key 0123456789ABCDEF\n",
                                  a.pub_line.substr(0, 40), a.pub_line.substr(0, 52), a.pub_line + "AAAA",
                                  lines_of(sig_text).at(1), read_file(sig_file), read_file(a.sec_file)}) {
        CAPTURE(text);
        CHECK_THROWS_WITH_AS(content::parse_public_key(text), doctest::Contains(not_a_key.c_str()), PackError);
    }

    Bytes other_algorithm = from_base64(a.pub_line);
    other_algorithm[1] = 'X';
    CHECK_THROWS_WITH_AS(content::parse_public_key(to_base64(other_algorithm)),
                         doctest::Contains("unsupported public key algorithm"), PackError);
}

TEST_CASE_FIXTURE(Fixture, "a prehashed signature (minisign's default, ED) verifies") {
    const std::string sig_text = sign_with(a, "occitanie-demo v3");
    REQUIRE(from_base64(lines_of(sig_text).at(1)).at(1) == 'D');

    const Signature sig = content::parse_signature(sig_text);
    CHECK(sig.prehashed);
    CHECK(sig.trusted_comment == "occitanie-demo v3");
    CHECK(sig.key_id == a.key.key_id);

    const auto keys = trusted({&a});
    const PublicKey& by = content::verify_signature(message, sig, keys);
    CHECK(&by == &keys[0]);
    CHECK(by.id() == a.key.id());
}

TEST_CASE_FIXTURE(Fixture, "a legacy signature (minisign -l, Ed) verifies") {
    const std::string sig_text = sign_with(a, "legacy pack", true);
    REQUIRE(from_base64(lines_of(sig_text).at(1)).at(1) == 'd');

    const Signature sig = content::parse_signature(sig_text);
    CHECK_FALSE(sig.prehashed);
    CHECK(sig.trusted_comment == "legacy pack");
    CHECK(verified_by(sig_text, trusted({&a})) == a.key.id());
}

TEST_CASE_FIXTURE(Fixture, "the default trusted comment of minisign verifies") {
    const auto r = run({"minisign", "-S", "-s", a.sec_file.string(), "-m", message_file.string()});
    REQUIRE(r.exit_code == 0);
    const Signature sig = content::parse_signature(read_file(sig_file));
    CHECK(sig.trusted_comment.starts_with("timestamp:"));
    CHECK(sig.trusted_comment.find("file:manifest.json") != std::string::npos);
    CHECK(verified_by(read_file(sig_file), trusted({&a})) == a.key.id());
}

TEST_CASE_FIXTURE(Fixture, "the trusting key is chosen among several") {
    const auto keys = trusted({&a, &b, &c});
    SUBCASE("prehashed") {
        const PublicKey& by = content::verify_signature(message, content::parse_signature(sign_with(b)), keys);
        CHECK(&by == &keys[1]);
        CHECK(by.id() == b.key.id());
    }
    SUBCASE("legacy") {
        const PublicKey& by =
            content::verify_signature(message, content::parse_signature(sign_with(c, "c", true)), keys);
        CHECK(&by == &keys[2]);
        CHECK(by.id() == c.key.id());
    }
}

TEST_CASE_FIXTURE(Fixture, "a signature by a key that is not trusted is refused, naming that key") {
    const std::string sig_text = sign_with(b);
    for (const auto& keys : {trusted({&a}), trusted({&a, &c}), trusted({})}) {
        CHECK_THROWS_WITH_AS(verified_by(sig_text, keys), doctest::Contains("not a trusted key"), PackError);
        CHECK_THROWS_WITH_AS(verified_by(sig_text, keys), doctest::Contains(b.key.id().c_str()), PackError);
    }
}

TEST_CASE_FIXTURE(Fixture, "a changed message is refused") {
    bool legacy = false;
    SUBCASE("prehashed") {}
    SUBCASE("legacy") { legacy = true; }
    const std::string sig_text = sign_with(a, "occitanie-demo v3", legacy);
    const auto keys = trusted({&a});
    const Signature sig = content::parse_signature(sig_text);
    REQUIRE(content::verify_signature(message, sig, keys).id() == a.key.id());

    std::string flipped = message, longer = message + " ", shorter = message;
    flipped[12] ^= 0x01;
    shorter.pop_back();
    for (const std::string& changed : {flipped, longer, shorter, std::string()}) {
        CAPTURE(changed);
        CHECK_THROWS_WITH_AS(content::verify_signature(changed, sig, keys),
                             doctest::Contains("bad signature: manifest.json was changed after it was signed"),
                             PackError);
    }
}

TEST_CASE_FIXTURE(Fixture, "a signature for another file is refused") {
    const std::string sig_text = sign_with(a);
    write_file(message_file, "another manifest\n");
    const std::string other_sig = sign_with(a);
    CHECK(verified_by(sig_text, trusted({&a})) == a.key.id());
    CHECK_THROWS_WITH_AS(verified_by(other_sig, trusted({&a})), doctest::Contains("bad signature"), PackError);
}

TEST_CASE_FIXTURE(Fixture, "an edited trusted comment is refused") {
    bool legacy = false;
    SUBCASE("prehashed") {}
    SUBCASE("legacy") { legacy = true; }
    const std::string sig_text = sign_with(a, "occitanie-demo v3", legacy);
    const auto keys = trusted({&a});
    REQUIRE(lines_of(sig_text).at(2) == "trusted comment: occitanie-demo v3");

    for (const std::string comment : {"occitanie-demo v4", "occitanie-demo v33", "Occitanie-demo v3", "x"}) {
        CAPTURE(comment);
        CHECK_THROWS_WITH_AS(verified_by(with_line(sig_text, 2, "trusted comment: " + comment), keys),
                             doctest::Contains("the trusted comment of manifest.json.minisig was altered"), PackError);
    }
    CHECK_THROWS_AS(verified_by(with_line(sig_text, 2, "trusted comment: "), keys), PackError);
    CHECK(verified_by(with_line(sig_text, 0, "untrusted comment: anything at all"), keys) == a.key.id());
}

TEST_CASE_FIXTURE(Fixture, "a corrupted global signature is refused") {
    const std::string sig_text = sign_with(a);
    const auto keys = trusted({&a});

    const std::string flipped = with_bytes(sig_text, 3, [](Bytes& raw) { raw.at(20) ^= 0x01; });
    CHECK_THROWS_WITH_AS(verified_by(flipped, keys), doctest::Contains("bad signature"), PackError);

    write_file(message_file, "another manifest\n");
    const std::string borrowed = with_line(sig_text, 3, lines_of(sign_with(a)).at(3));
    CHECK_THROWS_WITH_AS(verified_by(borrowed, keys), doctest::Contains("bad signature"), PackError);

    std::string not_base64 = lines_of(sig_text).at(3);
    not_base64[5] = '*';
    CHECK_THROWS_WITH_AS(content::parse_signature(with_line(sig_text, 3, not_base64)),
                         doctest::Contains("the global signature line is not valid base64"), PackError);

    const std::string short_line = with_bytes(sig_text, 3, [](Bytes& raw) { raw.resize(63); });
    CHECK_THROWS_WITH_AS(content::parse_signature(short_line),
                         doctest::Contains("the global signature line is not valid base64"), PackError);
}

TEST_CASE_FIXTURE(Fixture, "a corrupted signature line is refused") {
    bool legacy = false;
    SUBCASE("prehashed") {}
    SUBCASE("legacy") { legacy = true; }
    const std::string sig_text = sign_with(a, "occitanie-demo v3", legacy);
    const auto keys = trusted({&a});

    const std::string flipped = with_bytes(sig_text, 1, [](Bytes& raw) { raw.at(40) ^= 0x01; });
    CHECK_THROWS_WITH_AS(verified_by(flipped, keys), doctest::Contains("bad signature"), PackError);

    const std::string other_id = with_bytes(sig_text, 1, [](Bytes& raw) { raw.at(2) ^= 0x01; });
    CHECK_THROWS_WITH_AS(verified_by(other_id, keys), doctest::Contains("not a trusted key"), PackError);

    const std::string switched = with_bytes(sig_text, 1, [](Bytes& raw) { raw.at(1) = raw.at(1) == 'd' ? 'D' : 'd'; });
    CHECK_THROWS_WITH_AS(verified_by(switched, keys), doctest::Contains("bad signature"), PackError);

    const std::string one_short = with_bytes(sig_text, 1, [](Bytes& raw) { raw.pop_back(); });
    for (const std::string& bad :
         {with_line(sig_text, 1, "RW!!not-base64!!"), one_short, with_line(sig_text, 1, a.pub_line)}) {
        CAPTURE(bad);
        CHECK_THROWS_WITH_AS(content::parse_signature(bad), doctest::Contains("the signature line is not valid base64"),
                             PackError);
    }
}

TEST_CASE_FIXTURE(Fixture, "an unknown signature algorithm is refused") {
    const std::string sig_text = sign_with(a);
    for (const std::string algo : {"Ex", "ed", "XD", "BL"}) {
        CAPTURE(algo);
        const std::string bad = with_bytes(sig_text, 1, [&](Bytes& raw) {
            raw.at(0) = static_cast<std::uint8_t>(algo[0]);
            raw.at(1) = static_cast<std::uint8_t>(algo[1]);
        });
        CHECK_THROWS_WITH_AS(content::parse_signature(bad), doctest::Contains("unknown signature algorithm"),
                             PackError);
    }
}

TEST_CASE_FIXTURE(Fixture, "what is not a minisign signature file is refused") {
    const std::string not_minisig = "manifest.json.minisig is not a minisign signature file";
    const std::string sig_text = sign_with(a);
    const auto lines = lines_of(sig_text);
    for (const std::string& text : std::vector<std::string>{
             "", "\n\n\n\n", "random text\nof several\nlines\nand more\n", join({lines[0], lines[1], lines[2]}),
             join({lines[1], lines[2], lines[3]}), join({lines[0], lines[1], lines[3], lines[2]}),
             join({lines[0], lines[1], "trusted comment:no space", lines[3]}), message, read_file(a.pub_file)}) {
        CAPTURE(text);
        CHECK_THROWS_WITH_AS(content::parse_signature(text), doctest::Contains(not_minisig.c_str()), PackError);
    }
}

TEST_CASE_FIXTURE(Fixture, "line endings and final newline do not matter") {
    bool legacy = false;
    SUBCASE("prehashed") {}
    SUBCASE("legacy") { legacy = true; }
    const auto lines = lines_of(sign_with(a, "occitanie-demo v3", legacy));
    const auto keys = trusted({&a});

    const std::string crlf = join(lines, "\r\n");
    CHECK(content::parse_signature(crlf).trusted_comment == "occitanie-demo v3");
    CHECK(verified_by(crlf, keys) == a.key.id());

    std::string no_final_newline = join(lines);
    no_final_newline.pop_back();
    CHECK(verified_by(no_final_newline, keys) == a.key.id());
}

TEST_CASE_FIXTURE(Fixture, "a trusted comment with leading or trailing blanks verifies, as with minisign -V") {
    for (const std::string comment : {"occitanie-demo v3 ", "occitanie-demo v3\t", " occitanie-demo v3"}) {
        CAPTURE(comment);
        const std::string sig_text = sign_with(a, comment);
        const auto r = run({"minisign", "-V", "-p", a.pub_file.string(), "-m", message_file.string()});
        REQUIRE(r.exit_code == 0);
        CHECK(content::parse_signature(sig_text).trusted_comment == comment);
        CHECK(verified_by(sig_text, trusted({&a})) == a.key.id());
    }
}

TEST_CASE_FIXTURE(Fixture, "a signature made with libsodium the minisign way is accepted by minisign -V") {
    REQUIRE(sodium_init() >= 0);
    std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
    std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
    crypto_sign_keypair(pk.data(), sk.data());
    const Bytes key_id = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};

    Bytes pub = {'E', 'd'};
    pub.insert(pub.end(), key_id.begin(), key_id.end());
    pub.insert(pub.end(), pk.begin(), pk.end());
    const std::string pub_line = to_base64(pub);
    const PublicKey key = content::parse_public_key(pub_line);
    CHECK(key.id() == "EFCDAB8967452301");

    bool prehashed = true;
    SUBCASE("prehashed") {}
    SUBCASE("legacy") { prehashed = false; }
    Bytes signed_part(message.begin(), message.end());
    if (prehashed) {
        signed_part.assign(crypto_generichash_BYTES_MAX, 0);
        crypto_generichash(signed_part.data(), signed_part.size(),
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(), nullptr, 0);
    }
    std::array<std::uint8_t, crypto_sign_BYTES> signature{};
    crypto_sign_detached(signature.data(), nullptr, signed_part.data(), signed_part.size(), sk.data());
    const std::string comment = "made with libsodium";
    Bytes global_part(signature.begin(), signature.end());
    global_part.insert(global_part.end(), comment.begin(), comment.end());
    std::array<std::uint8_t, crypto_sign_BYTES> global{};
    crypto_sign_detached(global.data(), nullptr, global_part.data(), global_part.size(), sk.data());

    Bytes sig_line = {'E', static_cast<std::uint8_t>(prehashed ? 'D' : 'd')};
    sig_line.insert(sig_line.end(), key_id.begin(), key_id.end());
    sig_line.insert(sig_line.end(), signature.begin(), signature.end());
    const std::string sig_text = join({"untrusted comment: signature from libsodium", to_base64(sig_line),
                                       "trusted comment: " + comment, to_base64(Bytes(global.begin(), global.end()))});
    write_file(sig_file, sig_text);

    const auto r = run({"minisign", "-V", "-P", pub_line, "-m", message_file.string()});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Trusted comment: " + comment) != std::string::npos);

    const std::vector<PublicKey> keys = {key};
    CHECK(content::verify_signature(message, content::parse_signature(sig_text), keys).id() == "EFCDAB8967452301");
}
