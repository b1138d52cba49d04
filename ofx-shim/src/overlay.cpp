// overlay.cpp: drawing and dragging the handles of effects.json "overlays", all in canonical coordinates (the
// interact's projection), so the params' own values are the geometry: no conversion to pixels here.
#include "overlay.h"

#include "instance.h"
#include "params.h"
#include "suites.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace runway::ofx {
namespace {

// ------------------------------------------------------------------------------------------ OpenGL from the host

constexpr unsigned kGlLines = 0x0001;
constexpr unsigned kGlLineLoop = 0x0002;

struct Gl {
    void (*begin)(unsigned) = nullptr;
    void (*end)() = nullptr;
    void (*vertex2d)(double, double) = nullptr;
    void (*color4f)(float, float, float, float) = nullptr;
    void (*lineWidth)(float) = nullptr;
    bool usable() const { return begin && end && vertex2d && color4f && lineWidth; }
};

// The host's OpenGL, never a copy of our own: a second libGL would have no current context.
void* glSymbol(const char* name) {
    if (void* f = dlsym(RTLD_DEFAULT, name)) return f;
    static void* const lib = dlopen("libGL.so.1", RTLD_LAZY | RTLD_NOLOAD);
    return lib != nullptr ? dlsym(lib, name) : nullptr;
}

template <typename F>
void resolveGl(F& fn, const char* name) {
    fn = reinterpret_cast<F>(glSymbol(name));
}

const Gl& gl() {
    static const Gl table = [] {
        Gl g;
        resolveGl(g.begin, "glBegin");
        resolveGl(g.end, "glEnd");
        resolveGl(g.vertex2d, "glVertex2d");
        resolveGl(g.color4f, "glColor4f");
        resolveGl(g.lineWidth, "glLineWidth");
        if (!g.usable())
            logLine("viewer overlay: no OpenGL in this process and no draw context from the host, so handles are not "
                    "drawn (dragging still works)");
        return g;
    }();
    return table;
}

// ------------------------------------------------------------------------------------------ geometry

struct Vec {
    double x = 0;
    double y = 0;
};

// Screen-pixel sizes, scaled to canonical units by the interact's pixel scale.
constexpr double kKnobHalf = 4;
constexpr double kCrossHalf = 8;
constexpr double kGrabRadius = 9;
constexpr int kEllipseSegments = 64;

// Parts of a handle the pen can grab: its centre, or (rectangle/ellipse) one of four corners, k = (x side) | (y side) << 1.
constexpr int kNoPart = -1;
constexpr int kCentre = 4;

Vec corner(Vec centre, Vec size, int k) {
    return {centre.x + ((k & 1) ? 0.5 : -0.5) * size.x, centre.y + ((k & 2) ? 0.5 : -0.5) * size.y};
}

struct Target {
    int handle = -1;
    int part = kNoPart;
    bool operator!=(const Target& o) const { return handle != o.handle || part != o.part; }
};

struct DragState {
    Target hover;
    Target drag;
    Vec anchor; // moving: pen minus centre at pen down; resizing: the fixed opposite corner
    bool editOpen = false;
};

std::mutex gStatesMutex;
std::map<OfxInteractHandle, DragState> gStates;

// ------------------------------------------------------------------------------------------ params

const InstanceParam* findParam(const Instance& instance, const std::string& name) {
    for (const auto& p : instance.params)
        if (p.def != nullptr && p.def->name == name) return &p;
    return nullptr;
}

Vec read2D(const InstanceParam& p, OfxTime time) {
    Vec v;
    suites().parameter->paramGetValueAtTime(p.handle, time, &v.x, &v.y);
    return v;
}

void write2D(const InstanceParam& p, OfxTime time, Vec v) {
    const OfxParameterSuiteV1* ps = suites().parameter;
    unsigned keys = 0;
    // An animated param gets a key at the current time; a static one just changes.
    if (ps->paramGetNumKeys(p.handle, &keys) == kOfxStatOK && keys > 0) ps->paramSetValueAtTime(p.handle, time, v.x, v.y);
    else ps->paramSetValue(p.handle, v.x, v.y);
}

bool shown(const Instance& instance, const OverlayDef& o, OfxTime time) {
    if (o.whenParam.empty()) return true;
    const InstanceParam* gate = findParam(instance, o.whenParam);
    if (gate == nullptr) return false;
    int raw = 0;
    if (suites().parameter->paramGetValueAtTime(gate->handle, time, &raw) != kOfxStatOK) return false;
    std::string value;
    if (gate->def->kind == ParamKind::Boolean) value = raw != 0 ? "true" : "false";
    else if (raw >= 0 && static_cast<size_t>(raw) < gate->def->options.size()) value = gate->def->options[static_cast<size_t>(raw)].value;
    return std::find(o.whenValues.begin(), o.whenValues.end(), value) != o.whenValues.end();
}

/// An overlay's geometry at one time, or nothing when it is hidden or its params are missing.
struct Shape {
    const OverlayDef* def = nullptr;
    const InstanceParam* position = nullptr;
    const InstanceParam* size = nullptr;
    Vec centre;
    Vec extent;
};

std::vector<Shape> visibleShapes(const EffectDef& effect, const Instance& instance, OfxTime time) {
    std::vector<Shape> out(effect.overlays.size());
    for (size_t i = 0; i < effect.overlays.size(); ++i) {
        const OverlayDef& o = effect.overlays[i];
        Shape s;
        s.position = findParam(instance, o.position);
        s.size = o.shape == OverlayShape::Point ? nullptr : findParam(instance, o.size);
        if (s.position == nullptr || (o.shape != OverlayShape::Point && s.size == nullptr) || !shown(instance, o, time)) {
            out[i] = s; // def stays null: hidden
            continue;
        }
        s.def = &o;
        s.centre = read2D(*s.position, time);
        if (s.size != nullptr) s.extent = read2D(*s.size, time);
        out[i] = s;
    }
    return out;
}

Target hitTest(const std::vector<Shape>& shapes, Vec pen, Vec pixelScale) {
    Target best;
    double bestDistance = kGrabRadius;
    const auto consider = [&](int handle, int part, Vec at) {
        const double dx = (pen.x - at.x) / pixelScale.x, dy = (pen.y - at.y) / pixelScale.y;
        const double d = std::sqrt(dx * dx + dy * dy);
        if (d <= bestDistance) {
            bestDistance = d;
            best = {handle, part};
        }
    };
    for (size_t i = 0; i < shapes.size(); ++i) {
        const Shape& s = shapes[i];
        if (s.def == nullptr) continue;
        // A host that draws its own point handles moves centres itself; the overlay only adds corners.
        if (!hostDrawsPositionHandles()) consider(static_cast<int>(i), kCentre, s.centre);
        if (s.def->shape != OverlayShape::Point)
            for (int k = 0; k < 4; ++k) consider(static_cast<int>(i), k, corner(s.centre, s.extent, k));
    }
    return best;
}

// ------------------------------------------------------------------------------------------ canvases

/// Where a draw action's lines go: the host's OFX 1.5 draw suite, or its OpenGL. Both take canonical coordinates
/// (the interact's projection), so the shapes below are written once.
class Canvas {
public:
    enum class Stroke { Segments, Loop }; // Segments: points pair up into separate lines; Loop: one closed line

