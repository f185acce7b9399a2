// libFuzzer entry point of the config target (targets.hpp).
#include "targets.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vitrine::fuzz::config({reinterpret_cast<const char*>(data), size});
    return 0;
}
