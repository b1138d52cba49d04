// draw_recorder.cpp: the recording draw suite (see draw_recorder.h).
#include "draw_recorder.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <set>

namespace ofxhost {

struct DrawContext::State {
    mutable std::mutex mutex;
    bool open = false;
    OfxRGBAColourF colour{1, 1, 1, 1};
    float lineWidth = 0;
    bool widthBeforeDrawing = false;
    OfxDrawLineStipplePattern stipple = kOfxDrawLineStipplePatternSolid;
    std::vector<DrawnPrimitive> primitives;
    std::vector<std::string> texts;
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
    // A fixed theme: grey background, everything else light.
    *colour = which == kOfxStandardColourOverlayBackground ? OfxRGBAColourF{0.2f, 0.2f, 0.2f, 1.0f}
                                                            : OfxRGBAColourF{0.8f, 0.8f, 0.8f, 1.0f};
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
    DrawnPrimitive p;
    p.primitive = primitive;
    p.colour = l.state->colour;
    p.lineWidth = l.state->lineWidth;
    p.stipple = l.state->stipple;
    for (int i = 0; i < count; ++i) p.points.emplace_back(points[i].x, points[i].y);
    l.state->primitives.push_back(std::move(p));
    return kOfxStatOK;
}

OfxStatus drawText(OfxDrawContextHandle context, const char* text, const OfxPointD* position, int) {
    Locked l = lockContext(context);
    if (l.state == nullptr) return kOfxStatErrBadHandle;
    if (text == nullptr || position == nullptr) {
        ++l.state->rejected;
        return kOfxStatErrValue;
    }
    l.state->texts.emplace_back(text);
    return kOfxStatOK;
}

const OfxDrawSuiteV1 kDrawSuite{getColour, setColour, setLineWidth, setLineStipple, draw, drawText};

} // namespace

DrawContext::DrawContext() : state_(std::make_unique<State>()) {
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

std::vector<std::string> DrawContext::texts() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->texts;
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

int drawSuiteCallsWithoutContext() { return gOrphanCalls.load(); }

} // namespace ofxhost
