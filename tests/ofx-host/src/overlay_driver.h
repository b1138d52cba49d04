// overlay_driver.h: driving a plugin's overlay interact the way a host's viewer does (describe, create, draw, pen
// events), and reading what it drew. Shared by the interact cases and the no-OpenGL host (nogl_cases.cpp).
#pragma once

#include "draw_recorder.h"
#include "gl_recorder.h"
#include "rig.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ofxhost {

constexpr const char* kGenerativeFillId = "com.runwayml.generative-fill";
constexpr const char* kRotoscopeId = "com.runwayml.rotoscope";

/// The overlay interact entry point a described effect offers, or NULL.
OfxPluginEntryPoint overlayEntry(PluginSession& session);

/// A host like Resolve: it shows overlays but draws no handles of its own for position params. With `drawSuite` it
/// is an OFX 1.5 host that also offers the draw suite.
void installHostWithoutNativeHandles(bool drawSuite = false);

/// The plugin `id` loaded and described in the General context.
std::shared_ptr<PluginSession> prepared(TestContext& ctx, const char* id);

/// What a host puts in the inArgs of an interact action. Cases leave parts out or make them odd.
struct ActionArgs {
    bool effect = true; // kOfxPropEffectInstance
    std::optional<double> time = 0.0;
    std::optional<std::array<double, 2>> renderScale = std::array<double, 2>{1.0, 1.0};
    std::optional<std::array<double, 2>> pixelScale = std::array<double, 2>{1.0, 1.0};
};

/// How one draw action is run.
struct DrawOptions {
    bool drawContext = false;          // pass a live draw context (kOfxInteractPropDrawContext)
    Theme theme = Theme::Distinctive;  // how that context answers getColour
    bool mayDecline = false;           // unless set, the plugin must answer OK (it drew)
    bool nullInArgs = false;           // no inArgs at all
    ActionArgs args;
};

// One overlay interact instance over one effect instance, driven the way a host's viewer does.
class Overlay {
public:
    Overlay(OfxPluginEntryPoint entry, EffectInstance& effect) : entry_(entry), effect_(effect) {
        CHECK(entry_(kOfxActionDescribe, descriptor_.handle(), nullptr, nullptr) == kOfxStatOK, "interact describe failed");
        instance_.props.setPointer(kOfxPropEffectInstance, effect.effect().handle());
        instance_.props.setDouble(kOfxInteractPropPixelScale, {1.0, 1.0});
        CHECK(entry_(kOfxActionCreateInstance, instance_.handle(), nullptr, nullptr) == kOfxStatOK, "interact create failed");
    }
    ~Overlay() { entry_(kOfxActionDestroyInstance, instance_.handle(), nullptr, nullptr); }
    Overlay(const Overlay&) = delete;
    Overlay& operator=(const Overlay&) = delete;

    Interact& interact() { return instance_; }

    /// One draw action without a draw context: what reached OpenGL.
    std::vector<GlPrimitive> draw() { return drawFrame(false).gl; }

    /// What one draw action returned and drew: through OpenGL, and through the draw suite into the context it was
    /// given.
    struct Frame {
        OfxStatus status = kOfxStatOK;
        std::vector<GlPrimitive> gl;
        int glCalls = 0;
        std::vector<DrawnPrimitive> suite;
        int suiteRejected = 0;
        bool suiteWidthFirst = false;
        std::vector<DrawnText> texts;
        int colourRequests = 0;
    };

    /// Runs the draw action, with a live draw context in the inArgs when `withDrawContext` (as OFX 1.5 hosts with
    /// the draw suite do). Unless `mayDecline`, the plugin must answer OK (it drew).
    Frame drawFrame(bool withDrawContext, bool mayDecline = false) {
        DrawOptions o;
        o.drawContext = withDrawContext;
        o.mayDecline = mayDecline;
        return drawFrame(o);
    }

    Frame drawFrame(const DrawOptions& o) {
        glClearRecorded();
        DrawContext context(o.theme);
        PropertySet in;
        fill(in, o.args, std::nullopt);
        if (o.drawContext) in.setPointer(kOfxInteractPropDrawContext, context.handle());
        context.open();
        const OfxStatus st = entry_(kOfxInteractActionDraw, instance_.handle(), o.nullInArgs ? nullptr : in.handle(), nullptr);
        context.close();
        CHECK(o.mayDecline || st == kOfxStatOK, "draw returned " << st);
        return {st,
                glRecorded(),
                glCalls(),
                context.primitives(),
                context.rejected(),
                context.widthSetBeforeDrawing(),
                context.texts(),
                context.colourRequests()};
    }

