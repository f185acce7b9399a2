// doctest's main, with one addition: a suite whose cases called
// skip_suite() and that failed nothing exits 77, which CTest reports as
// skipped (SKIP_RETURN_CODE), with the reasons printed.
#include <doctest/doctest.h>

#include "support/support.hpp"

#include <iostream>

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int rc = context.run();
    if (context.shouldExit()) return rc;
    const auto& reasons = vitrine::test::skip_reasons();
    if (rc != 0 || reasons.empty()) return rc;
    for (const auto& why : reasons) std::cerr << "SKIPPED: " << why << "\n";
    return 77;
}
