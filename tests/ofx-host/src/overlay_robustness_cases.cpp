// overlay_robustness_cases.cpp: the viewer overlay under odd input. Hosts send interact actions with parts of the
// inArgs missing, params hold NaN or absurd values after a bad expression or a broken project, values cannot always
// be read, and viewers run at reduced render scale. None of that may crash the host, draw non-finite vertices (a
// strict host rejects them; others streak lines across the viewer), or write garbage into params. Every case checks
// both ways of drawing: the draw suite (whose recorder rejects non-finite points) and OpenGL.
#include "overlay_driver.h"
#include "sandbox.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ofxhost {
namespace {

/// One draw through the suite and one through OpenGL; both must be finite and accepted by the strict recorder.
struct BothWays {
    Overlay::Frame suite;
    Overlay::Frame gl;
};

BothWays drawBothWays(Overlay& overlay, DrawOptions options = {}) {
    options.drawContext = true;
    BothWays both;
    both.suite = overlay.drawFrame(options);
    options.drawContext = false;
    both.gl = overlay.drawFrame(options);
    CHECK(both.suite.suiteRejected == 0,
          both.suite.suiteRejected << " draw suite calls rejected (non-finite point, bad count or text)");
    CHECK(allFinite(asGl(both.suite.suite)), "a non-finite vertex reached the draw suite");
    CHECK(allFinite(both.gl.gl), "a non-finite vertex reached OpenGL");
    return both;
}

bool drewNothing(const BothWays& both) { return both.suite.suite.empty() && both.suite.texts.empty() && both.gl.gl.empty(); }

struct FillRig {
    explicit FillRig(TestContext& ctx, const char* id = kGenerativeFillId)
        : session(prepared(ctx, id)), instance(*session) {
        CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
        overlay = std::make_unique<Overlay>(overlayEntry(*session), instance);
    }
    std::shared_ptr<PluginSession> session;
    EffectInstance instance;
    std::unique_ptr<Overlay> overlay;
};

void showRectangle(EffectInstance& instance) {
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");
}

} // namespace

// Rotoscope with no rectangle and no points enabled (its defaults): nothing to draw, and every pen event belongs to
// the host.
OFX_TEST(overlay_with_no_rectangle_and_no_points_draws_nothing_and_leaves_the_pen_to_the_host) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    FillRig rig(ctx, kRotoscopeId);
    const auto both = drawBothWays(*rig.overlay);
    CHECK(drewNothing(both), "drew " << both.suite.suite.size() << " suite primitives, " << both.suite.texts.size()
                                     << " texts and " << both.gl.gl.size() << " GL primitives with no handle enabled");
    for (const auto& at : {std::make_pair(0.0, 0.0), std::make_pair(960.0, 540.0), std::make_pair(1e9, -1e9)}) {
        CHECK(rig.overlay->pen(kOfxInteractActionPenDown, at.first, at.second) == kOfxStatReplyDefault,
              "a pen down at (" << at.first << ", " << at.second << ") was taken with no handle shown");
        CHECK(rig.overlay->pen(kOfxInteractActionPenMotion, at.first, at.second) == kOfxStatReplyDefault,
              "a hover move was swallowed");
        CHECK(rig.overlay->pen(kOfxInteractActionPenUp, at.first, at.second) == kOfxStatReplyDefault, "a pen up was swallowed");
    }
}

