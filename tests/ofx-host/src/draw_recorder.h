// draw_recorder.h: the host's OFX 1.5 draw suite ("OfxDrawSuite" v1, offered when HostOptions::drawSuite is on). A
// host passes a draw context in the inArgs of each overlay draw action; this one records every call made into it,
// and checks the calls the way a strict host would (valid handle, point counts, only during the draw action).
#pragma once

#include <ofx/ofx_api.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ofxhost {

/// One primitive drawn through the suite, with the state it was drawn in.
struct DrawnPrimitive {
    OfxDrawPrimitive primitive = kOfxDrawPrimitiveLines;
    OfxRGBAColourF colour{1, 1, 1, 1};
    float lineWidth = 0;
    OfxDrawLineStipplePattern stipple = kOfxDrawLineStipplePatternSolid;
    std::vector<std::pair<double, double>> points;
};

/// The draw context of one draw action. It is live only while the action runs; calls outside it are rejected.
class DrawContext {
public:
    DrawContext();
    ~DrawContext();
    DrawContext(const DrawContext&) = delete;
    DrawContext& operator=(const DrawContext&) = delete;

    OfxDrawContextHandle handle() { return reinterpret_cast<OfxDrawContextHandle>(this); }

    /// Bracket the draw action: the suite accepts calls on this context only in between.
    void open();
    void close();

    std::vector<DrawnPrimitive> primitives() const;
    std::vector<std::string> texts() const;
    /// Calls the suite turned down: bad point counts, unknown primitives, NULL arguments, or a closed context.
    int rejected() const;
    /// Whether setLineWidth was called with a width > 0 before the first primitive.
    bool widthSetBeforeDrawing() const;

    // Used by the suite functions.
    struct State;
    State* state();

private:
    std::unique_ptr<State> state_;
};

/// The suite table the host hands out.
const OfxDrawSuiteV1* drawSuite();

/// Calls into the suite with a handle that is no live context (e.g. NULL), over the whole process.
int drawSuiteCallsWithoutContext();

} // namespace ofxhost
