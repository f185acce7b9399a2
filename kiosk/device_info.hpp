// What the heartbeat and `vitrine status` say about this device: app
// version, installed pack, free space of the data partition, uptime.
#pragma once
#include "kiosk/config.hpp"
#include "platform/status.hpp"

namespace vitrine {

// Reads the pack store and the file system; safe on any thread.
platform::DeviceInfo device_info(const Config& config);

}  // namespace vitrine
