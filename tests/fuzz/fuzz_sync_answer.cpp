// libFuzzer entry point of the sync_answer target (targets.hpp).
#include "targets.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    vitrine::fuzz::sync_answer({reinterpret_cast<const char*>(data), size});
    return 0;
}
