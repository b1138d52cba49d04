// interact_cases.cpp: the viewer overlay interact (effects.json "overlays"). It must be offered only by effects with
// on-screen handles and only to hosts that show overlays, draw each handle where its params put it (canonical
// coordinates), show or hide handles with their params, and turn pen drags into param values.
#include "gl_recorder.h"
#include "rig.h"
#include "sandbox.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace ofxhost {
namespace {

constexpr const char* kGenerativeFillId = "com.runwayml.generative-fill";
constexpr const char* kRotoscopeId = "com.runwayml.rotoscope";

OfxPluginEntryPoint overlayEntry(PluginSession& session) {
    const auto p = session.descriptor().props.getPointer(kOfxImageEffectPluginPropOverlayInteractV1);
    return p && *p != nullptr ? reinterpret_cast<OfxPluginEntryPoint>(*p) : nullptr;
}

// A host like Resolve: it shows overlays but draws no handles of its own for position params.
void installHostWithoutNativeHandles() {
    HostOptions options;
    options.nativeHandles = false;
    installHost(std::make_unique<Host>(options));
}

std::shared_ptr<PluginSession> prepared(TestContext& ctx, const char* id) {
    auto binary = loadPluginBinary(ctx.pluginPath, id);
    auto session = std::make_shared<PluginSession>(binary, binary->find(id));
    session->prepare(kOfxImageEffectContextGeneral);
    return session;
}

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

    std::vector<GlPrimitive> draw() {
        glClearRecorded();
        PropertySet in;
        fill(in, nullptr);
        const OfxStatus st = entry_(kOfxInteractActionDraw, instance_.handle(), in.handle(), nullptr);
        CHECK(st == kOfxStatOK, "draw returned " << st);
        return glRecorded();
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

bool black(const GlPrimitive& p) { return p.colour[0] == 0 && p.colour[1] == 0 && p.colour[2] == 0; }

std::vector<GlPrimitive> coloured(const std::vector<GlPrimitive>& all, unsigned mode) {
    std::vector<GlPrimitive> out;
    for (const auto& p : all)
        if (p.mode == mode && !black(p)) out.push_back(p);
    return out;
}

bool near(double a, double b) { return std::fabs(a - b) < 1e-6; }

// Whether one of the primitives is a loop through exactly these four points (any start, either direction).
bool hasRectangle(const std::vector<GlPrimitive>& loops, double x1, double y1, double x2, double y2) {
    const std::set<std::pair<double, double>> want{{x1, y1}, {x2, y1}, {x2, y2}, {x1, y2}};
    for (const auto& p : loops) {
        if (p.vertices.size() != 4) continue;
        std::set<std::pair<double, double>> got(p.vertices.begin(), p.vertices.end());
        if (got == want) return true;
    }
    return false;
}

std::vector<double> value2D(EffectInstance& instance, const std::string& name) { return instance.param(name).numbers; }

std::string text(const std::vector<double>& v) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "(%g, %g)", v.at(0), v.at(1));
    return buf;
}

} // namespace

OFX_TEST(overlay_interact_is_offered_only_by_effects_with_handles) {
    Sandbox sandbox;
    CHECK(overlayEntry(*prepared(ctx, kGenerativeFillId)) != nullptr, "generative fill offers no overlay interact");
    CHECK(overlayEntry(*prepared(ctx, kRotoscopeId)) != nullptr, "rotoscope offers no overlay interact");
    CHECK(overlayEntry(*prepared(ctx, kInpaintId)) == nullptr, "inpaint has no handles but offers an overlay");
}

OFX_TEST(overlay_interact_is_not_offered_to_hosts_without_overlays) {
    HostOptions options;
    options.overlays = false;
    installHost(std::make_unique<Host>(options));
    Sandbox sandbox;
    CHECK(overlayEntry(*prepared(ctx, kGenerativeFillId)) == nullptr,
          "an overlay was offered to a host that says it cannot show one");
}

// Canonical coordinates are the params' own values: the rectangle of centre (70, 64) and size (16, 12) spans
// x 62..78 and y 58..70 whatever the picture, render scale or pixel aspect.
OFX_TEST(overlay_draws_the_fill_shape_where_its_params_put_it_and_only_when_used) {
    installHostWithoutNativeHandles();
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);

    const auto slaved = overlay.interact().props.getStrings(kOfxInteractPropSlaveToParam);
    for (const char* name : {"center", "size", "maskSource"})
        CHECK(std::find(slaved.begin(), slaved.end(), name) != slaved.end(), "overlay is not redrawn when '" << name << "' changes");

    // Default mask source is the Mask clip: no shape to show.
    CHECK(coloured(overlay.draw(), kGlLineLoop).empty() && coloured(overlay.draw(), kGlLines).empty(),
          "handles drawn while the mask comes from the clip");

    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");
    const auto rect = overlay.draw();
    CHECK(hasRectangle(coloured(rect, kGlLineLoop), 62, 58, 78, 70), "no rectangle outline through (62,58)-(78,70)");
    CHECK(!coloured(rect, kGlLines).empty(), "no centre handle drawn");
    CHECK(std::any_of(rect.begin(), rect.end(), black), "no shadow pass: handles would vanish on bright pictures");

    instance.setParam("maskSource", "Ellipse");
    bool ellipse = false;
    for (const auto& loop : coloured(overlay.draw(), kGlLineLoop)) {
        if (loop.vertices.size() < 16) continue; // corner knobs
        ellipse = std::all_of(loop.vertices.begin(), loop.vertices.end(), [](const auto& v) {
            const double u = (v.first - 70) / 8, w = (v.second - 64) / 6;
            return std::fabs(u * u + w * w - 1) < 1e-6;
        });
    }
    CHECK(ellipse, "no ellipse outline with centre (70,64) and radii 8 x 6");
}

