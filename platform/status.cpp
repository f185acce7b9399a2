#include "platform/status.hpp"

namespace vitrine::platform {

nlohmann::json device_status(const DeviceInfo& device, const OutboxStatus& queue, const SyncStatus& sync,
                             std::chrono::system_clock::time_point now) {
    auto count = [&](const char* state) {
        std::int64_t n = 0;
        if (auto it = queue.counts.find(state); it != queue.counts.end())
            for (const auto& [kind, c] : it->second) n += c;
        return n;
    };
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
         {{"pending", count("pending")},
          {"sent", count("sent")},
          {"rejected", count("rejected")},
          {"oldest_pending_age_s",
           queue.oldest_pending_age ? nlohmann::json(queue.oldest_pending_age->count()) : nlohmann::json(nullptr)}}},
        {"sync", to_json(sync)},
    };
    return j;
}

}  // namespace vitrine::platform
