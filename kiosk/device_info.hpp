// What the heartbeat, `vitrine status` and the staff screen say about this
// device: app version, installed pack, free space of the data partition,
// uptime, network addresses.
#pragma once
#include "kiosk/config.hpp"
#include "platform/status.hpp"

#include <string>
#include <vector>

namespace vitrine {

// Reads the pack store and the file system; safe on any thread.
platform::DeviceInfo device_info(const Config& config);

// The IPv4 and IPv6 addresses of the interfaces that are up, but loopback
// and IPv6 link-local ones, each with its interface name ("eth0
// 192.168.1.20"), in the system's order, for the staff screen.
std::vector<std::string> network_addresses();

}  // namespace vitrine
