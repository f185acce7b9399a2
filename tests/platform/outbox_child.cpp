// The crash test's child: adds interest records to the outbox at argv[1] in
// a loop (at most argv[2] of them, default: until killed) and writes each id
// on stdout, in one write(2), only once add() has returned.
#include "platform/outbox.hpp"
#include "platform/seal.hpp"

#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace vitrine::platform;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: outbox_child OUTBOX [COUNT]\n");
        return 2;
    }
    const long count = argc > 2 ? std::atol(argv[2]) : -1;
    try {
        if (sodium_init() < 0) return 1;
        unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
        crypto_box_keypair(pk, sk);
        char b64[64];
        sodium_bin2base64(b64, sizeof b64, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
        const SealKey key = SealKey::parse(b64);
        Outbox outbox(argv[1]);
        const RecordContext ctx{"kiosk-crash", "crash-fair", "test-pack", 1};
        for (long i = 0; count < 0 || i < count; ++i) {
            Record r = make_interest(ctx, std::chrono::system_clock::now(), "fr",
                                     {{"answers", {{"n", i}}}, {"consent", {{"contact", true}}}},
                                     {{"email", seal(key, "visitor" + std::to_string(i) + "@example.org")}});
            outbox.add(r);
            const std::string line = r.id + "\n";
            if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "outbox_child: %s\n", e.what());
        return 1;
    }
    return 0;
}
