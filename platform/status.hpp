// The device status document: what the heartbeat sends and `vitrine status
// --json` prints (platform/API.md, "Heartbeat").
#pragma once
#include "platform/outbox.hpp"
#include "platform/sync.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace vitrine::platform {

struct DeviceInfo {
    std::string device_id, event, app_version;
    std::string pack_id;  // "" when no pack is installed
    std::int64_t pack_version = 0;
    std::chrono::seconds uptime{0};  // since the board booted
    std::optional<std::uint64_t> disk_free_bytes;  // of the data partition
};

// {"device_id", "event", "app_version", "time", "uptime_s", "disk_free_bytes",
//  "pack": {"id", "version"} | null,
//  "queue": {"pending", "sent", "rejected", "oldest_pending_age_s"},
//  "sync": to_json(SyncStatus)}
nlohmann::json device_status(const DeviceInfo& device, const OutboxStatus& queue, const SyncStatus& sync,
                             std::chrono::system_clock::time_point now);

}  // namespace vitrine::platform
