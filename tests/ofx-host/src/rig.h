// rig.h: the standard conformance set-up shared by the cases: the inpaint effect over a smooth gradient
// with a rectangular hole in its mask, in any layout the cases ask for, and the pixel checks that go with it.
#pragma once

#include "session.h"
#include "testing.h"

#include <memory>
#include <optional>
#include <string>

namespace ofxhost {

constexpr const char* kInpaintId = "com.runwayml.inpaint";

enum class MaskKind {
    Hole,             // alpha 1 inside the hole, 0 elsewhere
    Missing,          // connected, but the host hands over a NULL image
    Unconnected,      // nothing plugged in
    TransparentBlack, // connected, all zero
    OpaqueBlack,      // connected, RGBA (0,0,0,1)
};

struct Scenario {
    std::string depth = kOfxBitDepthFloat;
    std::string components = kOfxImageComponentRGBA;
    bool negativeRowBytes = false;
    int padBytes = 0;
    OfxRectI bounds{0, 0, 96, 64};
    double scale = 1.0;
    std::optional<OfxRectI> window;
    MaskKind mask = MaskKind::Hole;
    bool hdr = false;
    std::string premultiplication = kOfxImageUnPreMultiplied;
    float alpha = 1.0f;
    // Hole as fractions of the bounds: x1, y1, x2, y2.
    double hole[4] = {0.40, 0.35, 0.60, 0.65};
    std::string context = kOfxImageEffectContextGeneral;
    std::string effectId = kInpaintId;
};

/// The smooth test picture at pixel (x, y) of `s` (HDR: values up to 4).
Rgba gradientAt(const Scenario& s, int x, int y);
OfxRectI holeRect(const Scenario& s);

/// A loaded plugin, one instance with Source and Mask set up as the scenario says, created and with clip
/// preferences negotiated.
class Rig {
public:
    /// Loads the plugin from `pluginPath` (default: the test's OFX_PLUGIN_PATH), or reuses `shared` so
    /// several instances come from one loaded plugin as in a real host.
    Rig(TestContext& ctx, Scenario scenario, const std::string& pluginPath = {},
        std::shared_ptr<PluginSession> shared = nullptr);
    Scenario scenario;
    std::shared_ptr<PluginBinary> binary;
    std::shared_ptr<PluginSession> session;
    std::unique_ptr<EffectInstance> instance;
    std::shared_ptr<TestImage> source;
    std::shared_ptr<TestImage> mask;

    /// A fresh output image in the scenario's layout, every byte 0xA5 so stray writes show.
    std::shared_ptr<TestImage> newOutput() const;
    RenderOutcome render(const std::shared_ptr<TestImage>& output, double time = 0);
    /// Render and require success (the failure message names the plugin's messages).
    std::shared_ptr<TestImage> renderOk(double time = 0);
    /// Checks an output of the hole scenario: outside the window untouched, outside the hole (plus a margin
    /// for dilate/feather) byte-identical to the source, inside the hole close to the gradient.
    void checkFilled(const TestImage& output) const;
    /// Checks that the output equals the source byte for byte inside the window (nothing to fill).
    void checkUntouched(const TestImage& output) const;
};

/// All messages the plugin posted so far, one per line, for failure reports.
std::string messagesText();

} // namespace ofxhost
