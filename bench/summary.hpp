// One row of `make bench`'s summary table (bench/run-all): appended as a
// tab-separated line to the file named by BENCH_SUMMARY, when it is set.
// Each benchmark still prints its own detailed table.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace bench {

inline void summary_row(const std::string& figure, const std::string& value, const std::string& baseline,
                        const std::string& ratio, const std::string& target, const std::string& result) {
    const char* file = std::getenv("BENCH_SUMMARY");
    if (!file || !*file) return;
    if (FILE* f = std::fopen(file, "a")) {
        std::fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\n", figure.c_str(), value.c_str(), baseline.c_str(), ratio.c_str(),
                     target.c_str(), result.c_str());
        std::fclose(f);
    }
}

inline std::string fmt(const char* format, double v) {
    char out[64];
    std::snprintf(out, sizeof out, format, v);
    return out;
}

}  // namespace bench
