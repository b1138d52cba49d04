// image.h: host images (RAII release), their layout in the C ABI's terms, and the few pixel loops the shim
// runs itself. All row addressing goes through rowAddress() so pointer arithmetic lives in one place.
#pragma once

#include <ofx/ofx_api.h>
#include <runway_client.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace runway::ofx {

/// An image's layout as the host describes it. `data` points at the bottom-left pixel of `bounds`; row y
/// (pixel coordinates) starts at data + (y - bounds.y1) * rowBytes, and rowBytes may be negative.
struct ImageLayout {
    void* data = nullptr;
    std::ptrdiff_t rowBytes = 0;
    OfxRectI bounds{0, 0, 0, 0};
    rw_depth depth = RW_DEPTH_F32;
    rw_components components = RW_RGBA;
    rw_alpha alpha = RW_ALPHA_STRAIGHT;
    double pixelAspect = 1.0;

    int width() const { return bounds.x2 - bounds.x1; }
    int height() const { return bounds.y2 - bounds.y1; }
    std::size_t bytesPerPixel() const;
    /// The C ABI view of this image.
    rw_image view() const;
};

/// Maps OFX strings to the C ABI enums; nullopt for values the shim cannot pass on (e.g. OfxBitDepthNone).
std::optional<rw_depth> depthFromOfx(const std::string& depth);
std::optional<rw_components> componentsFromOfx(const std::string& components);
rw_alpha alphaFromOfx(const std::string& premultiplication, rw_components components);

/// One image fetched from a clip; released in the destructor, so every path out of render releases it.
class ClipImage {
public:
    ClipImage() = default;
    /// Fetches the clip's image at `time`; an empty ClipImage when the host has none (a NULL image).
    static ClipImage fetch(OfxImageClipHandle clip, OfxTime time);
    ~ClipImage();
    ClipImage(ClipImage&& other) noexcept;
    ClipImage& operator=(ClipImage&& other) noexcept;
    ClipImage(const ClipImage&) = delete;
    ClipImage& operator=(const ClipImage&) = delete;

    explicit operator bool() const { return handle_ != nullptr; }
    OfxPropertySetHandle handle() const { return handle_; }
    /// Reads data, row bytes, bounds, depth, components, premultiplication and PAR; throws on an image the
    /// shim cannot describe (no data, unknown depth or components, empty bounds).
    ImageLayout layout(const char* clipName) const;

private:
    explicit ClipImage(OfxPropertySetHandle handle) : handle_(handle) {}
    OfxPropertySetHandle handle_ = nullptr;
};

/// Address of the first byte of row y, or nullptr when y is outside the bounds.
std::uint8_t* rowAddress(const ImageLayout& image, int y);

/// True when every byte of every row is zero (a transparent-black image).
bool isAllZero(const ImageLayout& image);

/// Copies source pixels into the output inside `window` (clipped to the output bounds); window pixels
/// outside the source bounds become zero. Both images must share depth and components; returns false
/// (touching nothing) when they do not.
bool copyInsideWindow(const ImageLayout& source, const ImageLayout& output, const OfxRectI& window);

} // namespace runway::ofx
