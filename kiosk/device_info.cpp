#include "kiosk/device_info.hpp"

#include "content/store.hpp"

#include <sys/statvfs.h>

#include <cmath>
#include <fstream>

namespace vitrine {

platform::DeviceInfo device_info(const Config& config) {
    platform::DeviceInfo d;
    d.device_id = config.device.id;
    d.event = config.device.event;
    d.app_version = VITRINE_VERSION;
    try {
        if (auto current = content::PackStore(config.device.data_dir).current()) {
            d.pack_id = current->id;
            d.pack_version = current->version;
        }
    } catch (const std::exception&) {
        // No readable pack: "pack": null says it.
    }
    struct statvfs st {};
    if (::statvfs(config.device.data_dir.c_str(), &st) == 0)
        d.disk_free_bytes = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    // Since the board booted: a restart of the board shows, whatever restarted the kiosk.
    double up = 0;
    if (std::ifstream("/proc/uptime") >> up) d.uptime = std::chrono::seconds(static_cast<long long>(std::floor(up)));
    return d;
}

}  // namespace vitrine