OFX_TEST(overlay_drags_move_the_centre_and_resize_about_the_opposite_corner) {
    installHostWithoutNativeHandles();
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");

    // Grabbed half a pixel off the centre: the centre keeps that offset from the pen.
    CHECK(overlay.pen(kOfxInteractActionPenDown, 70.5, 64.5) == kOfxStatOK, "pen down on the centre was not taken");
    CHECK(overlay.pen(kOfxInteractActionPenMotion, 80.5, 70.5) == kOfxStatOK, "drag not taken");
    CHECK(overlay.pen(kOfxInteractActionPenUp, 80.5, 70.5) == kOfxStatOK, "pen up not taken");
    CHECK(near(value2D(instance, "center")[0], 80) && near(value2D(instance, "center")[1], 70),
          "centre moved to " << text(value2D(instance, "center")) << ", want (80, 70)");
    CHECK(near(value2D(instance, "size")[0], 16) && near(value2D(instance, "size")[1], 12), "moving changed the size");

    // Top-right corner is now (88, 76); the bottom-left (72, 64) must stay put.
    CHECK(overlay.pen(kOfxInteractActionPenDown, 88, 76) == kOfxStatOK, "pen down on a corner was not taken");
    overlay.pen(kOfxInteractActionPenMotion, 92, 80);
    overlay.pen(kOfxInteractActionPenUp, 92, 80);
    CHECK(near(value2D(instance, "center")[0], 82) && near(value2D(instance, "center")[1], 72),
          "resized centre " << text(value2D(instance, "center")) << ", want (82, 72)");
    CHECK(near(value2D(instance, "size")[0], 20) && near(value2D(instance, "size")[1], 16),
          "resized size " << text(value2D(instance, "size")) << ", want (20, 16)");
    CHECK(overlay.interact().redraws > 0, "no redraw asked while dragging");

    // Far from every handle the pen belongs to the host.
    CHECK(overlay.pen(kOfxInteractActionPenDown, 10, 10) == kOfxStatReplyDefault, "a click on empty picture was swallowed");
    CHECK(overlay.pen(kOfxInteractActionPenMotion, 20, 20) == kOfxStatReplyDefault, "a hover move was swallowed");
    CHECK(near(value2D(instance, "center")[0], 82), "a click away from the handles moved the shape");
}

OFX_TEST(overlay_shows_rotoscope_points_when_enabled_in_their_role_colour_and_drags_them) {
    installHostWithoutNativeHandles();
    Sandbox sandbox;
    auto session = prepared(ctx, kRotoscopeId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    CHECK(coloured(overlay.draw(), kGlLines).empty(), "handles drawn while no hint is enabled");

    instance.setParam("positivePoint1Enabled", "1");
    instance.setParam("positivePoint1", "30,40");
    instance.setParam("negativePoint1Enabled", "1");
    instance.setParam("negativePoint1", "100,20");
    const auto crosses = coloured(overlay.draw(), kGlLines);
    const auto centredAt = [&](double x, double y, bool green) {
        return std::any_of(crosses.begin(), crosses.end(), [&](const GlPrimitive& p) {
            const bool colour = green ? p.colour[1] > p.colour[0] : p.colour[0] > p.colour[1];
            double sx = 0, sy = 0;
            for (const auto& v : p.vertices) {
                sx += v.first;
                sy += v.second;
            }
            const auto n = static_cast<double>(p.vertices.size());
            return colour && n > 0 && near(sx / n, x) && near(sy / n, y);
        });
    };
    CHECK(centredAt(30, 40, true), "no green (include) handle at the positive point (30, 40)");
    CHECK(centredAt(100, 20, false), "no red (exclude) handle at the negative point (100, 20)");

    CHECK(overlay.pen(kOfxInteractActionPenDown, 101, 21) == kOfxStatOK, "pen down on the negative point not taken");
    overlay.pen(kOfxInteractActionPenMotion, 111, 26);
    overlay.pen(kOfxInteractActionPenUp, 111, 26);
    CHECK(near(value2D(instance, "negativePoint1")[0], 110) && near(value2D(instance, "negativePoint1")[1], 25),
          "negative point moved to " << text(value2D(instance, "negativePoint1")) << ", want (110, 25)");
    CHECK(near(value2D(instance, "positivePoint1")[0], 30), "dragging one point moved another");
}

// Nuke-like hosts draw and drag position params themselves: the overlay adds only what they cannot show (the
// outline and its corner knobs), so there are never two handles for one point.
OFX_TEST(overlay_leaves_points_to_hosts_with_native_handles_and_keeps_outlines) {
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");
    const auto drawn = overlay.draw();
    CHECK(hasRectangle(coloured(drawn, kGlLineLoop), 62, 58, 78, 70), "outline missing on a host with native handles");
    CHECK(coloured(drawn, kGlLines).empty(), "a centre cross drawn over the host's own handle");
    CHECK(overlay.pen(kOfxInteractActionPenDown, 70, 64) == kOfxStatReplyDefault, "the centre was grabbed from the host's handle");
    CHECK(overlay.pen(kOfxInteractActionPenDown, 78, 70) == kOfxStatOK, "corner resize not offered");
    overlay.pen(kOfxInteractActionPenMotion, 82, 74);
    overlay.pen(kOfxInteractActionPenUp, 82, 74);
    CHECK(near(value2D(instance, "size")[0], 20) && near(value2D(instance, "size")[1], 16),
          "corner drag gave size " << text(value2D(instance, "size")) << ", want (20, 16)");
}

} // namespace ofxhost
