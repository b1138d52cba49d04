// rig.cpp: the standard scenario and its pixel checks.
#include "rig.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ofxhost {

Rgba gradientAt(const Scenario& s, int x, int y) {
    const double u = (x - s.bounds.x1 + 0.5) / (s.bounds.x2 - s.bounds.x1);
    const double v = (y - s.bounds.y1 + 0.5) / (s.bounds.y2 - s.bounds.y1);
    const float k = s.hdr ? 4.0f : 1.0f;
    Rgba c{static_cast<float>(k * (0.1 + 0.8 * u)), static_cast<float>(k * (0.1 + 0.8 * v)),
           static_cast<float>(k * (0.3 + 0.2 * u * v)), s.alpha};
    if (s.premultiplication == kOfxImagePreMultiplied)
        for (int i = 0; i < 3; ++i) c[static_cast<size_t>(i)] *= s.alpha;
    return c;
}

OfxRectI holeRect(const Scenario& s) {
    const int w = s.bounds.x2 - s.bounds.x1;
    const int h = s.bounds.y2 - s.bounds.y1;
    return {s.bounds.x1 + static_cast<int>(s.hole[0] * w), s.bounds.y1 + static_cast<int>(s.hole[1] * h),
            s.bounds.x1 + static_cast<int>(s.hole[2] * w), s.bounds.y1 + static_cast<int>(s.hole[3] * h)};
}

std::string messagesText() {
    std::string text;
    for (const auto& m : currentHost().messages())
        text += "\n  [" + m.type + (m.persistent ? ", persistent" : "") + "] " + m.text;
    return text.empty() ? " (no messages)" : text;
}

Rig::Rig(TestContext& ctx, Scenario s, const std::string& pluginPath, std::shared_ptr<PluginSession> shared)
    : scenario(std::move(s)) {
    if (shared) {
        session = std::move(shared);
    } else {
        binary = loadPluginBinary(pluginPath.empty() ? ctx.pluginPath : pluginPath, scenario.effectId);
        session = std::make_shared<PluginSession>(binary, binary->find(scenario.effectId));
        session->prepare(scenario.context);
    }
    instance = std::make_unique<EffectInstance>(*session);

    source = std::make_shared<TestImage>(scenario.bounds, scenario.depth, scenario.components, scenario.negativeRowBytes,
                                         scenario.padBytes);
    source->premultiplication = scenario.components == kOfxImageComponentRGB ? kOfxImageOpaque : scenario.premultiplication;
    source->renderScale[0] = source->renderScale[1] = scenario.scale;
    source->fill([&](int x, int y) { return gradientAt(scenario, x, y); });
    instance->setInput(kOfxImageEffectSimpleSourceClipName, source);

    const OfxRectI hole = holeRect(scenario);
    switch (scenario.mask) {
    case MaskKind::Hole:
        mask = std::make_shared<TestImage>(scenario.bounds, kOfxBitDepthFloat, kOfxImageComponentAlpha,
                                           scenario.negativeRowBytes);
        mask->fill([&](int x, int y) {
            const float a = x >= hole.x1 && x < hole.x2 && y >= hole.y1 && y < hole.y2 ? 1.0f : 0.0f;
            return Rgba{a, a, a, a};
        });
        break;
    case MaskKind::TransparentBlack:
    case MaskKind::OpaqueBlack:
        mask = std::make_shared<TestImage>(scenario.bounds, scenario.depth, kOfxImageComponentRGBA, scenario.negativeRowBytes);
        mask->fill([&](int, int) { return Rgba{0, 0, 0, scenario.mask == MaskKind::OpaqueBlack ? 1.0f : 0.0f}; });
        break;
    default: break;
    }
    if (mask) mask->renderScale[0] = mask->renderScale[1] = scenario.scale;
    if (Clip* m = instance->effect().findClip("Mask"))
        instance->setInput(m->name, mask, scenario.mask != MaskKind::Unconnected);
    else
        CHECK(false, "the plugin defined no Mask clip");

    const OfxStatus created = instance->create();
    CHECK(created == kOfxStatOK, "create instance returned " << created << messagesText());

    PropertySet prefs;
    const OfxStatus st = instance->clipPreferences(prefs);
    CHECK(st == kOfxStatOK || st == kOfxStatReplyDefault, "clip preferences returned " << st);
    if (st == kOfxStatOK && prefs.has(kOfxImageEffectPropPreMultiplication))
        CHECK(prefs.getString(kOfxImageEffectPropPreMultiplication) == source->premultiplication,
              "output premultiplication " << prefs.getString(kOfxImageEffectPropPreMultiplication).value_or("?")
                                          << " differs from the source's " << source->premultiplication);

    // Full-frame RoI whatever small region the host asks about.
    PropertySet roi;
    CHECK(instance->regionsOfInterest(0, {1, 1, 2, 2}, scenario.scale, roi) == kOfxStatOK, "RoI action failed");
    OfxRectD rod{};
    imageEffectSuite()->clipGetRegionOfDefinition(instance->clip(kOfxImageEffectSimpleSourceClipName).handle(), 0, &rod);
    const auto got = roi.getDoubles(std::string(kOfxImageClipPropRoI_) + kOfxImageEffectSimpleSourceClipName);
    CHECK(got.size() == 4 && got[0] == rod.x1 && got[1] == rod.y1 && got[2] == rod.x2 && got[3] == rod.y2,
          "Source RoI is not the whole source RoD");
}