// Params at NaN, infinity or 1e300 (a bad expression, a corrupt project): those handles are neither drawn nor
// grabbable; the sane ones still are.
OFX_TEST(overlay_skips_handles_at_nan_infinite_or_absurd_positions) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    FillRig rig(ctx, kRotoscopeId);
    EffectInstance& instance = rig.instance;
    instance.setParam("useRect", "1");
    instance.setParam("rectCentre", "nan,64");
    instance.setParam("rectSize", "16,12");
    instance.setParam("positivePoint1Enabled", "1");
    instance.setParam("positivePoint1", "inf,40");
    instance.setParam("positivePoint2Enabled", "1");
    instance.setParam("positivePoint2", "1e300,-1e300");
    instance.setParam("negativePoint1Enabled", "1");
    instance.setParam("negativePoint1", "100,20");

    const auto both = drawBothWays(*rig.overlay);
    CHECK(hasCrossAt(asGl(both.suite.suite), 100, 20, false) && hasCrossAt(both.gl.gl, 100, 20, false),
          "the one sane handle (negative point at (100, 20)) is missing");
    CHECK(textsSaying(both.suite.texts, "+").empty() && textsSaying(both.suite.texts, "16 x 12").empty(),
          "labels drawn for handles with no real position");
    CHECK(!textsSaying(both.suite.texts, "-").empty(), "the sane point lost its label");

    // The rectangle with a NaN centre must not turn up at 0 (what an unread double often is) or anywhere else.
    CHECK(rig.overlay->pen(kOfxInteractActionPenDown, 0, 64) == kOfxStatReplyDefault, "grabbed a rectangle with a NaN centre");
    CHECK(rig.overlay->pen(kOfxInteractActionPenDown, 100, 20) == kOfxStatOK, "the sane point cannot be grabbed");
    rig.overlay->pen(kOfxInteractActionPenMotion, 110, 25);
    rig.overlay->pen(kOfxInteractActionPenUp, 110, 25);
    CHECK(near(value2D(instance, "negativePoint1")[0], 110) && near(value2D(instance, "negativePoint1")[1], 25),
          "negative point moved to " << text(value2D(instance, "negativePoint1")) << ", want (110, 25)");
    CHECK(std::isnan(value2D(instance, "rectCentre")[0]) && std::isinf(value2D(instance, "positivePoint1")[0]),
          "the overlay rewrote params it could not show");

    // A finite centre with a NaN size hides the box as well.
    instance.setParam("rectCentre", "70,64");
    instance.setParam("rectSize", "16,nan");
    const auto sized = drawBothWays(*rig.overlay);
    // Anything drawn around the box (centre (70, 64), corners 62..78 x 58..70, knobs 4 further out) is the box.
    const auto aroundTheBox = [](const GlPrimitive& p) {
        return std::any_of(p.vertices.begin(), p.vertices.end(),
                           [](const auto& v) { return v.first >= 54 && v.first <= 86 && v.second >= 50 && v.second <= 78; });
    };
    CHECK(std::none_of(sized.gl.gl.begin(), sized.gl.gl.end(), aroundTheBox), "a box with a NaN size was drawn");
    CHECK(textsSaying(sized.suite.texts, "16 x nan").empty() && textsSaying(sized.suite.texts, "16 x 12").empty(),
          "a box with a NaN size was labelled");
}

