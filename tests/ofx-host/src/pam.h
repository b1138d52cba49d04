// pam.h: Netpbm PAM (P7) files, the interchange format with the runway CLI (OpenCV reads and writes them).
// 8- or 16-bit samples (MAXVAL 255 or 65535, big-endian), DEPTH 1 (GRAYSCALE), 2 (GRAYSCALE_ALPHA),
// 3 (RGB) or 4 (RGB_ALPHA); rows top-down.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ofxhost {

struct PamImage {
    int width = 0;
    int height = 0;
    int depth = 4;
    int maxval = 255;
    std::vector<std::uint16_t> samples; // width*height*depth, row-major from the top
};

/// Reads a P7 file; throws std::runtime_error naming the file and the problem.
PamImage readPam(const std::string& path);

/// Writes a P7 file with the TUPLTYPE that matches `depth`.
void writePam(const std::string& path, const PamImage& image);

} // namespace ofxhost
