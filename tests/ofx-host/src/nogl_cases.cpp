// nogl_cases.cpp: the overlay in a host process without OpenGL (ofx-host-nogl, see gl_absent.cpp). Such a host
// draws the overlay only through the OFX 1.5 draw suite; without the suite nothing is drawn, but the handles must
// still be draggable, because hit testing and param edits never needed OpenGL.
#include "overlay_driver.h"
#include "sandbox.h"

#include <dlfcn.h>

namespace ofxhost {
namespace {

void requireNoGl() {
    CHECK(dlsym(RTLD_DEFAULT, "glBegin") == nullptr, "this host process has OpenGL: run the case in ofx-host-nogl");
}

} // namespace

OFX_TEST(overlay_without_gl_or_draw_suite_draws_nothing_but_drags) {
    requireNoGl();
    installHostWithoutNativeHandles(false);
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");

    const auto frame = overlay.drawFrame(false, true);
    CHECK(frame.status == kOfxStatReplyDefault, "draw returned " << frame.status << " with nothing to draw with");

    CHECK(overlay.pen(kOfxInteractActionPenDown, 70, 64) == kOfxStatOK, "pen down on the centre was not taken");
    overlay.pen(kOfxInteractActionPenMotion, 80, 70);
    overlay.pen(kOfxInteractActionPenUp, 80, 70);
    CHECK(near(value2D(instance, "center")[0], 80) && near(value2D(instance, "center")[1], 70),
          "centre moved to " << text(value2D(instance, "center")) << ", want (80, 70)");
}

OFX_TEST(overlay_without_gl_draws_through_the_draw_suite) {
    requireNoGl();
    installHostWithoutNativeHandles(true);
    Sandbox sandbox;
    auto session = prepared(ctx, kGenerativeFillId);
    EffectInstance instance(*session);
    CHECK(instance.create() == kOfxStatOK, "create instance failed" << messagesText());
    Overlay overlay(overlayEntry(*session), instance);
    instance.setParam("maskSource", "Rectangle");
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");

    const auto frame = overlay.drawFrame(true);
    CHECK(frame.suiteRejected == 0, frame.suiteRejected << " draw suite calls rejected");
    CHECK(hasRectangle(coloured(asGl(frame.suite), kGlLineLoop), 62, 58, 78, 70),
          "no rectangle outline through (62,58)-(78,70) in the suite");
}

} // namespace ofxhost