// A pen event whose position is missing, NaN or infinite moves nothing: no grab, and a drag in progress keeps the
// values it had until a real position comes.
OFX_TEST(overlay_ignores_pen_events_without_a_usable_position) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    FillRig rig(ctx);
    showRectangle(rig.instance);
    Overlay& overlay = *rig.overlay;
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();

    CHECK(overlay.pen(kOfxInteractActionPenDown, std::nullopt) == kOfxStatReplyDefault, "pen down with no position was taken");
    CHECK(overlay.pen(kOfxInteractActionPenDown, nan, 64) == kOfxStatReplyDefault, "pen down at NaN was taken");
    CHECK(overlay.pen(kOfxInteractActionPenDown, inf, inf) == kOfxStatReplyDefault, "pen down at infinity was taken");
    CHECK(overlay.pen(kOfxInteractActionPenMotion, nan, nan) == kOfxStatReplyDefault, "a NaN hover was swallowed");

    CHECK(overlay.pen(kOfxInteractActionPenDown, 70, 64) == kOfxStatOK, "pen down on the centre was not taken");
    overlay.pen(kOfxInteractActionPenMotion, nan, 64);
    overlay.pen(kOfxInteractActionPenMotion, 80, inf);
    overlay.pen(kOfxInteractActionPenMotion, std::nullopt);
    CHECK(near(value2D(rig.instance, "center")[0], 70) && near(value2D(rig.instance, "center")[1], 64),
          "a pen motion without a usable position moved the centre to " << text(value2D(rig.instance, "center")));
    overlay.pen(kOfxInteractActionPenMotion, 75, 66);
    CHECK(overlay.pen(kOfxInteractActionPenUp, nan, nan) == kOfxStatOK, "pen up at NaN did not end the drag");
    CHECK(near(value2D(rig.instance, "center")[0], 75) && near(value2D(rig.instance, "center")[1], 66),
          "the drag resumed at the next real position: centre " << text(value2D(rig.instance, "center")) << ", want (75, 66)");
    CHECK(near(value2D(rig.instance, "size")[0], 16) && near(value2D(rig.instance, "size")[1], 12), "moving changed the size");
}

// Missing or odd inArgs: none at all, no effect instance, no time or scales, zero/NaN/infinite pixel scale, NaN
// time; an interact the host never created; an effect instance the plugin never created.
OFX_TEST(overlay_actions_with_missing_or_odd_args_neither_crash_nor_misdraw) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    FillRig rig(ctx);
    showRectangle(rig.instance);
    Overlay& overlay = *rig.overlay;
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();

    DrawOptions none;
    none.nullInArgs = true;
    none.mayDecline = true;
    CHECK(drawBothWays(overlay, none).suite.status == kOfxStatReplyDefault, "draw with no inArgs did not decline");

    DrawOptions noEffect;
    noEffect.mayDecline = true;
    noEffect.args.effect = false;
    const auto orphan = drawBothWays(overlay, noEffect);
    CHECK(orphan.suite.status == kOfxStatReplyDefault && drewNothing(orphan), "drew with no effect instance in the inArgs");
    ActionArgs penNoEffect;
    penNoEffect.effect = false;
    CHECK(overlay.pen(kOfxInteractActionPenDown, std::make_pair(70.0, 64.0), penNoEffect) == kOfxStatReplyDefault,
          "pen down with no effect instance was taken");

    // Without time and scales the defaults (time 0, one canonical unit a pixel) draw what the full args draw.
    const auto reference = drawBothWays(overlay);
    DrawOptions bare;
    bare.args.time.reset();
    bare.args.renderScale.reset();
    bare.args.pixelScale.reset();
    const auto defaults = drawBothWays(overlay, bare);
    CHECK(sameDrawing(reference.gl.gl, defaults.gl.gl) && sameDrawing(asGl(reference.suite.suite), asGl(defaults.suite.suite)),
          "missing time or scales changed the drawing");
    for (const auto& scale : {std::array<double, 2>{0, 0}, std::array<double, 2>{-1, -2}, std::array<double, 2>{nan, nan},
                              std::array<double, 2>{inf, 1}}) {
        DrawOptions odd;
        odd.args.pixelScale = scale;
        const auto drawn = drawBothWays(overlay, odd);
        CHECK(sameDrawing(reference.gl.gl, drawn.gl.gl), "pixel scale (" << scale[0] << ", " << scale[1]
                                                                        << ") was not treated as one unit a pixel");
    }
    DrawOptions nanTime;
    nanTime.args.time = nan;
    CHECK(sameDrawing(reference.gl.gl, drawBothWays(overlay, nanTime).gl.gl), "a NaN time changed the drawing");

    // The host draws with an interact it never announced with CreateInstance: draw it, keep no state.
    Interact stranger;
    PropertySet in;
    in.setPointer(kOfxPropEffectInstance, rig.instance.effect().handle());
    in.setDouble(kOfxInteractPropPixelScale, {1.0, 1.0});
    const OfxPluginEntryPoint entry = overlayEntry(*rig.session);
    glClearRecorded();
    CHECK(entry(kOfxInteractActionDraw, stranger.handle(), in.handle(), nullptr) == kOfxStatOK, "draw for an unknown interact failed");
    CHECK(hasRectangle(coloured(glRecorded(), kGlLineLoop), 62, 58, 78, 70), "draw for an unknown interact drew no rectangle");
    CHECK(entry(kOfxInteractActionPenUp, stranger.handle(), in.handle(), nullptr) == kOfxStatReplyDefault,
          "pen up with no drag was taken");
    CHECK(entry("OfxInteractActionNoSuchThing", stranger.handle(), in.handle(), nullptr) == kOfxStatReplyDefault,
          "an unknown action was not declined");

    // An effect instance the plugin never created has no Runway data: nothing to show, no error.
    EffectInstance uncreated(*rig.session);
    Overlay ghost(overlayEntry(*rig.session), uncreated);
    DrawOptions decline;
    decline.mayDecline = true;
    const auto ghostly = drawBothWays(ghost, decline);
    CHECK(ghostly.suite.status == kOfxStatReplyDefault && drewNothing(ghostly),
          "draw over an uncreated instance returned " << ghostly.suite.status);
    CHECK(ghost.pen(kOfxInteractActionPenDown, 70, 64) == kOfxStatReplyDefault, "pen down over an uncreated instance was taken");
}

