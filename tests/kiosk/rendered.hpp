// What the rendered suites share: screenshots read back as pixels, and the
// demo build's trusted minisign key (the base64 line of its .pub file).
#pragma once
#include "support/support.hpp"

#include <doctest/doctest.h>
#include <stb_image.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace vitrine::test {

struct Image {
    int w = 0, h = 0;
    std::vector<unsigned char> rgb;
    explicit Image(const fs::path& p) {
        int n = 0;
        unsigned char* data = stbi_load(p.c_str(), &w, &h, &n, 3);
        REQUIRE_MESSAGE(data, "cannot read " << p);
        rgb.assign(data, data + static_cast<std::size_t>(w) * h * 3);
        stbi_image_free(data);
    }
    // Standard deviation of the grey levels: near 0 for a blank frame.
    double contrast() const {
        double sum = 0, sq = 0;
        std::size_t n = rgb.size() / 3;
        for (std::size_t i = 0; i < n; ++i) {
            double g = (rgb[3 * i] + rgb[3 * i + 1] + rgb[3 * i + 2]) / 3.0;
            sum += g;
            sq += g * g;
        }
        double mean = sum / static_cast<double>(n);
        return std::sqrt(sq / static_cast<double>(n) - mean * mean);
    }
    // Mean absolute difference per channel, over a region (fractions of the frame).
    double diff(const Image& o, double x0 = 0, double y0 = 0, double x1 = 1, double y1 = 1) const {
        REQUIRE(w == o.w);
        REQUIRE(h == o.h);
        double d = 0;
        std::size_t n = 0;
        for (int y = static_cast<int>(y0 * h); y < static_cast<int>(y1 * h); ++y)
            for (int x = static_cast<int>(x0 * w); x < static_cast<int>(x1 * w); ++x)
                for (int c = 0; c < 3; ++c, ++n) {
                    std::size_t i = (static_cast<std::size_t>(y) * w + x) * 3 + c;
                    d += std::abs(int(rgb[i]) - int(o.rgb[i]));
                }
        return d / static_cast<double>(n);
    }
    bool same(const Image& o) const { return w == o.w && h == o.h && rgb == o.rgb; }
    std::size_t pixels_differing(const Image& o) const {
        REQUIRE(w == o.w);
        REQUIRE(h == o.h);
        std::size_t n = 0;
        for (std::size_t i = 0; i < rgb.size(); i += 3)
            n += !std::equal(rgb.begin() + static_cast<std::ptrdiff_t>(i), rgb.begin() + static_cast<std::ptrdiff_t>(i + 3),
                             o.rgb.begin() + static_cast<std::ptrdiff_t>(i));
        return n;
    }
};

}  // namespace vitrine::test