std::shared_ptr<TestImage> Rig::newOutput() const {
    auto out = std::make_shared<TestImage>(scenario.bounds, scenario.depth, scenario.components, scenario.negativeRowBytes,
                                           scenario.padBytes);
    out->premultiplication = source->premultiplication;
    out->renderScale[0] = out->renderScale[1] = scenario.scale;
    out->fillBytes(0xA5);
    return out;
}

RenderOutcome Rig::render(const std::shared_ptr<TestImage>& output, double time) {
    RenderCall call;
    call.time = time;
    call.window = scenario.window;
    call.scale[0] = call.scale[1] = scenario.scale;
    call.output = output;
    return instance->renderFrame(call);
}

std::shared_ptr<TestImage> Rig::renderOk(double time) {
    auto out = newOutput();
    const RenderOutcome r = render(out, time);
    CHECK(r.status == kOfxStatOK, "render returned " << r.status << messagesText());
    CHECK(currentHost().outstandingImages() == 0, currentHost().outstandingImages() << " images not released");
    return out;
}

void Rig::checkFilled(const TestImage& out) const {
    const OfxRectI hole = holeRect(scenario);
    const OfxRectI w = scenario.window.value_or(scenario.bounds);
    // dilate (2) + feather (2) by default, at render scale, plus a pixel of rounding.
    const int margin = static_cast<int>(std::ceil(4 * scenario.scale)) + 2;
    const TestImage sentinel = *newOutput();
    const float range = scenario.hdr ? 4.0f : 1.0f;
    // Telea on a smooth ramp: measured worst ~0.11 and mean ~0.03 (of a 0.8 range) at the centre of a 20x20
    // hole; the bounds leave room for the other diffusion methods while a wrong fill (black, the source's
    // red, a shifted image) lands far outside them.
    const float tolerance = 0.16f * range;
    const float meanTolerance = 0.05f * range;
    double worst = 0;
    double sum = 0;
    int holePixels = 0;
    for (int y = out.bounds().y1; y < out.bounds().y2; ++y) {
        for (int x = out.bounds().x1; x < out.bounds().x2; ++x) {
            const bool inWindow = x >= w.x1 && x < w.x2 && y >= w.y1 && y < w.y2;
            if (!inWindow) {
                CHECK(out.samePixelBytes(x, y, sentinel), "pixel (" << x << "," << y << ") outside the render window was written");
                continue;
            }
            const bool nearHole = x >= hole.x1 - margin && x < hole.x2 + margin && y >= hole.y1 - margin && y < hole.y2 + margin;
            if (!nearHole) {
                if (!out.samePixelBytes(x, y, *source)) {
                    const Rgba a = out.get(x, y), b = source->get(x, y);
                    const bool premult = scenario.premultiplication == kOfxImagePreMultiplied && scenario.alpha < 1;
                    // Un- and re-premultiplying float colour may move the last bit; nothing else may change.
                    bool close = premult;
                    for (int c = 0; c < 4 && close; ++c) close = std::fabs(a[c] - b[c]) <= 1e-6f * std::max(1.0f, std::fabs(b[c]));
                    CHECK(close, "pixel (" << x << "," << y << ") outside the hole changed: " << a[0] << "," << a[1] << "," << a[2] << ","
                                           << a[3] << " vs source " << b[0] << "," << b[1] << "," << b[2] << "," << b[3]);
                }
                continue;
            }
            const bool inHole = x >= hole.x1 && x < hole.x2 && y >= hole.y1 && y < hole.y2;
            if (!inHole) continue; // the soft edge: anything between source and fill is fine
            const Rgba got = out.get(x, y);
            const Rgba want = gradientAt(scenario, x, y);
            for (int c = 0; c < (scenario.components == kOfxImageComponentRGB ? 3 : 4); ++c) {
                const double e = std::fabs(got[c] - want[c]);
                worst = std::max(worst, e);
                sum += e / (scenario.components == kOfxImageComponentRGB ? 3 : 4);
            }
            ++holePixels;
        }
    }
    const double mean = holePixels > 0 ? sum / holePixels : 0;
    CHECK(holePixels > 0 || scenario.window, "the hole is empty");
    CHECK(worst <= tolerance, "hole filled too far from the gradient: worst error " << worst << " > " << tolerance);
    CHECK(mean <= meanTolerance, "hole filled too far from the gradient: mean error " << mean << " > " << meanTolerance);
    if (holePixels > 0 && scenario.hdr) {
        // HDR values above 1 must survive outside the hole (checked byte-exact above) and appear in the fill.
        bool above = false;
        for (int y = hole.y1; y < hole.y2 && !above; ++y)
            for (int x = hole.x1; x < hole.x2 && !above; ++x)
                if (out.contains(x, y) && out.get(x, y)[0] > 1.0f) above = true;
        CHECK(above, "no value above 1.0 inside the filled hole of an HDR picture");
    }
    std::printf("  hole error: worst %.4f (<= %.3f), mean %.4f (<= %.3f) over %d pixels\n", worst, tolerance, mean,
                meanTolerance, holePixels);
}

void Rig::checkUntouched(const TestImage& out) const {
    const OfxRectI w = scenario.window.value_or(scenario.bounds);
    for (int y = w.y1; y < w.y2; ++y)
        for (int x = w.x1; x < w.x2; ++x)
            CHECK(out.samePixelBytes(x, y, *source), "pixel (" << x << "," << y << ") differs from the source");
}

} // namespace ofxhost