// A viewer at half resolution: render scale 0.5 and two canonical units a screen pixel. Params are canonical, so
// the outline stays where it is; knobs and grab distances are screen pixels, so they double in canonical units.
OFX_TEST(overlay_at_render_scale_half_draws_and_drags_in_canonical_coordinates) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    FillRig rig(ctx);
    showRectangle(rig.instance);
    Overlay& overlay = *rig.overlay;

    DrawOptions half;
    half.args.renderScale = std::array<double, 2>{0.5, 0.5};
    const auto full = drawBothWays(overlay);
    const auto atHalf = drawBothWays(overlay, half);
    CHECK(sameDrawing(full.gl.gl, atHalf.gl.gl), "render scale 0.5 alone changed the drawing (params are canonical)");

    half.args.pixelScale = std::array<double, 2>{2.0, 2.0};
    const auto zoomedOut = drawBothWays(overlay, half);
    for (const auto& drawn : {zoomedOut.gl.gl, asGl(zoomedOut.suite.suite)}) {
        CHECK(hasRectangle(drawn, 62, 58, 78, 70), "the outline moved at render scale 0.5");
        // The knob on the corner (62, 58): 4 screen pixels each side = 8 canonical units.
        CHECK(hasRectangle(drawn, 54, 50, 70, 66), "corner knob not 16 canonical units wide at pixel scale 2");
    }
    CHECK(labelNear(zoomedOut.suite.texts, "16 x 12", 62, 70, 30), "size label missing at render scale 0.5");

    // 10 canonical units right of the top-right corner: 10 screen pixels at scale 1 (out of reach), 5 at scale 2.
    CHECK(overlay.pen(kOfxInteractActionPenDown, 88, 70) == kOfxStatReplyDefault, "grabbed from 10 screen pixels away");
    ActionArgs zoomArgs;
    zoomArgs.renderScale = std::array<double, 2>{0.5, 0.5};
    zoomArgs.pixelScale = std::array<double, 2>{2.0, 2.0};
    CHECK(overlay.pen(kOfxInteractActionPenDown, std::make_pair(88.0, 70.0), zoomArgs) == kOfxStatOK,
          "the corner 5 screen pixels away was not grabbed at pixel scale 2");
    overlay.pen(kOfxInteractActionPenMotion, std::make_pair(82.0, 74.0), zoomArgs);
    overlay.pen(kOfxInteractActionPenUp, std::make_pair(82.0, 74.0), zoomArgs);
    CHECK(near(value2D(rig.instance, "center")[0], 72) && near(value2D(rig.instance, "center")[1], 66),
          "resized centre " << text(value2D(rig.instance, "center")) << ", want (72, 66): values must stay canonical");
    CHECK(near(value2D(rig.instance, "size")[0], 20) && near(value2D(rig.instance, "size")[1], 16),
          "resized size " << text(value2D(rig.instance, "size")) << ", want (20, 16)");
}

