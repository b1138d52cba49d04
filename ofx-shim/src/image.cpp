// image.cpp: image properties and bounds-checked row access.
#include "image.h"

#include "suites.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace runway::ofx {

std::size_t ImageLayout::bytesPerPixel() const {
    const std::size_t channels = components == RW_RGBA ? 4 : components == RW_RGB ? 3 : 1;
    const std::size_t bytes = depth == RW_DEPTH_U8 ? 1 : depth == RW_DEPTH_F32 ? 4 : 2;
    return channels * bytes;
}

rw_image ImageLayout::view() const {
    rw_image v{};
    v.data = data;
    v.row_bytes = rowBytes;
    v.x1 = bounds.x1;
    v.y1 = bounds.y1;
    v.x2 = bounds.x2;
    v.y2 = bounds.y2;
    v.components = components;
    v.depth = depth;
    v.alpha = alpha;
    return v;
}

std::optional<rw_depth> depthFromOfx(const std::string& depth) {
    if (depth == kOfxBitDepthByte) return RW_DEPTH_U8;
    if (depth == kOfxBitDepthShort) return RW_DEPTH_U16;
    if (depth == kOfxBitDepthHalf) return RW_DEPTH_F16;
    if (depth == kOfxBitDepthFloat) return RW_DEPTH_F32;
    return std::nullopt;
}

std::optional<rw_components> componentsFromOfx(const std::string& components) {
    if (components == kOfxImageComponentRGBA) return RW_RGBA;
    if (components == kOfxImageComponentRGB) return RW_RGB;
    if (components == kOfxImageComponentAlpha) return RW_ALPHA;
    return std::nullopt;
}

rw_alpha alphaFromOfx(const std::string& premultiplication, rw_components components) {
    // RGB images have no alpha to premultiply by; the standard calls them opaque.
    if (components == RW_RGB || premultiplication == kOfxImageOpaque) return RW_ALPHA_OPAQUE;
    if (premultiplication == kOfxImagePreMultiplied) return RW_ALPHA_PREMULTIPLIED;
    return RW_ALPHA_STRAIGHT;
}

ClipImage ClipImage::fetch(OfxImageClipHandle clip, OfxTime time) {
    if (clip == nullptr) return {};
    OfxPropertySetHandle image = nullptr;
    if (suites().imageEffect->clipGetImage(clip, time, nullptr, &image) != kOfxStatOK) return {};
    return ClipImage(image);
}

ClipImage::~ClipImage() {
    if (handle_ != nullptr) suites().imageEffect->clipReleaseImage(handle_);
}

ClipImage::ClipImage(ClipImage&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }

ClipImage& ClipImage::operator=(ClipImage&& other) noexcept {
    if (this != &other) {
        if (handle_ != nullptr) suites().imageEffect->clipReleaseImage(handle_);
        handle_ = other.handle_;
        other.handle_ = nullptr;
    }
    return *this;
}

ImageLayout ClipImage::layout(const char* clipName) const {
    const Props props(handle_);
    const std::string clip = clipName;
    ImageLayout l;
    l.data = props.getPointer(kOfxImagePropData).value_or(nullptr);
    if (l.data == nullptr) throw std::runtime_error("the host's " + clip + " image has no pixel data");
    l.rowBytes = props.getInt(kOfxImagePropRowBytes).value_or(0);
    const auto bounds = props.getInts(kOfxImagePropBounds, 4);
    if (!bounds) throw std::runtime_error("the host's " + clip + " image has no bounds");
    l.bounds = {(*bounds)[0], (*bounds)[1], (*bounds)[2], (*bounds)[3]};
    if (l.width() <= 0 || l.height() <= 0) throw std::runtime_error("the host's " + clip + " image is empty");
    const std::string depth = props.getString(kOfxImageEffectPropPixelDepth).value_or("");
    const auto d = depthFromOfx(depth);
    if (!d) throw std::runtime_error("the host's " + clip + " image has unsupported depth '" + depth + "'");
    l.depth = *d;
    const std::string comps = props.getString(kOfxImageEffectPropComponents).value_or("");
    const auto c = componentsFromOfx(comps);
    if (!c) throw std::runtime_error("the host's " + clip + " image has unsupported components '" + comps + "'");
    l.components = *c;
    l.alpha = alphaFromOfx(props.getString(kOfxImageEffectPropPreMultiplication).value_or(""), l.components);
    l.pixelAspect = props.getDouble(kOfxImagePropPixelAspectRatio).value_or(1.0);
    if (!(l.pixelAspect > 0)) l.pixelAspect = 1.0;
    const auto minRow = static_cast<std::ptrdiff_t>(l.bytesPerPixel()) * l.width();
    if (std::abs(l.rowBytes) < minRow)
        throw std::runtime_error("the host's " + clip + " image has row bytes " + std::to_string(l.rowBytes) +
                                 ", less than one row of " + std::to_string(minRow));
    return l;
}

std::uint8_t* rowAddress(const ImageLayout& image, int y) {
    if (y < image.bounds.y1 || y >= image.bounds.y2 || image.data == nullptr) return nullptr;
    return static_cast<std::uint8_t*>(image.data) + static_cast<std::ptrdiff_t>(y - image.bounds.y1) * image.rowBytes;
}

bool isAllZero(const ImageLayout& image) {
    const std::size_t rowLength = image.bytesPerPixel() * static_cast<std::size_t>(image.width());
    for (int y = image.bounds.y1; y < image.bounds.y2; ++y) {
        const std::uint8_t* row = rowAddress(image, y);
        // Compares the first byte, then the row against itself shifted by one: all bytes equal the first.
        if (row[0] != 0 || std::memcmp(row, row + 1, rowLength - 1) != 0) return false;
    }
    return true;
}

bool copyInsideWindow(const ImageLayout& source, const ImageLayout& output, const OfxRectI& window) {
    if (source.depth != output.depth || source.components != output.components) return false;
    const OfxRectI w{std::max(window.x1, output.bounds.x1), std::max(window.y1, output.bounds.y1),
                     std::min(window.x2, output.bounds.x2), std::min(window.y2, output.bounds.y2)};
    if (w.x2 <= w.x1 || w.y2 <= w.y1) return true;
    const std::size_t bpp = output.bytesPerPixel();
    // Columns of the window covered by the source; the rest of each row is zero-filled.
    const int sx1 = std::max(w.x1, source.bounds.x1);
    const int sx2 = std::min(w.x2, source.bounds.x2);
    for (int y = w.y1; y < w.y2; ++y) {
        std::uint8_t* dst = rowAddress(output, y) + static_cast<std::size_t>(w.x1 - output.bounds.x1) * bpp;
        const std::uint8_t* src = rowAddress(source, y);
        const std::size_t windowBytes = static_cast<std::size_t>(w.x2 - w.x1) * bpp;
        if (src == nullptr || sx2 <= sx1) {
            std::memset(dst, 0, windowBytes);
            continue;
        }
        const std::size_t before = static_cast<std::size_t>(sx1 - w.x1) * bpp;
        const std::size_t middle = static_cast<std::size_t>(sx2 - sx1) * bpp;
        std::memset(dst, 0, before);
        std::memcpy(dst + before, src + static_cast<std::size_t>(sx1 - source.bounds.x1) * bpp, middle);
        std::memset(dst + before + middle, 0, windowBytes - before - middle);
    }
    return true;
}

} // namespace runway::ofx
