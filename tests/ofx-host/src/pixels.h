// pixels.h: images the conformance host hands to plugins, in every OFX layout it must handle: byte, short,
// half and float; RGBA, RGB, Alpha; rows bottom-up with positive or negative row bytes; bounds anywhere.
#pragma once

#include <ofx/ofx_api.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ofxhost {

using Rgba = std::array<float, 4>;

std::uint16_t floatToHalf(float f);
float halfToFloat(std::uint16_t h);

/// One image with its own storage. Pixel (x, y) is in pixel coordinates inside `bounds`, y up.
class TestImage {
public:
    /// depth: OfxBitDepth*; components: OfxImageComponent*. Row bytes are width*bpp+padBytes, negated when
    /// negativeRowBytes (then row y1 is the LAST row in memory, as in top-down hosts).
    TestImage(OfxRectI bounds, std::string depth, std::string components, bool negativeRowBytes = false,
              int padBytes = 0);

    const OfxRectI& bounds() const { return bounds_; }
    int width() const { return bounds_.x2 - bounds_.x1; }
    int height() const { return bounds_.y2 - bounds_.y1; }
    const std::string& depth() const { return depth_; }
    const std::string& components() const { return components_; }
    int channels() const { return channels_; }
    std::size_t bytesPerChannel() const { return bytesPerChannel_; }
    std::size_t bytesPerPixel() const { return bytesPerChannel_ * static_cast<std::size_t>(channels_); }
    /// Pointer to the bottom-left pixel, as OfxImagePropData.
    void* data() { return storage_.data() + bottomRowOffset_; }
    std::ptrdiff_t rowBytes() const { return rowBytes_; }

    std::string premultiplication = kOfxImageUnPreMultiplied;
    double pixelAspect = 1.0;
    double renderScale[2] = {1.0, 1.0};

    bool contains(int x, int y) const { return x >= bounds_.x1 && x < bounds_.x2 && y >= bounds_.y1 && y < bounds_.y2; }
    std::uint8_t* pixel(int x, int y);
    const std::uint8_t* pixel(int x, int y) const;

    /// Stores RGBA (RGB drops alpha; Alpha stores only [3]); integers are clamped and rounded.
    void set(int x, int y, const Rgba& v);
    /// Reads as RGBA: RGB has alpha 1; Alpha reads as (a, a, a, a).
    Rgba get(int x, int y) const;
    template <typename Fn>
    void fill(Fn fn) {
        for (int y = bounds_.y1; y < bounds_.y2; ++y)
            for (int x = bounds_.x1; x < bounds_.x2; ++x) set(x, y, fn(x, y));
    }
    /// Every byte of the storage (padding included) set to `value`: a sentinel to detect stray writes.
    void fillBytes(std::uint8_t value);
    bool samePixelBytes(int x, int y, const TestImage& other) const;

private:
    OfxRectI bounds_;
    std::string depth_;
    std::string components_;
    int channels_ = 4;
    std::size_t bytesPerChannel_ = 4;
    std::ptrdiff_t rowBytes_ = 0;
    std::size_t bottomRowOffset_ = 0;
    std::vector<std::uint8_t> storage_;
};

} // namespace ofxhost