// The host cannot read a param (paramGetValueAtTime fails): its handle is hidden rather than drawn at whatever the
// unread double held, and a failing visibility param hides the handles it gates.
OFX_TEST(overlay_hides_handles_whose_params_the_host_cannot_read) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    FillRig rig(ctx);
    showRectangle(rig.instance);

    rig.instance.param("center").unreadable = true;
    const auto noCentre = drawBothWays(*rig.overlay);
    CHECK(drewNothing(noCentre), "drew a rectangle whose centre cannot be read");
    CHECK(rig.overlay->pen(kOfxInteractActionPenDown, 70, 64) == kOfxStatReplyDefault, "grabbed a handle whose centre cannot be read");
    CHECK(rig.overlay->pen(kOfxInteractActionPenDown, 0, 0) == kOfxStatReplyDefault, "grabbed a handle at the unread origin");
    rig.instance.param("center").unreadable = false;

    rig.instance.param("size").unreadable = true;
    CHECK(drewNothing(drawBothWays(*rig.overlay)), "drew a rectangle whose size cannot be read");
    rig.instance.param("size").unreadable = false;

    rig.instance.param("maskSource").unreadable = true;
    CHECK(drewNothing(drawBothWays(*rig.overlay)), "drew a rectangle whose visibility cannot be read");
    rig.instance.param("maskSource").unreadable = false;
    CHECK(hasRectangle(coloured(drawBothWays(*rig.overlay).gl.gl, kGlLineLoop), 62, 58, 78, 70),
          "the rectangle did not come back once its params could be read");
}

// A zero or negative size is an odd but finite box: it is drawn (finite, no rejected calls), labelled with its
// size, and a corner can grow it back.
OFX_TEST(overlay_draws_zero_and_negative_sizes_finitely_and_lets_them_grow) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    FillRig rig(ctx);
    showRectangle(rig.instance);

    rig.instance.setParam("size", "-16,-12");
    const auto negative = drawBothWays(*rig.overlay);
    CHECK(hasRectangle(coloured(negative.gl.gl, kGlLineLoop), 62, 58, 78, 70), "a negative size is not drawn as its box");
    CHECK(!textsSaying(negative.suite.texts, "16 x 12").empty(), "the negative size's label is missing");

    rig.instance.setParam("size", "0,0");
    const auto zero = drawBothWays(*rig.overlay);
    CHECK(!textsSaying(zero.suite.texts, "0 x 0").empty(), "a zero size has no label");
    // Its corners sit on its centre; a grab there takes a corner, so the drag grows the box about the centre point.
    CHECK(rig.overlay->pen(kOfxInteractActionPenDown, 70, 64) == kOfxStatOK, "the zero-size box cannot be grabbed");
    rig.overlay->pen(kOfxInteractActionPenMotion, 80, 70);
    rig.overlay->pen(kOfxInteractActionPenUp, 80, 70);
    CHECK(near(value2D(rig.instance, "size")[0], 10) && near(value2D(rig.instance, "size")[1], 6) &&
              near(value2D(rig.instance, "center")[0], 75) && near(value2D(rig.instance, "center")[1], 67),
          "dragging the zero-size box gave size " << text(value2D(rig.instance, "size")) << " and centre "
                                                  << text(value2D(rig.instance, "center")) << ", want (10, 6) about (75, 67)");
}

} // namespace ofxhost