    OfxStatus pen(const char* action, double x, double y) { return pen(action, std::make_pair(x, y)); }

    /// A pen action at `at`, or with no pen position at all when `at` is empty.
    OfxStatus pen(const char* action, std::optional<std::pair<double, double>> at, const ActionArgs& args = {}) {
        PropertySet in;
        fill(in, args, at);
        return entry_(action, instance_.handle(), in.handle(), nullptr);
    }

private:
    void fill(PropertySet& in, const ActionArgs& args, std::optional<std::pair<double, double>> pen) {
        if (args.effect) in.setPointer(kOfxPropEffectInstance, effect_.effect().handle());
        if (args.time) in.setDouble(kOfxPropTime, {*args.time});
        if (args.renderScale) in.setDouble(kOfxImageEffectPropRenderScale, {(*args.renderScale)[0], (*args.renderScale)[1]});
        if (args.pixelScale) in.setDouble(kOfxInteractPropPixelScale, {(*args.pixelScale)[0], (*args.pixelScale)[1]});
        in.setDouble(kOfxInteractPropBackgroundColour, {0.0, 0.0, 0.0});
        if (pen) {
            in.setDouble(kOfxInteractPropPenPosition, {pen->first, pen->second});
            in.setDouble(kOfxInteractPropPenPressure, {1.0});
        }
    }

    OfxPluginEntryPoint entry_;
    EffectInstance& effect_;
    Interact descriptor_;
    Interact instance_;
};

/// Whether a primitive is drawn in black (the shadow pass in the plugin's own colours).
bool black(const GlPrimitive& p);
/// Whether a primitive is drawn in exactly this colour.
bool inColour(const GlPrimitive& p, const OfxRGBAColourF& c);
/// Same primitives in the same order with the same vertices, whatever their colours.
bool sameGeometry(const std::vector<GlPrimitive>& a, const std::vector<GlPrimitive>& b);
/// Whether every vertex of every primitive is a finite number.
bool allFinite(const std::vector<GlPrimitive>& all);
/// The texts drawn with exactly this string.
std::vector<DrawnText> textsSaying(const std::vector<DrawnText>& texts, const std::string& s);
bool sameColour(const OfxRGBAColourF& a, const OfxRGBAColourF& b);
/// Whether a label saying `s` was drawn within `reach` canonical units of (x, y) in the Distinctive theme's text
/// colour (so not a shadow copy).
bool labelNear(const std::vector<DrawnText>& texts, const std::string& s, double x, double y, double reach = 20);
/// "'a' 'b' ..." for failure messages.
std::string allTexts(const std::vector<DrawnText>& texts);
/// Draw-suite primitives in the OpenGL recorder's terms, so one set of checks reads both paths. Primitives with no
/// OpenGL line equivalent keep a mode no check looks for.
std::vector<GlPrimitive> asGl(const std::vector<DrawnPrimitive>& drawn);
/// Same primitives in the same order, colours and vertices.
bool sameDrawing(const std::vector<GlPrimitive>& a, const std::vector<GlPrimitive>& b);
/// The primitives of one mode that are not shadows.
std::vector<GlPrimitive> coloured(const std::vector<GlPrimitive>& all, unsigned mode);
bool near(double a, double b);
/// The colours of the crosses (point handles, shadows left out) centred at (x, y).
std::vector<std::array<float, 4>> crossColoursAt(const std::vector<GlPrimitive>& all, double x, double y);
/// Whether a cross centred at (x, y) was drawn in the include (green) or exclude (red) colour.
bool hasCrossAt(const std::vector<GlPrimitive>& all, double x, double y, bool green);
/// Whether some loop of at least 16 points lies on the ellipse of centre (cx, cy) and radii rx, ry (corner knobs
/// are 4-point loops).
bool hasEllipse(const std::vector<GlPrimitive>& all, double cx, double cy, double rx, double ry);
/// Whether one of the primitives is a loop through exactly these four points (any start, either direction).
bool hasRectangle(const std::vector<GlPrimitive>& loops, double x1, double y1, double x2, double y2);
std::vector<double> value2D(EffectInstance& instance, const std::string& name);
/// "(x, y)" for failure messages.
std::string text(const std::vector<double>& v);

} // namespace ofxhost
