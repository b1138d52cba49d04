// interact_cases.cpp: the viewer overlay interact (effects.json "overlays"). It must be offered only by effects with
// on-screen handles and only to hosts that show overlays, draw each handle where its params put it (canonical
// coordinates), show or hide handles with their params, and turn pen drags into param values. It draws through the
// host's OFX 1.5 draw suite when the host passes a draw context, and through the host's OpenGL otherwise; through the
// suite it takes the host's theme colours (getColour, our own when that fails) and labels handles (drawText).
// Odd input (NaN params, missing inArgs, render scale 0.5 ...) is in overlay_robustness_cases.cpp.
#include "overlay_driver.h"
#include "sandbox.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace ofxhost {

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
    CHECK(hasEllipse(overlay.draw(), 70, 64, 8, 6), "no ellipse outline with centre (70,64) and radii 8 x 6");
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
    const auto points = overlay.draw();
    CHECK(hasCrossAt(points, 30, 40, true), "no green (include) handle at the positive point (30, 40)");
    CHECK(hasCrossAt(points, 100, 20, false), "no red (exclude) handle at the negative point (100, 20)");

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

// ------------------------------------------------------------------------------------------ OFX 1.5 draw suite

// An OFX 1.5 host that passes a draw context gets every handle through its draw suite, and no OpenGL at all: its
// viewer may not be OpenGL (Metal, Vulkan), where a stray GL call draws nothing or worse.
OFX_TEST(overlay_draws_the_fill_shape_through_the_host_draw_suite_and_makes_no_gl_call) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);

    const auto hidden = overlay.drawFrame(true);
    CHECK(coloured(asGl(hidden.suite), kGlLineLoop).empty() && coloured(asGl(hidden.suite), kGlLines).empty(),
          "handles drawn through the suite while the mask comes from the clip");

    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");
    const auto rect = overlay.drawFrame(true);
    const auto drawn = asGl(rect.suite);
    CHECK(rect.glCalls == 0, rect.glCalls << " OpenGL calls made although the host passed a draw context");
    CHECK(rect.suiteRejected == 0, rect.suiteRejected << " draw suite calls rejected (bad point count or argument)");
    CHECK(hasRectangle(coloured(drawn, kGlLineLoop), 62, 58, 78, 70), "no rectangle outline through (62,58)-(78,70) in the suite");
    CHECK(!coloured(drawn, kGlLines).empty(), "no centre handle drawn through the suite");
    CHECK(std::any_of(drawn.begin(), drawn.end(),
                      [](const GlPrimitive& p) { return inColour(p, themeColour(kOfxStandardColourOverlayBackground)); }),
          "no shadow pass through the suite in the host's background colour");
    CHECK(rect.suiteWidthFirst, "no line width set through the suite before drawing");

    instance.setParam("maskSource", "Ellipse");
    const auto ellipse = overlay.drawFrame(true);
    CHECK(ellipse.glCalls == 0, ellipse.glCalls << " OpenGL calls made drawing the ellipse through the suite");
    CHECK(hasEllipse(asGl(ellipse.suite), 70, 64, 8, 6), "no ellipse outline with centre (70,64) and radii 8 x 6 in the suite");
}