    virtual ~Canvas() = default;
    virtual void colour(const OfxRGBAColourF& c) = 0;
    virtual void lineWidth(float width) = 0;
    virtual void lines(Stroke stroke, const OfxPointD* points, int count) = 0;
};

class GlCanvas final : public Canvas {
public:
    explicit GlCanvas(const Gl& g) : g_(g) {}
    void colour(const OfxRGBAColourF& c) override { g_.color4f(c.r, c.g, c.b, c.a); }
    void lineWidth(float width) override { g_.lineWidth(width); }
    void lines(Stroke stroke, const OfxPointD* points, int count) override {
        g_.begin(stroke == Stroke::Loop ? kGlLineLoop : kGlLines);
        for (int i = 0; i < count; ++i) g_.vertex2d(points[i].x, points[i].y);
        g_.end();
    }

private:
    const Gl& g_;
};

/// The draw suite has no failure channel back to the user, so a host refusing calls is said once in the log.
void noteDrawSuiteStatus(OfxStatus st) {
    static std::atomic<bool> said{false};
    if (st != kOfxStatOK && !said.exchange(true))
        logLine("viewer overlay: the host's draw suite refused a call (status " + std::to_string(st) + ")");
}

class SuiteCanvas final : public Canvas {
public:
    SuiteCanvas(const OfxDrawSuiteV1& suite, OfxDrawContextHandle context) : suite_(suite), context_(context) {}
    void colour(const OfxRGBAColourF& c) override { noteDrawSuiteStatus(suite_.setColour(context_, &c)); }
    void lineWidth(float width) override { noteDrawSuiteStatus(suite_.setLineWidth(context_, width)); }
    void lines(Stroke stroke, const OfxPointD* points, int count) override {
        // Always line primitives: the standard leaves open whether its Rectangle and Ellipse primitives are
        // filled, and an outline must never hide the picture under it.
        const OfxDrawPrimitive primitive = stroke == Stroke::Loop ? kOfxDrawPrimitiveLineLoop : kOfxDrawPrimitiveLines;
        noteDrawSuiteStatus(suite_.draw(context_, primitive, points, count));
    }

private:
    const OfxDrawSuiteV1& suite_;
    OfxDrawContextHandle context_;
};

/// The host's draw suite when it can draw lines; NULL otherwise.
const OfxDrawSuiteV1* drawSuite() {
    const OfxDrawSuiteV1* s = suites().draw;
    return s != nullptr && s->setColour != nullptr && s->setLineWidth != nullptr && s->draw != nullptr ? s : nullptr;
}

// ------------------------------------------------------------------------------------------ drawing

constexpr OfxRGBAColourF kActive{1.0f, 0.8f, 0.2f, 1.0f};
constexpr OfxRGBAColourF kInclude{0.35f, 0.95f, 0.35f, 1.0f};
constexpr OfxRGBAColourF kExclude{1.0f, 0.35f, 0.35f, 1.0f};
constexpr OfxRGBAColourF kNeutral{0.9f, 0.9f, 0.9f, 1.0f};
constexpr OfxRGBAColourF kShadow{0.0f, 0.0f, 0.0f, 0.6f};

OfxRGBAColourF colourFor(OverlayRole role, bool active) {
    if (active) return kActive;
    switch (role) {
    case OverlayRole::Include: return kInclude;
    case OverlayRole::Exclude: return kExclude;
    case OverlayRole::Neutral: break;
    }
    return kNeutral;
}

void knob(Canvas& c, Vec at, Vec px) {
    const double hx = kKnobHalf * px.x, hy = kKnobHalf * px.y;
    const OfxPointD square[4] = {
        {at.x - hx, at.y - hy}, {at.x + hx, at.y - hy}, {at.x + hx, at.y + hy}, {at.x - hx, at.y + hy}};
    c.lines(Canvas::Stroke::Loop, square, 4);
}

void cross(Canvas& c, Vec at, Vec px) {
    const double hx = kCrossHalf * px.x, hy = kCrossHalf * px.y;
    const OfxPointD arms[4] = {{at.x - hx, at.y}, {at.x + hx, at.y}, {at.x, at.y - hy}, {at.x, at.y + hy}};
    c.lines(Canvas::Stroke::Segments, arms, 4);
}

void outline(Canvas& c, const Shape& s) {
    if (s.def->shape == OverlayShape::Rectangle) {
        // Counter-clockwise from the bottom-left corner.
        OfxPointD box[4];
        int n = 0;
        for (int k : {0, 1, 3, 2}) {
            const Vec v = corner(s.centre, s.extent, k);
            box[n++] = {v.x, v.y};
        }
        c.lines(Canvas::Stroke::Loop, box, 4);
        return;
    }
    std::array<OfxPointD, kEllipseSegments> ring;
    for (int i = 0; i < kEllipseSegments; ++i) {
        const double a = 2.0 * 3.14159265358979323846 * i / kEllipseSegments;
        ring[static_cast<size_t>(i)] = {s.centre.x + 0.5 * s.extent.x * std::cos(a),
                                        s.centre.y + 0.5 * s.extent.y * std::sin(a)};
    }
    c.lines(Canvas::Stroke::Loop, ring.data(), kEllipseSegments);
}

// One pass of every visible shape; `shadow` offsets everything by one screen pixel in black so handles read on any picture.
void drawPass(Canvas& c, const std::vector<Shape>& shapes, const DragState& state, Vec px, bool shadow) {
    for (size_t i = 0; i < shapes.size(); ++i) {
        Shape s = shapes[i];
        if (s.def == nullptr) continue;
        if (shadow) {
            s.centre.x += px.x;
            s.centre.y -= px.y;
        }
        const int index = static_cast<int>(i);
        const bool active = state.drag.handle == index || state.hover.handle == index;
        c.colour(shadow ? kShadow : colourFor(s.def->role, active));
        if (s.def->shape != OverlayShape::Point) {
            outline(c, s);
            for (int k = 0; k < 4; ++k) knob(c, corner(s.centre, s.extent, k), px);
        }
        if (!hostDrawsPositionHandles()) {
            cross(c, s.centre, px);
            if (s.def->shape == OverlayShape::Point) knob(c, s.centre, px);
        }
    }
}

void paint(Canvas& c, const std::vector<Shape>& shapes, const DragState& state, Vec px) {
    c.lineWidth(1.5f);
    drawPass(c, shapes, state, px, true);
    drawPass(c, shapes, state, px, false);
}

// ------------------------------------------------------------------------------------------ actions

struct Context {
    OfxImageEffectHandle effect = nullptr;
    OfxTime time = 0;
    Vec pixelScale{1, 1};
    Vec pen;
    OfxDrawContextHandle drawContext = nullptr; // draw action only, and only from OFX 1.5 hosts with a draw suite
};

Context contextOf(OfxPropertySetHandle inArgs) {
    Context c;
    if (inArgs == nullptr) return c;
    const Props args(inArgs);
    c.effect = static_cast<OfxImageEffectHandle>(args.getPointer(kOfxPropEffectInstance).value_or(nullptr));
    c.time = args.getDouble(kOfxPropTime).value_or(0.0);
    if (const auto scale = args.getDoubles(kOfxInteractPropPixelScale, 2)) {
        // A zero or negative scale would make every hit test succeed or fail; treat it as one canonical unit a pixel.
        c.pixelScale = {(*scale)[0] > 0 ? (*scale)[0] : 1.0, (*scale)[1] > 0 ? (*scale)[1] : 1.0};
    }
    if (const auto pen = args.getDoubles(kOfxInteractPropPenPosition, 2)) c.pen = {(*pen)[0], (*pen)[1]};
    c.drawContext = static_cast<OfxDrawContextHandle>(args.getPointer(kOfxInteractPropDrawContext).value_or(nullptr));
    return c;
}

void requestRedraw(OfxInteractHandle interact) {
    if (suites().interact != nullptr) suites().interact->interactRedraw(interact);
}

OfxParamSetHandle paramSetOf(OfxImageEffectHandle effect) {
    OfxParamSetHandle set = nullptr;
    if (suites().imageEffect->getParamSet(effect, &set) != kOfxStatOK) return nullptr;
    return set;
}

void endEdit(OfxImageEffectHandle effect, DragState& state) {
    if (state.editOpen && effect != nullptr)
        if (OfxParamSetHandle set = paramSetOf(effect)) suites().parameter->paramEditEnd(set);
    state.editOpen = false;
    state.drag = {};
}

// The host redraws the overlay whenever one of these params changes (undo, keyframes, typing a value).
void slaveToParams(const EffectDef& effect, OfxInteractHandle interact) {
    if (suites().interact == nullptr) return;
    OfxPropertySetHandle props = nullptr;
    if (suites().interact->interactGetPropertySet(interact, &props) != kOfxStatOK || props == nullptr) return;
    std::vector<std::string> names;
    const auto add = [&](const std::string& n) {
        if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    };
    for (const auto& o : effect.overlays) {
        add(o.position);
        add(o.size);
        add(o.whenParam);
    }
    Props(props).setStrings(kOfxInteractPropSlaveToParam, names);
}

OfxStatus draw(const EffectDef& effect, OfxInteractHandle interact, const Context& c) {
    if (c.effect == nullptr) return kOfxStatReplyDefault;
    // The host's draw suite wins when it hands us a context to draw into: it also works in viewers that are not
    // OpenGL. A host with the suite but no context in this call still expects OpenGL, so that stays the fallback.
    const OfxDrawSuiteV1* suite = c.drawContext != nullptr ? drawSuite() : nullptr;
    if (suite == nullptr && !gl().usable()) return kOfxStatReplyDefault;
    const auto shapes = visibleShapes(effect, instanceOf(c.effect), c.time);
    DragState state;
    {
        std::lock_guard<std::mutex> lock(gStatesMutex);
        state = gStates[interact];
    }
    if (suite != nullptr) {
        SuiteCanvas canvas(*suite, c.drawContext);
        paint(canvas, shapes, state, c.pixelScale);
    } else {
        GlCanvas canvas(gl());
        paint(canvas, shapes, state, c.pixelScale);
    }
    return kOfxStatOK;
}

OfxStatus penDown(const EffectDef& effect, OfxInteractHandle interact, const Context& c) {
    if (c.effect == nullptr) return kOfxStatReplyDefault;
    const auto shapes = visibleShapes(effect, instanceOf(c.effect), c.time);
    const Target hit = hitTest(shapes, c.pen, c.pixelScale);
    if (hit.handle < 0) return kOfxStatReplyDefault;
    const Shape& s = shapes[static_cast<size_t>(hit.handle)];
    std::lock_guard<std::mutex> lock(gStatesMutex);
    DragState& state = gStates[interact];
    state.drag = hit;
    state.anchor = hit.part == kCentre ? Vec{c.pen.x - s.centre.x, c.pen.y - s.centre.y} : corner(s.centre, s.extent, 3 - hit.part);
    // One undo step for the whole drag.
    if (OfxParamSetHandle set = paramSetOf(c.effect))
        state.editOpen = suites().parameter->paramEditBegin(set, "Move handle") == kOfxStatOK;
    return kOfxStatOK;
}

OfxStatus penMotion(const EffectDef& effect, OfxInteractHandle interact, const Context& c) {
    if (c.effect == nullptr) return kOfxStatReplyDefault;
    const auto shapes = visibleShapes(effect, instanceOf(c.effect), c.time);
    DragState state;
    {
        std::lock_guard<std::mutex> lock(gStatesMutex);
        state = gStates[interact];
    }
    if (state.drag.handle < 0 || static_cast<size_t>(state.drag.handle) >= shapes.size() ||
        shapes[static_cast<size_t>(state.drag.handle)].def == nullptr) {
        const Target hover = hitTest(shapes, c.pen, c.pixelScale);
        bool changed = false;
        {
            std::lock_guard<std::mutex> lock(gStatesMutex);
            DragState& live = gStates[interact];
            changed = live.hover != hover;
            live.hover = hover;
        }
        if (changed) requestRedraw(interact);
        return kOfxStatReplyDefault; // hovering never swallows the host's own pen handling
    }
    const Shape& s = shapes[static_cast<size_t>(state.drag.handle)];
    if (state.drag.part == kCentre) {
        write2D(*s.position, c.time, {c.pen.x - state.anchor.x, c.pen.y - state.anchor.y});
    } else {
        // Resize about the opposite corner, which stays where it was at pen down.
        const Vec o = state.anchor;
        write2D(*s.position, c.time, {(o.x + c.pen.x) / 2, (o.y + c.pen.y) / 2});
        write2D(*s.size, c.time, {std::fabs(c.pen.x - o.x), std::fabs(c.pen.y - o.y)});
    }
    requestRedraw(interact);
    return kOfxStatOK;
}

OfxStatus penUp(OfxInteractHandle interact, const Context& c) {
    std::lock_guard<std::mutex> lock(gStatesMutex);
    DragState& state = gStates[interact];
    if (state.drag.handle < 0) return kOfxStatReplyDefault;
    endEdit(c.effect, state);
    return kOfxStatOK;
}

bool is(const char* action, const char* name) { return std::string(action) == name; }

} // namespace

