// render.cpp: the render action. Fetch images (released by RAII on every path), read params at the render
// time, hand pointers to libRunwayClient, and turn any failure into a message plus kOfxStatFailed.
#include "actions.h"

#include "client_loader.h"
#include "host_quirks.h"
#include "image.h"
#include "instance.h"
#include "messages.h"
#include "params.h"
#include "suites.h"
#include "time_extension.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

namespace runway::ofx {
namespace {

struct RenderArgs {
    OfxTime time = 0;
    std::optional<OfxRectI> window;
    double scale[2] = {1.0, 1.0};
    bool interactive = false;
};

RenderArgs readArgs(OfxPropertySetHandle inArgs) {
    const Props args(inArgs);
    RenderArgs r;
    r.time = args.getDouble(kOfxPropTime).value_or(0);
    if (const auto w = args.getInts(kOfxImageEffectPropRenderWindow, 4)) r.window = OfxRectI{(*w)[0], (*w)[1], (*w)[2], (*w)[3]};
    if (const auto s = args.getDoubles(kOfxImageEffectPropRenderScale, 2)) {
        // Some hosts leave the scale out or send zeros for thumbnails; treat that as full scale.
        if ((*s)[0] > 0) r.scale[0] = (*s)[0];
        if ((*s)[1] > 0) r.scale[1] = (*s)[1];
    }
    // Interactive: the host says so, asks for draft quality, or renders below full resolution (scrubbing,
    // proxies, thumbnails). The daemon serves these first and may take a faster path.
    r.interactive = args.getInt(kOfxImageEffectPropInteractiveRenderStatus).value_or(0) != 0 ||
                    args.getInt(kOfxImageEffectPropRenderQualityDraft).value_or(0) != 0 || r.scale[0] < 1.0 ||
                    r.scale[1] < 1.0;
    return r;
}

// The C ABI's abort poll: forwards to the host's abort() for this instance, on the render thread.
int32_t pollAbort(void* instance) {
    return suites().imageEffect->abort(static_cast<OfxImageEffectHandle>(instance)) != 0 ? 1 : 0;
}

// Source and mask frames at other times for a temporal effect. Images stay fetched (RAII) until the render
// returns; the rw_image views and rw_frame entries point into vectors reserved up front, so they never move.
struct Neighbours {
    std::vector<ClipImage> images;
    std::vector<rw_image> views;
    std::vector<rw_frame> frames;
};

// Fetches Source (and Mask when one is in use) at t-k and t+k for k up to the frames needed each side, clamped
// to the source clip's frame range (the ends of a clip repeat their first/last frame, as hosts do); a time
// already fetched, including t itself after clamping, is skipped. A time the host has no image for is left out:
// the effect then works with fewer neighbours rather than failing the frame.
void fetchNeighbours(const Instance& instance, OfxTime time, std::pair<int, int> eachSide, bool withMask,
                     Neighbours& out) {
    const auto [before, after] = eachSide;
    const int count = before + after;
    if (count <= 0) return;
    out.images.reserve(static_cast<size_t>(count) * 2);
    out.views.reserve(static_cast<size_t>(count) * 2);
    out.frames.reserve(static_cast<size_t>(count));
    const auto range = clipFrameRange(instance.source);
    std::vector<double> times{time};
    const auto visit = [&](double t) {
        if (range) t = std::clamp(t, range->first, range->second);
        if (std::any_of(times.begin(), times.end(), [&](double seen) { return std::fabs(seen - t) < 1e-9; })) return;
        times.push_back(t);
        ClipImage source = ClipImage::fetch(instance.source, t);
        if (!source) return;
        const ImageLayout src = source.layout("source (neighbouring frame)");
        out.images.push_back(std::move(source));
        out.views.push_back(src.view());
        rw_frame frame{t, &out.views.back(), nullptr};
        if (withMask) {
            ClipImage mask = ClipImage::fetch(instance.mask, t);
            if (mask) {
                const ImageLayout m = mask.layout("mask (neighbouring frame)");
                out.images.push_back(std::move(mask));
                out.views.push_back(m.view());
                frame.mask = &out.views.back();
            }
        }
        out.frames.push_back(frame);
    };
    // Nearest first, so a host that runs short of frames still gives the most useful ones.
    for (int k = 1; k <= std::max(before, after); ++k) {
        if (k <= before) visit(time - k);
        if (k <= after) visit(time + k);
    }
}

// Source (and mask) at exactly these times, for a render past the source range (the clip's tail frames).
void fetchFramesAt(const Instance& instance, const std::vector<double>& times, bool withMask, Neighbours& out) {
    out.images.reserve(times.size() * 2);
    out.views.reserve(times.size() * 2);
    out.frames.reserve(times.size());
    for (double t : times) {
        ClipImage source = ClipImage::fetch(instance.source, t);
        if (!source) continue;
        const ImageLayout src = source.layout("source (tail frame)");
        out.images.push_back(std::move(source));
        out.views.push_back(src.view());
        rw_frame frame{t, &out.views.back(), nullptr};
        if (withMask) {
            ClipImage mask = ClipImage::fetch(instance.mask, t);
            if (mask) {
                const ImageLayout m = mask.layout("mask (tail frame)");
                out.images.push_back(std::move(mask));
                out.views.push_back(m.view());
                frame.mask = &out.views.back();
            }
        }
        out.frames.push_back(frame);
    }
}

// The effect's other input clips at the render time, for those that are connected and give an image (any
// bounds: a reference need not match the source). Names and views point into these vectors (reserved up front).
struct NamedClips {
    std::vector<ClipImage> images;
    std::vector<rw_image> views;
    std::vector<rw_named_image> entries;
};

void fetchNamedClips(const Instance& instance, OfxTime time, NamedClips& out) {
    out.images.reserve(instance.namedClips.size());
    out.views.reserve(instance.namedClips.size());
    out.entries.reserve(instance.namedClips.size());
    for (const auto& [name, clip] : instance.namedClips) {
        if (clip == nullptr || !clipConnected(clip)) continue;
        ClipImage image = ClipImage::fetch(clip, time);
        if (!image) continue;
        const ImageLayout layout = image.layout(name.c_str());
        out.images.push_back(std::move(image));
        out.views.push_back(layout.view());
        out.entries.push_back(rw_named_image{name.c_str(), &out.views.back()});
    }
}

void succeeded(Instance& instance, OfxImageEffectHandle handle) {
    if (instance.showingError.exchange(false)) clearError(handle);
}

OfxStatus failed(Instance& instance, OfxImageEffectHandle handle, const std::string& text) {
    const std::string label = instance.effect != nullptr ? instance.effect->label : "Runway";
    postError(handle, "Runway " + label + ": " + text);
    instance.showingError = true;
    return kOfxStatFailed;
}

OfxStatus renderChecked(const EffectDef& effect, Instance& instance, OfxImageEffectHandle handle,
                        OfxPropertySetHandle inArgs) {
    const RenderArgs args = readArgs(inArgs);
    const auto sourceRange = sourceFrameRange(instance);
    ParamValues params = readParams(instance.params, args.time);
    // An extending effect rendered past its source's range reads the frame at the nearest end as its source and
    // the tail frames before it as neighbours; inside the range it is the identity.
    std::optional<ExtendFetch> extend;
    if (effect.extends() && sourceRange)
        extend = extendFetch(*sourceRange, args.time, framesEachSide(effect, params, args.interactive));
    const OfxTime sourceTime = extend ? extend->sourceTime : args.time;
    ClipImage output = ClipImage::fetch(instance.output, args.time);
    if (!output) return failed(instance, handle, "the host gave no output image");
    ClipImage source = ClipImage::fetch(instance.source, sourceTime);
    if (!source) return failed(instance, handle, "the host gave no source image");
    const ImageLayout out = output.layout("output");
    const ImageLayout src = source.layout("source");
    // Positions and sizes arrive in canonical coordinates; the daemon wants top-left pixels of this Source image.
    toSourcePixels(instance.params, SourceGeometry{src.bounds, {args.scale[0], args.scale[1]}, src.pixelAspect}, params);
    const OfxRectI window = args.window.value_or(out.bounds);

    // A mask counts only when it is plugged in and the host actually hands over an image.
    ClipImage maskImage;
    std::optional<ImageLayout> mask;
    if (instance.mask != nullptr && clipConnected(instance.mask)) {
        maskImage = ClipImage::fetch(instance.mask, sourceTime);
        if (maskImage) {
            mask = maskImage.layout("mask");
            if (hostQuirks().unconnectedMaskArrivesBlack && isAllZero(*mask)) mask.reset();
        }
    }
    // No mask for an effect that needs one, or an extending effect inside its source range (a host that renders
    // although IsIdentity said so): the source is the answer, no daemon needed.
    const bool identity = (!mask && effect.identityWithoutMask) || (extend && extend->inside);
    if (identity && copyInsideWindow(src, out, window)) {
        succeeded(instance, handle);
        return kOfxStatOK;
    }

    std::string loadError;
    const ClientRef client = acquireClient(loadError);
    if (!client) return failed(instance, handle, loadError);

    const rw_image srcView = src.view();
    const rw_image outView = out.view();
    rw_image maskView{};
    if (mask) maskView = mask->view();

    rw_render_request request{};
    request.struct_size = sizeof(rw_render_request);
    request.effect_id = effect.id.c_str();
    request.instance_id = instance.id.c_str();
    request.time = args.time;
    request.window[0] = window.x1;
    request.window[1] = window.y1;
    request.window[2] = window.x2;
    request.window[3] = window.y2;
    request.render_scale[0] = args.scale[0];
    request.render_scale[1] = args.scale[1];
    request.pixel_aspect = src.pixelAspect;
    request.interactive = args.interactive ? 1 : 0;
    request.timeout_ms = 0;
    request.source = &srcView;
    request.mask = mask ? &maskView : nullptr;
    request.output = &outView;
    request.params = params.params.data();
    request.param_count = static_cast<int32_t>(params.params.size());
    request.abort_fn = &pollAbort;
    request.abort_user = handle;

    Neighbours neighbours;
    if (extend)
        fetchFramesAt(instance, extend->neighbours, mask.has_value(), neighbours);
    else if (effect.temporal())
        fetchNeighbours(instance, args.time, framesEachSide(effect, params, args.interactive), mask.has_value(), neighbours);
    request.neighbours = neighbours.frames.empty() ? nullptr : neighbours.frames.data();
    request.neighbour_count = static_cast<int32_t>(neighbours.frames.size());

    NamedClips clips;
    fetchNamedClips(instance, args.time, clips);
    request.clips = clips.entries.empty() ? nullptr : clips.entries.data();
    request.clip_count = static_cast<int32_t>(clips.entries.size());
    request.has_source_range = sourceRange ? 1 : 0;
    request.source_first = sourceRange ? sourceRange->first : 0;
    request.source_last = sourceRange ? sourceRange->second : 0;

    rw_error error{};
    const int32_t status = client.api->render(client.client, &request, &error);
    error.message[sizeof(error.message) - 1] = '\0';
    if (status == RW_OK) {
        succeeded(instance, handle);
        return kOfxStatOK;
    }
    // The host asked us to stop: that is not a failure worth a message, only a frame not produced.
    if (status == RW_ERR_CANCELLED && suites().imageEffect->abort(handle) != 0) {
        logLine(effect.id + ": render aborted by the host");
        return kOfxStatFailed;
    }
    return failed(instance, handle, error.message[0] != '\0' ? error.message : "render failed (status " + std::to_string(status) + ")");
}

} // namespace

OfxStatus render(const EffectDef& effect, OfxImageEffectHandle handle, OfxPropertySetHandle inArgs) {
    Instance& instance = instanceOf(handle);
    try {
        return renderChecked(effect, instance, handle, inArgs);
    } catch (const std::exception& ex) {
        return failed(instance, handle, ex.what());
    }
}

} // namespace runway::ofx
