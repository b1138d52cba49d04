// overlay_driver.h: driving a plugin's overlay interact the way a host's viewer does (describe, create, draw, pen
// events), and reading what it drew. Shared by the interact cases and the no-OpenGL host (nogl_cases.cpp).
#pragma once

#include "draw_recorder.h"
#include "gl_recorder.h"
#include "rig.h"

#include <array>
#include <memory>
#include <string>
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
    };

    /// Runs the draw action, with a live draw context in the inArgs when `withDrawContext` (as OFX 1.5 hosts with
    /// the draw suite do). Unless `mayDecline`, the plugin must answer OK (it drew).
    Frame drawFrame(bool withDrawContext, bool mayDecline = false) {
        glClearRecorded();
        DrawContext context;
        PropertySet in;
        fill(in, nullptr);
        if (withDrawContext) in.setPointer(kOfxInteractPropDrawContext, context.handle());
        context.open();
        const OfxStatus st = entry_(kOfxInteractActionDraw, instance_.handle(), in.handle(), nullptr);
        context.close();
        CHECK(mayDecline || st == kOfxStatOK, "draw returned " << st);
        return {st, glRecorded(), glCalls(), context.primitives(), context.rejected(), context.widthSetBeforeDrawing()};
    }

    OfxStatus pen(const char* action, double x, double y) {
        PropertySet in;
        const double at[2] = {x, y};
        fill(in, at);
        return entry_(action, instance_.handle(), in.handle(), nullptr);
    }

private:
    void fill(PropertySet& in, const double* pen) {
        in.setPointer(kOfxPropEffectInstance, effect_.effect().handle());
        in.setDouble(kOfxPropTime, {0.0});
        in.setDouble(kOfxImageEffectPropRenderScale, {1.0, 1.0});
        in.setDouble(kOfxInteractPropPixelScale, {1.0, 1.0});
        in.setDouble(kOfxInteractPropBackgroundColour, {0.0, 0.0, 0.0});
        if (pen != nullptr) {
            in.setDouble(kOfxInteractPropPenPosition, {pen[0], pen[1]});
            in.setDouble(kOfxInteractPropPenPressure, {1.0});
        }
    }

    OfxPluginEntryPoint entry_;
    EffectInstance& effect_;
    Interact descriptor_;
    Interact instance_;
};

/// Whether a primitive is drawn in black (the shadow pass).
bool black(const GlPrimitive& p);
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
