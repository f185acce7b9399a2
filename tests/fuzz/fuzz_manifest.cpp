// libFuzzer entry point of the manifest target (targets.hpp).
#include "targets.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vitrine::fuzz::manifest({reinterpret_cast<const char*>(data), size});
    return 0;
}