OFX_TEST(overlay_draws_rotoscope_points_through_the_draw_suite_in_their_role_colours) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    auto session = prepared(ctx, kRotoscopeId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("positivePoint1Enabled", "1");
    instance.setParam("positivePoint1", "30,40");
    instance.setParam("negativePoint1Enabled", "1");
    instance.setParam("negativePoint1", "100,20");

    const auto frame = overlay.drawFrame(true);
    const auto drawn = asGl(frame.suite);
    CHECK(frame.glCalls == 0, frame.glCalls << " OpenGL calls made although the host passed a draw context");
    CHECK(frame.suiteRejected == 0, frame.suiteRejected << " draw suite calls rejected");
    CHECK(hasCrossAt(drawn, 30, 40, true), "no green (include) handle at the positive point (30, 40) in the suite");
    CHECK(hasCrossAt(drawn, 100, 20, false), "no red (exclude) handle at the negative point (100, 20) in the suite");

    // Hovering a point highlights it (and only it), through the suite as well. The context of a finished draw
    // action is gone: pen events must not draw into it.
    const int strayBefore = drawSuiteCallsWithoutContext();
    CHECK(overlay.pen(kOfxInteractActionPenMotion, 100, 20) == kOfxStatReplyDefault, "a hover move was swallowed");
    CHECK(drawSuiteCallsWithoutContext() == strayBefore, "drew through the suite outside a draw action");
    const auto hover = asGl(overlay.drawFrame(true).suite);
    CHECK(crossColoursAt(hover, 100, 20) != crossColoursAt(drawn, 100, 20), "the hovered point is not highlighted");
    CHECK(crossColoursAt(hover, 30, 40) == crossColoursAt(drawn, 30, 40), "hovering one point recoloured another");
}

// An OFX 1.5 host offers the draw suite but leaves the context out of a draw action (e.g. an OpenGL viewer that
// never adopted it): the overlay must still draw, through OpenGL, the very same shapes.
OFX_TEST(overlay_falls_back_to_gl_when_the_draw_suite_host_passes_no_draw_context) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");

    const int strayBefore = drawSuiteCallsWithoutContext();
    const auto viaGl = overlay.drawFrame(false);
    CHECK(drawSuiteCallsWithoutContext() == strayBefore, "the draw suite was called without a draw context");
    CHECK(viaGl.suite.empty(), "drew into a draw context the host did not pass");
    CHECK(hasRectangle(coloured(viaGl.gl, kGlLineLoop), 62, 58, 78, 70), "no OpenGL rectangle outline through (62,58)-(78,70)");
    CHECK(std::any_of(viaGl.gl.begin(), viaGl.gl.end(), black), "no OpenGL shadow pass");

    // Same shapes either way; the colours agree too when the host has no theme to offer.
    const auto viaSuite = overlay.drawFrame(true);
    CHECK(viaSuite.glCalls == 0 && sameGeometry(viaGl.gl, asGl(viaSuite.suite)),
          "the draw suite and OpenGL drew different shapes (" << viaSuite.suite.size() << " vs " << viaGl.gl.size()
                                                               << " primitives)");
    DrawOptions untinted;
    untinted.drawContext = true;
    untinted.theme = Theme::Refused;
    const auto viaUntintedSuite = overlay.drawFrame(untinted);
    CHECK(sameDrawing(viaGl.gl, asGl(viaUntintedSuite.suite)),
          "without host colours the draw suite and OpenGL drew different shapes or colours");
}

// A draw context on its own is not enough: without the suite to draw into it, OpenGL stays the way to draw.
OFX_TEST(overlay_uses_gl_when_a_draw_context_comes_from_a_host_without_the_suite) {
    installHostWithoutNativeHandles(false);
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");
    const auto frame = overlay.drawFrame(true);
    CHECK(frame.suite.empty(), "drew through a draw suite the host never offered");
    CHECK(hasRectangle(coloured(frame.gl, kGlLineLoop), 62, 58, 78, 70), "no OpenGL rectangle outline through (62,58)-(78,70)");
}


// ------------------------------------------------------------------------------------------ host theme and labels

namespace {

bool allInColours(const std::vector<GlPrimitive>& all, std::initializer_list<OfxStandardColour> theme) {
    return std::all_of(all.begin(), all.end(), [&](const GlPrimitive& p) {
        return std::any_of(theme.begin(), theme.end(), [&](OfxStandardColour c) { return inColour(p, themeColour(c)); });
    });
}

std::vector<GlPrimitive> inThemeColour(const std::vector<GlPrimitive>& all, OfxStandardColour which) {
    std::vector<GlPrimitive> out;
    for (const auto& p : all)
        if (inColour(p, themeColour(which))) out.push_back(p);
    return out;
}

bool unitColour(const std::array<float, 4>& c) {
    return std::all_of(c.begin(), c.end(), [](float v) { return std::isfinite(v) && v >= 0 && v <= 1; });
}

} // namespace

