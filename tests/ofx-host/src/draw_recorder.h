// draw_recorder.h: the host's OFX 1.5 draw suite ("OfxDrawSuite" v1, offered when HostOptions::drawSuite is on). A
// host passes a draw context in the inArgs of each overlay draw action; this one records every call made into it
// (primitives, texts, theme colour requests), and checks the calls the way a strict host would (valid handle, point
// counts, finite coordinates, known alignment flags, only during the draw action). Its theme answers getColour with
// colours no plugin would pick by itself, so a case can tell the host's colours from the plugin's own.
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

/// One string drawn through drawText, with where, how and in which colour.
struct DrawnText {
    std::string text;
    double x = 0;
    double y = 0;
    int alignment = 0;
    OfxRGBAColourF colour{1, 1, 1, 1};
};

/// How a draw context answers getColour.
enum class Theme {
    Distinctive, // every standard colour answered with its themeColour()
    Refused,     // every request answered kOfxStatFailed (a host with no theme)
};

/// The colour the Distinctive theme answers for `which`: values no plugin's own palette would use.
OfxRGBAColourF themeColour(OfxStandardColour which);

/// The draw context of one draw action. It is live only while the action runs; calls outside it are rejected.
class DrawContext {
public:
    explicit DrawContext(Theme theme = Theme::Distinctive);
    ~DrawContext();
    DrawContext(const DrawContext&) = delete;
    DrawContext& operator=(const DrawContext&) = delete;

    OfxDrawContextHandle handle() { return reinterpret_cast<OfxDrawContextHandle>(this); }

    /// Bracket the draw action: the suite accepts calls on this context only in between.
    void open();
    void close();

    std::vector<DrawnPrimitive> primitives() const;
    std::vector<DrawnText> texts() const;
    /// getColour requests, whatever the answer.
    int colourRequests() const;
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
/// The same suite with getColour and drawText left NULL (a host that implements only the drawing calls).
const OfxDrawSuiteV1* drawSuiteWithoutThemeOrText();

/// Calls into the suite with a handle that is no live context (e.g. NULL), over the whole process.
int drawSuiteCallsWithoutContext();

} // namespace ofxhost
