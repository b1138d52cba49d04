// pixels.cpp: test image storage and the per-depth encodings.
#include "pixels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace ofxhost {

std::uint16_t floatToHalf(float f) {
    std::uint32_t x;
    std::memcpy(&x, &f, 4);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    const std::uint32_t exp = (x >> 23) & 0xffu;
    std::uint32_t mant = x & 0x7fffffu;
    if (exp == 0xff) return static_cast<std::uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u)); // inf / nan
    int e = static_cast<int>(exp) - 127 + 15;
    if (e >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u); // overflow -> inf
    if (e <= 0) {
        if (e < -10) return static_cast<std::uint16_t>(sign); // underflow -> 0
        mant |= 0x800000u;                                   // subnormal half
        const int shift = 14 - e;
        std::uint32_t half = mant >> shift;
        const std::uint32_t rest = mant & ((1u << shift) - 1u);
        const std::uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
        return static_cast<std::uint16_t>(sign | half);
    }
    std::uint32_t half = (static_cast<std::uint32_t>(e) << 10) | (mant >> 13);
    const std::uint32_t rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half; // round to nearest even (may carry into exp)
    return static_cast<std::uint16_t>(sign | half);
}

float halfToFloat(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu;
    const std::uint32_t mant = h & 0x3ffu;
    std::uint32_t x;
    if (exp == 0) {
        if (mant == 0) {
            x = sign;
        } else { // subnormal: normalise
            int e = -1;
            std::uint32_t m = mant;
            do {
                ++e;
                m <<= 1;
            } while ((m & 0x400u) == 0);
            x = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((m & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        x = sign | 0x7f800000u | (mant << 13);
    } else {
        x = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

TestImage::TestImage(OfxRectI bounds, std::string depth, std::string components, bool negativeRowBytes, int padBytes)
    : bounds_(bounds), depth_(std::move(depth)), components_(std::move(components)) {
    if (width() <= 0 || height() <= 0) throw std::invalid_argument("empty test image");
    if (components_ == kOfxImageComponentRGBA) channels_ = 4;
    else if (components_ == kOfxImageComponentRGB) channels_ = 3;
    else if (components_ == kOfxImageComponentAlpha) channels_ = 1;
    else throw std::invalid_argument("components " + components_);
    if (depth_ == kOfxBitDepthByte) bytesPerChannel_ = 1;
    else if (depth_ == kOfxBitDepthShort || depth_ == kOfxBitDepthHalf) bytesPerChannel_ = 2;
    else if (depth_ == kOfxBitDepthFloat) bytesPerChannel_ = 4;
    else throw std::invalid_argument("depth " + depth_);
    const auto stride = static_cast<std::ptrdiff_t>(bytesPerPixel()) * width() + padBytes;
    storage_.assign(static_cast<std::size_t>(stride) * static_cast<std::size_t>(height()), 0);
    rowBytes_ = negativeRowBytes ? -stride : stride;
    bottomRowOffset_ = negativeRowBytes ? static_cast<std::size_t>(stride) * static_cast<std::size_t>(height() - 1) : 0;
}

std::uint8_t* TestImage::pixel(int x, int y) {
    if (!contains(x, y)) throw std::out_of_range("pixel outside bounds");
    return static_cast<std::uint8_t*>(data()) + static_cast<std::ptrdiff_t>(y - bounds_.y1) * rowBytes_ +
           static_cast<std::ptrdiff_t>(x - bounds_.x1) * static_cast<std::ptrdiff_t>(bytesPerPixel());
}

const std::uint8_t* TestImage::pixel(int x, int y) const { return const_cast<TestImage*>(this)->pixel(x, y); }

void TestImage::set(int x, int y, const Rgba& v) {
    std::uint8_t* p = pixel(x, y);
    const int first = channels_ == 1 ? 3 : 0;
    for (int c = 0; c < channels_; ++c) {
        const float f = v[static_cast<std::size_t>(first + c)];
        switch (bytesPerChannel_) {
        case 1: p[c] = static_cast<std::uint8_t>(std::lround(std::clamp(f, 0.0f, 1.0f) * 255.0f)); break;
        case 2: {
            const std::uint16_t s = depth_ == kOfxBitDepthHalf
                                        ? floatToHalf(f)
                                        : static_cast<std::uint16_t>(std::lround(std::clamp(f, 0.0f, 1.0f) * 65535.0f));
            std::memcpy(p + 2 * c, &s, 2);
            break;
        }
        default: std::memcpy(p + 4 * c, &f, 4); break;
        }
    }
}

Rgba TestImage::get(int x, int y) const {
    const std::uint8_t* p = pixel(x, y);
    float ch[4] = {0, 0, 0, 1};
    for (int c = 0; c < channels_; ++c) {
        switch (bytesPerChannel_) {
        case 1: ch[c] = p[c] / 255.0f; break;
        case 2: {
            std::uint16_t s;
            std::memcpy(&s, p + 2 * c, 2);
            ch[c] = depth_ == kOfxBitDepthHalf ? halfToFloat(s) : s / 65535.0f;
            break;
        }
        default: std::memcpy(&ch[c], p + 4 * c, 4); break;
        }
    }
    if (channels_ == 1) return {ch[0], ch[0], ch[0], ch[0]};
    return {ch[0], ch[1], ch[2], channels_ == 4 ? ch[3] : 1.0f};
}

void TestImage::fillBytes(std::uint8_t value) { std::fill(storage_.begin(), storage_.end(), value); }

bool TestImage::samePixelBytes(int x, int y, const TestImage& other) const {
    if (bytesPerPixel() != other.bytesPerPixel()) return false;
    return std::memcmp(pixel(x, y), other.pixel(x, y), bytesPerPixel()) == 0;
}

} // namespace ofxhost
