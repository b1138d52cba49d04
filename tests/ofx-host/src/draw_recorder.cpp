// draw_recorder.cpp: the recording draw suite (see draw_recorder.h).
#include "draw_recorder.h"

#include <atomic>
#include <cmath>
#include <memory>
#include <mutex>
#include <set>

namespace ofxhost {

struct DrawContext::State {
    mutable std::mutex mutex;
    Theme theme = Theme::Distinctive;
    bool open = false;
    OfxRGBAColourF colour{1, 1, 1, 1};
    float lineWidth = 0;
    bool widthBeforeDrawing = false;
    OfxDrawLineStipplePattern stipple = kOfxDrawLineStipplePatternSolid;
    std::vector<DrawnPrimitive> primitives;
    std::vector<DrawnText> texts;
    int colourRequests = 0;
    int rejected = 0;
};

namespace {

std::atomic<int> gOrphanCalls{0};
std::mutex gLiveMutex;
std::set<const void*> gLive; // every DrawContext that exists, so a stale or made-up handle is caught, not followed

// The context behind a handle, locked, or nothing (counted) when the handle names no context.
struct Locked {
    DrawContext::State* state = nullptr;
    std::unique_lock<std::mutex> lock;
};

Locked lockContext(OfxDrawContextHandle handle) {
    Locked l;
    {
        std::lock_guard<std::mutex> live(gLiveMutex);
        if (handle == nullptr || gLive.count(handle) == 0) {
            ++gOrphanCalls;
            return l;
        }
    }
    l.state = reinterpret_cast<DrawContext*>(handle)->state();
    l.lock = std::unique_lock<std::mutex>(l.state->mutex);
    if (!l.state->open) {
        ++l.state->rejected; // kept after its draw action returned
        l.lock.unlock();
        l.state = nullptr;
    }
    return l;
}

// Enums arrive from C as plain ints; compare as ints so an out-of-range value is caught whatever the enum's sign.
template <typename E>
bool inRange(E value, E first, E last) {
    const int v = static_cast<int>(value);
    return v >= static_cast<int>(first) && v <= static_cast<int>(last);
}

OfxStatus getColour(OfxDrawContextHandle context, OfxStandardColour which, OfxRGBAColourF* colour) {
    Locked l = lockContext(context);
    if (l.state == nullptr) return kOfxStatErrBadHandle;
    if (colour == nullptr || !inRange(which, kOfxStandardColourOverlayBackground, kOfxStandardColourOverlayText)) {
        ++l.state->rejected;
        return kOfxStatErrValue;
    }
    ++l.state->colourRequests;
    if (l.state->theme == Theme::Refused) {
        // Scribble over the answer, as a careless host might: a plugin must not use it after a failure. Finite
        // values, so only the status can tell the plugin this is no colour.
        *colour = OfxRGBAColourF{-7.0f, 42.0f, 0.25f, 3.0f};
        return kOfxStatFailed;
    }
    *colour = themeColour(which);
    return kOfxStatOK;
}

OfxStatus setColour(OfxDrawContextHandle context, const OfxRGBAColourF* colour) {
    Locked l = lockContext(context);
    if (l.state == nullptr) return kOfxStatErrBadHandle;
    if (colour == nullptr) {
        ++l.state->rejected;
        return kOfxStatErrValue;
    }
    l.state->colour = *colour;
    return kOfxStatOK;
}

OfxStatus setLineWidth(OfxDrawContextHandle context, float width) {
    Locked l = lockContext(context);
    if (l.state == nullptr) return kOfxStatErrBadHandle;
    if (!(width >= 0)) {
        ++l.state->rejected;
        return kOfxStatErrValue;
    }
    l.state->lineWidth = width;
    if (width > 0 && l.state->primitives.empty()) l.state->widthBeforeDrawing = true;
    return kOfxStatOK;
}

OfxStatus setLineStipple(OfxDrawContextHandle context, OfxDrawLineStipplePattern pattern) {
    Locked l = lockContext(context);
    if (l.state == nullptr) return kOfxStatErrBadHandle;
    if (!inRange(pattern, kOfxDrawLineStipplePatternSolid, kOfxDrawLineStipplePatternDotDash)) {
        ++l.state->rejected;
        return kOfxStatErrValue;
    }
    l.state->stipple = pattern;
    return kOfxStatOK;
}

bool finitePoint(const OfxPointD& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// Point counts as for the OpenGL primitive of the same name; two corners for a rectangle or an ellipse.
bool validCount(OfxDrawPrimitive primitive, int count) {
    switch (primitive) {
    case kOfxDrawPrimitiveLines: return count >= 2 && count % 2 == 0;
    case kOfxDrawPrimitiveLineStrip:
    case kOfxDrawPrimitiveLineLoop: return count >= 2;
    case kOfxDrawPrimitiveRectangle:
    case kOfxDrawPrimitiveEllipse: return count == 2;
    case kOfxDrawPrimitivePolygon: return count >= 3;
    }
    return false; // not a primitive the standard knows
}

OfxStatus draw(OfxDrawContextHandle context, OfxDrawPrimitive primitive, const OfxPointD* points, int count) {
    Locked l = lockContext(context);
    if (l.state == nullptr) return kOfxStatErrBadHandle;
    if (points == nullptr || !validCount(primitive, count)) {
        ++l.state->rejected;
        return kOfxStatErrValue;
    }
    for (int i = 0; i < count; ++i)
        if (!finitePoint(points[i])) {
            ++l.state->rejected;
            return kOfxStatErrValue;
        }
    DrawnPrimitive p;
    p.primitive = primitive;
    p.colour = l.state->colour;
    p.lineWidth = l.state->lineWidth;
    p.stipple = l.state->stipple;
    for (int i = 0; i < count; ++i) p.points.emplace_back(points[i].x, points[i].y);
    l.state->primitives.push_back(std::move(p));
    return kOfxStatOK;
}

// Alignment is at most one horizontal choice (left, right or both = centred) and one vertical one (top, bottom,
// baseline, or top|baseline = centred); any other bit is not a flag the standard knows.
bool validAlignment(int alignment) {
    constexpr int known = kOfxDrawTextAlignmentLeft | kOfxDrawTextAlignmentRight | kOfxDrawTextAlignmentTop |
                          kOfxDrawTextAlignmentBottom | kOfxDrawTextAlignmentBaseline;
    if ((alignment & ~known) != 0) return false;
    const int vertical = alignment & (kOfxDrawTextAlignmentTop | kOfxDrawTextAlignmentBottom | kOfxDrawTextAlignmentBaseline);
    return vertical == 0 || vertical == kOfxDrawTextAlignmentTop || vertical == kOfxDrawTextAlignmentBottom ||
           vertical == kOfxDrawTextAlignmentBaseline || vertical == kOfxDrawTextAlignmentCenterV;
}

OfxStatus drawText(OfxDrawContextHandle context, const char* text, const OfxPointD* position, int alignment) {
    Locked l = lockContext(context);
    if (l.state == nullptr) return kOfxStatErrBadHandle;
    if (text == nullptr || *text == '\0' || position == nullptr || !finitePoint(*position) || !validAlignment(alignment)) {
        ++l.state->rejected;
        return kOfxStatErrValue;
    }
    l.state->texts.push_back({text, position->x, position->y, alignment, l.state->colour});
    return kOfxStatOK;
}

const OfxDrawSuiteV1 kDrawSuite{getColour, setColour, setLineWidth, setLineStipple, draw, drawText};
const OfxDrawSuiteV1 kBareDrawSuite{nullptr, setColour, setLineWidth, setLineStipple, draw, nullptr};

} // namespace

OfxRGBAColourF themeColour(OfxStandardColour which) {
    switch (which) {
    case kOfxStandardColourOverlayBackground: return {0.11f, 0.07f, 0.23f, 0.71f};
    case kOfxStandardColourOverlayActive: return {0.93f, 0.17f, 0.83f, 1.0f};
    case kOfxStandardColourOverlaySelected: return {0.19f, 0.83f, 0.97f, 1.0f};
    case kOfxStandardColourOverlayDeselected: return {0.61f, 0.53f, 0.97f, 1.0f};
    case kOfxStandardColourOverlayMarqueeFG: return {0.29f, 0.31f, 0.37f, 1.0f};
    case kOfxStandardColourOverlayMarqueeBG: return {0.41f, 0.43f, 0.47f, 1.0f};
    case kOfxStandardColourOverlayText: return {0.97f, 0.91f, 0.13f, 1.0f};
    }
    return {0, 0, 0, 0};
}

DrawContext::DrawContext(Theme theme) : state_(std::make_unique<State>()) {
    state_->theme = theme;
    std::lock_guard<std::mutex> live(gLiveMutex);
    gLive.insert(this);
}

DrawContext::~DrawContext() {
    {
        std::lock_guard<std::mutex> live(gLiveMutex);
        gLive.erase(this);
    }
}

DrawContext::State* DrawContext::state() { return state_.get(); }

void DrawContext::open() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->open = true;
}

void DrawContext::close() {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->open = false;
}

std::vector<DrawnPrimitive> DrawContext::primitives() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->primitives;
}

std::vector<DrawnText> DrawContext::texts() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->texts;
}

int DrawContext::colourRequests() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->colourRequests;
}

int DrawContext::rejected() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->rejected;
}

bool DrawContext::widthSetBeforeDrawing() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->widthBeforeDrawing;
}

const OfxDrawSuiteV1* drawSuite() { return &kDrawSuite; }

const OfxDrawSuiteV1* drawSuiteWithoutThemeOrText() { return &kBareDrawSuite; }

int drawSuiteCallsWithoutContext() { return gOrphanCalls.load(); }

} // namespace ofxhost