// A themed host (getColour answers) gets its own colours back: neutral handles in its deselected colour, the shadow
// in its background colour, the hovered handle in its selected colour and the dragged one in its active colour.
OFX_TEST(overlay_draws_in_the_host_theme_colours_from_getColour) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");

    const auto rest = overlay.drawFrame(true);
    const auto drawn = asGl(rest.suite);
    CHECK(rest.colourRequests > 0, "the overlay never asked the host for its theme colours");
    CHECK(rest.suiteRejected == 0, rest.suiteRejected << " draw suite calls rejected");
    CHECK(hasRectangle(inThemeColour(drawn, kOfxStandardColourOverlayDeselected), 62, 58, 78, 70),
          "the rectangle at rest is not in the host's deselected colour");
    CHECK(!inThemeColour(drawn, kOfxStandardColourOverlayBackground).empty(), "no shadow in the host's background colour");
    CHECK(allInColours(drawn, {kOfxStandardColourOverlayDeselected, kOfxStandardColourOverlayBackground}),
          "a neutral handle drawn in a colour of the plugin's own although the host has a theme");

    CHECK(overlay.pen(kOfxInteractActionPenMotion, 70, 64) == kOfxStatReplyDefault, "a hover move was swallowed");
    const auto hovered = asGl(overlay.drawFrame(true).suite);
    CHECK(hasRectangle(inThemeColour(hovered, kOfxStandardColourOverlaySelected), 62, 58, 78, 70),
          "the hovered rectangle is not in the host's selected colour");

    CHECK(overlay.pen(kOfxInteractActionPenDown, 70, 64) == kOfxStatOK, "pen down on the centre was not taken");
    const auto dragged = asGl(overlay.drawFrame(true).suite);
    overlay.pen(kOfxInteractActionPenUp, 70, 64);
    CHECK(hasRectangle(inThemeColour(dragged, kOfxStandardColourOverlayActive), 62, 58, 78, 70),
          "the dragged rectangle is not in the host's active colour");
}

// Labels through drawText: a point's sign beside it, a box's size above it, and the position of the part under the
// pen (or being dragged), all in the host's text colour over a shadow copy in its background colour. Include and
// exclude points keep green and red: no theme colour says "adds to the matte".
OFX_TEST(overlay_labels_point_signs_box_size_and_the_grabbed_position_with_drawText) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    auto session = prepared(ctx, kRotoscopeId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("useRect", "1");
    instance.setParam("rectCentre", "70,64");
    instance.setParam("rectSize", "16,12");
    instance.setParam("positivePoint1Enabled", "1");
    instance.setParam("positivePoint1", "30,40");
    instance.setParam("negativePoint1Enabled", "1");
    instance.setParam("negativePoint1", "100,20");

    const auto rest = overlay.drawFrame(true);
    CHECK(rest.suiteRejected == 0, rest.suiteRejected << " draw suite calls rejected (bad text, alignment or point)");
    CHECK(labelNear(rest.texts, "+", 30, 40), "no '+' label beside the positive point (30, 40); drew " << allTexts(rest.texts));
    CHECK(labelNear(rest.texts, "-", 100, 20), "no '-' label beside the negative point (100, 20); drew " << allTexts(rest.texts));
    CHECK(labelNear(rest.texts, "16 x 12", 62, 70),
          "no '16 x 12' size label at the box's top-left corner; drew " << allTexts(rest.texts));
    CHECK(textsSaying(rest.texts, "+").size() == 2 &&
              std::any_of(rest.texts.begin(), rest.texts.end(),
                          [](const DrawnText& t) { return sameColour(t.colour, themeColour(kOfxStandardColourOverlayBackground)); }),
          "labels have no shadow copy in the host's background colour");
    CHECK(textsSaying(rest.texts, "(78, 70)").empty() && textsSaying(rest.texts, "(30, 40)").empty(),
          "positions labelled with nothing under the pen");
    const auto drawn = asGl(rest.suite);
    CHECK(hasCrossAt(drawn, 30, 40, true) && hasCrossAt(drawn, 100, 20, false),
          "include/exclude points lost their green/red under the host theme");

    CHECK(overlay.pen(kOfxInteractActionPenMotion, 78, 70) == kOfxStatReplyDefault, "a hover move was swallowed");
    const auto corner = overlay.drawFrame(true);
    CHECK(labelNear(corner.texts, "(78, 70)", 78, 70),
          "the hovered corner's position is not labelled; drew " << allTexts(corner.texts));

    CHECK(overlay.pen(kOfxInteractActionPenDown, 78, 70) == kOfxStatOK, "pen down on the corner was not taken");
    overlay.pen(kOfxInteractActionPenMotion, 82, 74);
    const auto dragging = overlay.drawFrame(true);
    overlay.pen(kOfxInteractActionPenUp, 82, 74);
    CHECK(labelNear(dragging.texts, "(82, 74)", 82, 74) && labelNear(dragging.texts, "20 x 16", 62, 74),
          "while resizing, the corner and size labels do not follow; drew " << allTexts(dragging.texts));

    CHECK(overlay.pen(kOfxInteractActionPenMotion, 30, 40) == kOfxStatReplyDefault, "a hover move was swallowed");
    const auto point = overlay.drawFrame(true);
    CHECK(labelNear(point.texts, "(30, 40)", 30, 40), "the hovered point's position is not labelled; drew " << allTexts(point.texts));
}

