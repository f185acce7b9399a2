// The one error type of the content library: a pack, a key or a signature
// that cannot be accepted. Its message is written for the staff member or
// the content author who has to act on it.
#pragma once
#include <stdexcept>

namespace vitrine::content {

class PackError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace vitrine::content
