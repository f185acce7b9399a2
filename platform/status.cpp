#include "platform/status.hpp"

namespace vitrine::platform {

nlohmann::json device_status(const DeviceInfo& device, const OutboxStatus& queue, const SyncStatus& sync,
                             std::chrono::system_clock::time_point now) {
    nlohmann::json j = {
        {"device_id", device.device_id},
        {"event", device.event},
        {"app_version", device.app_version},
        {"time", rfc3339(now)},
        {"uptime_s", device.uptime.count()},
        {"disk_free_bytes", device.disk_free_bytes ? nlohmann::json(*device.disk_free_bytes) : nlohmann::json(nullptr)},
        {"pack", device.pack_id.empty() ? nlohmann::json(nullptr)
                                        : nlohmann::json{{"id", device.pack_id}, {"version", device.pack_version}}},
        {"queue",
         {{"pending", queue.count(State::Pending)},
          {"sent", queue.count(State::Sent)},
          {"rejected", queue.count(State::Rejected)},
          {"oldest_pending_age_s",
           queue.oldest_pending_age ? nlohmann::json(queue.oldest_pending_age->count()) : nlohmann::json(nullptr)}}},
        {"sync", to_json(sync)},
    };
    return j;
}

}  // namespace vitrine::platform