// A host whose getColour fails (kOfxStatFailed, and scribbles over the colour it was given) gets the overlay in our
// fixed colours: exactly what OpenGL draws, and labels in a real colour.
OFX_TEST(overlay_keeps_its_own_colours_when_getColour_fails) {
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");

    const auto viaGl = overlay.drawFrame(false);
    DrawOptions refused;
    refused.drawContext = true;
    refused.theme = Theme::Refused;
    const auto frame = overlay.drawFrame(refused);
    CHECK(frame.colourRequests > 0, "getColour was never tried, so its failure is not tested");
    CHECK(frame.suiteRejected == 0, frame.suiteRejected << " draw suite calls rejected");
    CHECK(sameDrawing(viaGl.gl, asGl(frame.suite)),
          "with getColour failing the suite did not draw exactly OpenGL's shapes in our fixed colours");
    CHECK(std::any_of(viaGl.gl.begin(), viaGl.gl.end(), black), "no black shadow in our fixed colours");
    CHECK(textsSaying(frame.texts, "16 x 12").size() == 2, "labels dropped because getColour failed; drew " << allTexts(frame.texts));
    for (const auto& t : frame.texts)
        CHECK(unitColour({t.colour.r, t.colour.g, t.colour.b, t.colour.a}),
              "label '" << t.text << "' drawn in the colour the failed getColour scribbled");
}

// An OFX 1.5 host whose draw suite leaves getColour and drawText NULL: lines only, in our colours, no crash.
OFX_TEST(overlay_draws_lines_in_its_own_colours_when_the_suite_has_no_getColour_or_drawText) {
    HostOptions options;
    options.nativeHandles = false;
    options.drawSuite = true;
    options.drawSuiteBare = true;
    installHost(std::make_unique<Host>(options));
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");

    const auto viaGl = overlay.drawFrame(false);
    const auto frame = overlay.drawFrame(true);
    CHECK(frame.glCalls == 0, frame.glCalls << " OpenGL calls made although the host passed a draw context");
    CHECK(frame.suiteRejected == 0, frame.suiteRejected << " draw suite calls rejected");
    CHECK(sameDrawing(viaGl.gl, asGl(frame.suite)), "the suite without getColour did not draw OpenGL's shapes and colours");
    CHECK(frame.texts.empty() && frame.colourRequests == 0, "called functions the suite does not have");
}

} // namespace ofxhost