OfxStatus overlayAction(const EffectDef& effect, const char* action, OfxInteractHandle interact,
                        OfxPropertySetHandle inArgs) {
    if (is(action, kOfxActionDescribe)) return kOfxStatOK;
    if (is(action, kOfxActionCreateInstance)) {
        slaveToParams(effect, interact);
        std::lock_guard<std::mutex> lock(gStatesMutex);
        gStates[interact] = DragState{};
        return kOfxStatOK;
    }
    if (is(action, kOfxActionDestroyInstance)) {
        std::lock_guard<std::mutex> lock(gStatesMutex);
        gStates.erase(interact);
        return kOfxStatOK;
    }
    const Context c = contextOf(inArgs);
    if (is(action, kOfxInteractActionDraw)) return draw(effect, interact, c);
    if (is(action, kOfxInteractActionPenDown)) return penDown(effect, interact, c);
    if (is(action, kOfxInteractActionPenMotion)) return penMotion(effect, interact, c);
    if (is(action, kOfxInteractActionPenUp)) return penUp(interact, c);
    if (is(action, kOfxInteractActionLoseFocus)) {
        std::lock_guard<std::mutex> lock(gStatesMutex);
        DragState& state = gStates[interact];
        endEdit(c.effect, state);
        state.hover = {};
        return kOfxStatOK;
    }
    return kOfxStatReplyDefault;
}

} // namespace runway::ofx
