// Staff-mode backends run in a child process, so the staff_backend suite
// can run them inside private namespaces (unshare -rm: a read-only or full
// tmpfs stick; unshare -rn: network interfaces of its own).
//   staff_child export OUTBOX STICK_DIR DEVICE_ID
//       prints "ok<TAB>file<TAB>records<TAB>bytes" and exits 0, or
//       "error<TAB>message" and exits 1
//   staff_child sticks DIR...     writable_sticks(DIR...), one per line
//   staff_child addresses         network_addresses(), one per line
#include "kiosk/device_info.hpp"
#include "kiosk/usb_export.hpp"

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    const std::string mode = argc >= 2 ? argv[1] : "";
    if (mode == "sticks") {
        for (const auto& p : vitrine::writable_sticks({argv + 2, argv + argc})) std::printf("%s\n", p.c_str());
        return 0;
    }
    if (mode == "addresses") {
        for (const auto& a : vitrine::network_addresses()) std::printf("%s\n", a.c_str());
        return 0;
    }
    if (mode != "export" || argc != 5) {
        std::fprintf(stderr, "usage: staff_child export OUTBOX STICK_DIR DEVICE_ID | sticks DIR... | addresses\n");
        return 2;
    }
    try {
        auto r = vitrine::export_queue(argv[2], argv[3], argv[4], std::chrono::system_clock::now());
        std::printf("ok\t%s\t%lld\t%llu\n", r.file.c_str(), static_cast<long long>(r.records),
                    static_cast<unsigned long long>(r.bytes));
        return 0;
    } catch (const vitrine::ExportError& e) {
        std::printf("error\t%s\n", e.what());
        return 1;
    }
}
