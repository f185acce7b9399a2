// libFuzzer entry point of the minisign_key target (targets.hpp).
#include "targets.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vitrine::fuzz::minisign_key({reinterpret_cast<const char*>(data), size});
    return 0;
}
