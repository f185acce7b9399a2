#include "kiosk/device_info.hpp"

#include "content/store.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

std::vector<std::string> network_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr || !(a->ifa_flags & IFF_UP) || (a->ifa_flags & IFF_LOOPBACK)) continue;
        char text[INET6_ADDRSTRLEN] = {};
        const int family = a->ifa_addr->sa_family;
        if (family == AF_INET) {
            const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
            if (!::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) continue;
        } else if (family == AF_INET6) {
            const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
            // fe80:: addresses need the interface to be reached: no use to staff.
            if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) continue;
            if (!::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text)) continue;
        } else {
            continue;  // AF_PACKET: the link layer, no address to show
        }
        out.push_back(std::string(a->ifa_name) + " " + text);
    }
    ::freeifaddrs(list);
    return out;
}

}  // namespace vitrine
