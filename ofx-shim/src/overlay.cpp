// overlay.cpp: drawing and dragging the handles of effects.json "overlays", all in canonical coordinates (the
// interact's projection), so the params' own values are the geometry: no conversion to pixels here. Through the
// OFX 1.5 draw suite the handles take the host's theme colours (getColour) and carry text labels (drawText); the
// OpenGL fallback draws the same lines in our fixed colours and no text (legacy OpenGL has no font).
#include "overlay.h"

#include "instance.h"
#include "params.h"
#include "suites.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
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

// Beyond this many canonical units a value is a broken param, not a picture (1000 x an 8K frame); hosts hand
// vertices to the GPU as floats, where such values lose all precision or overflow.
constexpr double kMaxCoordinate = 1e7;

bool sane(double v) { return std::isfinite(v) && std::fabs(v) <= kMaxCoordinate; }
bool sane(Vec v) { return sane(v.x) && sane(v.y); }

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

/// The value of a Double2D, or nothing when the host cannot give one or gives NaN, infinity or an absurd size:
/// such a handle is neither drawn nor grabbable, rather than drawn at a made-up place.
std::optional<Vec> read2D(const InstanceParam& p, OfxTime time) {
    Vec v{std::nan(""), std::nan("")};
    if (suites().parameter->paramGetValueAtTime(p.handle, time, &v.x, &v.y) != kOfxStatOK || !sane(v))
        return std::nullopt;
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
        const auto centre = read2D(*s.position, time);
        const auto extent = s.size != nullptr ? read2D(*s.size, time) : std::optional<Vec>(Vec{});
        if (!centre || !extent) {
            out[i] = s; // unreadable or non-finite: hidden
            continue;
        }
        s.def = &o;
        s.centre = *centre;
        s.extent = *extent;
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

bool sane(const OfxPointD& p) { return sane(p.x) && sane(p.y); }

/// Where a draw action's lines go: the host's OFX 1.5 draw suite, or its OpenGL. Both take canonical coordinates
/// (the interact's projection), so the shapes below are written once.
class Canvas {
public:
    enum class Stroke { Segments, Loop }; // Segments: points pair up into separate lines; Loop: one closed line

    virtual ~Canvas() = default;
    virtual void colour(const OfxRGBAColourF& c) = 0;
    virtual void lineWidth(float width) = 0;
    /// Whether text() shows anything; callers skip the colour change for labels when it does not.
    virtual bool drawsText() const { return false; }

    /// Draws the lines unless a vertex is not a sane number: a NaN or huge vertex can streak across the whole
    /// viewer or upset the host's tessellation, and a handle at no real place is better not drawn at all.
    void lines(Stroke stroke, const OfxPointD* points, int count) {
        if (count < 2) return;
        for (int i = 0; i < count; ++i)
            if (!sane(points[i])) return;
        emitLines(stroke, points, count);
    }

    /// One label at a canonical position, aligned with kOfxDrawTextAlignment* flags.
    void text(const std::string& label, Vec at, int alignment) {
        const OfxPointD p{at.x, at.y};
        if (drawsText() && !label.empty() && sane(p)) emitText(label.c_str(), p, alignment);
    }

protected:
    virtual void emitLines(Stroke stroke, const OfxPointD* points, int count) = 0;
    virtual void emitText(const char*, const OfxPointD&, int) {}
};

class GlCanvas final : public Canvas {
public:
    explicit GlCanvas(const Gl& g) : g_(g) {}
    void colour(const OfxRGBAColourF& c) override { g_.color4f(c.r, c.g, c.b, c.a); }
    void lineWidth(float width) override { g_.lineWidth(width); }

protected:
    void emitLines(Stroke stroke, const OfxPointD* points, int count) override {
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
    // drawText is optional here: a host may leave it NULL and still draw lines.
    bool drawsText() const override { return suite_.drawText != nullptr; }

protected:
    void emitLines(Stroke stroke, const OfxPointD* points, int count) override {
        // Always line primitives: the standard leaves open whether its Rectangle and Ellipse primitives are
        // filled, and an outline must never hide the picture under it.
        const OfxDrawPrimitive primitive = stroke == Stroke::Loop ? kOfxDrawPrimitiveLineLoop : kOfxDrawPrimitiveLines;
        noteDrawSuiteStatus(suite_.draw(context_, primitive, points, count));
    }
    void emitText(const char* label, const OfxPointD& at, int alignment) override {
        noteDrawSuiteStatus(suite_.drawText(context_, label, &at, alignment));
    }

private:
    const OfxDrawSuiteV1& suite_;
    OfxDrawContextHandle context_;
};

/// The host's draw suite when it can draw lines; NULL otherwise. getColour and drawText are used when present.
const OfxDrawSuiteV1* drawSuite() {
    const OfxDrawSuiteV1* s = suites().draw;
    return s != nullptr && s->setColour != nullptr && s->setLineWidth != nullptr && s->draw != nullptr ? s : nullptr;
}

// ------------------------------------------------------------------------------------------ colours

// Our own colours: OpenGL has no theme, and a draw suite host may not answer getColour.
constexpr OfxRGBAColourF kActive{1.0f, 0.8f, 0.2f, 1.0f};
constexpr OfxRGBAColourF kInclude{0.35f, 0.95f, 0.35f, 1.0f};
constexpr OfxRGBAColourF kExclude{1.0f, 0.35f, 0.35f, 1.0f};
constexpr OfxRGBAColourF kNeutral{0.9f, 0.9f, 0.9f, 1.0f};
constexpr OfxRGBAColourF kShadow{0.0f, 0.0f, 0.0f, 0.6f};

/// The colours of one draw action. Include and exclude stay green and red whatever the theme: they carry meaning
/// (which points add to the matte and which cut from it) that no standard theme colour has.
struct Palette {
    OfxRGBAColourF dragged = kActive; // the handle being dragged (kOfxStandardColourOverlayActive)
    OfxRGBAColourF hovered = kActive; // the handle under the pen (kOfxStandardColourOverlaySelected)
    OfxRGBAColourF neutral = kNeutral; // handles at rest (kOfxStandardColourOverlayDeselected)
    OfxRGBAColourF shadow = kShadow;  // the offset pass under everything (kOfxStandardColourOverlayBackground)
    OfxRGBAColourF text = kNeutral;   // labels (kOfxStandardColourOverlayText)
};

/// Our colours, with every one the host's theme answers replaced by the host's. A colour the host refuses
/// (kOfxStatFailed, ErrUnsupported ...) or answers with NaN stays ours; components are clamped to 0..1.
Palette paletteOf(const OfxDrawSuiteV1* suite, OfxDrawContextHandle context) {
    Palette p;
    if (suite == nullptr || suite->getColour == nullptr || context == nullptr) return p;
    const auto take = [&](OfxStandardColour which, OfxRGBAColourF& into) {
        const float nan = std::nanf("");
        OfxRGBAColourF c{nan, nan, nan, nan};
        if (suite->getColour(context, which, &c) != kOfxStatOK) return;
        const float parts[4] = {c.r, c.g, c.b, c.a};
        for (float v : parts)
            if (!std::isfinite(v)) return;
        const auto unit = [](float v) { return std::min(1.0f, std::max(0.0f, v)); };
        into = {unit(c.r), unit(c.g), unit(c.b), unit(c.a)};
    };
    take(kOfxStandardColourOverlayActive, p.dragged);
    p.hovered = p.dragged; // a theme with an active colour but no selected one highlights hovering alike
    take(kOfxStandardColourOverlaySelected, p.hovered);
    take(kOfxStandardColourOverlayDeselected, p.neutral);
    take(kOfxStandardColourOverlayBackground, p.shadow);
    take(kOfxStandardColourOverlayText, p.text);
    return p;
}

enum class Highlight { None, Hovered, Dragged };

OfxRGBAColourF colourFor(const Palette& palette, OverlayRole role, Highlight highlight) {
    if (highlight == Highlight::Dragged) return palette.dragged;
    if (highlight == Highlight::Hovered) return palette.hovered;
    switch (role) {
    case OverlayRole::Include: return kInclude;
    case OverlayRole::Exclude: return kExclude;
    case OverlayRole::Neutral: break;
    }
    return palette.neutral;
}

// ------------------------------------------------------------------------------------------ drawing

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

// ------------------------------------------------------------------------------------------ labels

// Screen pixels between a handle and its label.
constexpr double kLabelGap = 3;

/// A canonical value as a label shows it: whole units when whole, else one decimal ("62", "62.5").
std::string number(double v) {
    if (std::fabs(v) < 0.05) v = 0; // no "-0"
    char buf[32];
    if (std::fabs(v - std::round(v)) < 0.05) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string pointText(Vec v) { return "(" + number(v.x) + ", " + number(v.y) + ")"; }

/// What a point says it does: "+" adds to the matte, "-" cuts from it (ASCII, so every host font has it).
const char* signOf(OverlayRole role) {
    switch (role) {
    case OverlayRole::Include: return "+";
    case OverlayRole::Exclude: return "-";
    case OverlayRole::Neutral: break;
    }
    return "";
}

/// The labels of one shape: a point's sign beside it, a box's size above its top-left corner, and the position of
/// the part under the pen or being dragged (its centre or one corner), placed outside the shape.
void labels(Canvas& c, const Shape& s, int part, Vec px) {
    const double gx = kLabelGap * px.x, gy = kLabelGap * px.y;
    if (s.def->shape == OverlayShape::Point) {
        const Vec at{s.centre.x + kCrossHalf * px.x + gx, s.centre.y + gy};
        c.text(signOf(s.def->role), at, kOfxDrawTextAlignmentLeft | kOfxDrawTextAlignmentBottom);
    } else {
        const Vec topLeft{s.centre.x - 0.5 * std::fabs(s.extent.x), s.centre.y + 0.5 * std::fabs(s.extent.y)};
        c.text(number(std::fabs(s.extent.x)) + " x " + number(std::fabs(s.extent.y)),
               {topLeft.x, topLeft.y + kKnobHalf * px.y + gy}, kOfxDrawTextAlignmentLeft | kOfxDrawTextAlignmentBottom);
    }
    if (part == kCentre) {
        c.text(pointText(s.centre), {s.centre.x + kCrossHalf * px.x + gx, s.centre.y - gy},
               kOfxDrawTextAlignmentLeft | kOfxDrawTextAlignmentTop);
    } else if (part >= 0 && part < 4 && s.def->shape != OverlayShape::Point) {
        // Right-hand corners label to their right, left-hand ones to their left; top ones above, bottom ones below
        // (the sides as drawn: a negative size swaps them).
        const Vec at = corner(s.centre, s.extent, part);
        const bool right = at.x >= s.centre.x, top = at.y >= s.centre.y;
        const double off = kKnobHalf + kLabelGap;
        c.text(pointText(at), {at.x + (right ? off : -off) * px.x, at.y + (top ? off : -off) * px.y},
               (right ? kOfxDrawTextAlignmentLeft : kOfxDrawTextAlignmentRight) |
                   (top ? kOfxDrawTextAlignmentBottom : kOfxDrawTextAlignmentTop));
    }
}

// One pass of every visible shape; `shadow` offsets everything by one screen pixel in the shadow colour so handles
// and labels read on any picture.
void drawPass(Canvas& c, const std::vector<Shape>& shapes, const DragState& state, const Palette& palette, Vec px,
              bool shadow) {
    for (size_t i = 0; i < shapes.size(); ++i) {
        Shape s = shapes[i];
        if (s.def == nullptr) continue;
        if (shadow) {
            s.centre.x += px.x;
            s.centre.y -= px.y;
        }
        const int index = static_cast<int>(i);
        const Highlight highlight = state.drag.handle == index    ? Highlight::Dragged
                                    : state.hover.handle == index ? Highlight::Hovered
                                                                  : Highlight::None;
        c.colour(shadow ? palette.shadow : colourFor(palette, s.def->role, highlight));
        if (s.def->shape != OverlayShape::Point) {
            outline(c, s);
            for (int k = 0; k < 4; ++k) knob(c, corner(s.centre, s.extent, k), px);
        }
        if (!hostDrawsPositionHandles()) {
            cross(c, s.centre, px);
            if (s.def->shape == OverlayShape::Point) knob(c, s.centre, px);
        }
        if (c.drawsText()) {
            // Labels even beside a host's own point handles: those all look alike, the sign tells them apart.
            if (!shadow) c.colour(palette.text);
            const int part = highlight == Highlight::Dragged   ? state.drag.part
                             : highlight == Highlight::Hovered ? state.hover.part
                                                               : kNoPart;
            labels(c, s, part, px);
        }
    }
}

void paint(Canvas& c, const std::vector<Shape>& shapes, const DragState& state, const Palette& palette, Vec px) {
    c.lineWidth(1.5f);
    drawPass(c, shapes, state, palette, px, true);
    drawPass(c, shapes, state, palette, px, false);
}

// ------------------------------------------------------------------------------------------ actions

struct Context {
    OfxImageEffectHandle effect = nullptr;
    OfxTime time = 0;
    Vec pixelScale{1, 1};
    std::optional<Vec> pen; // absent, or NaN/huge from a confused host: the pen is nowhere we can act on
    OfxDrawContextHandle drawContext = nullptr; // draw action only, and only from OFX 1.5 hosts with a draw suite
};

Context contextOf(OfxPropertySetHandle inArgs) {
    Context c;
    if (inArgs == nullptr) return c;
    const Props args(inArgs);
    c.effect = static_cast<OfxImageEffectHandle>(args.getPointer(kOfxPropEffectInstance).value_or(nullptr));
    // Params read at a NaN time would be whatever the host makes of it; the start of the clip is a real time.
    const double time = args.getDouble(kOfxPropTime).value_or(0.0);
    c.time = std::isfinite(time) ? time : 0.0;
    if (const auto scale = args.getDoubles(kOfxInteractPropPixelScale, 2)) {
        // A zero, negative or non-finite scale would make every hit test succeed or fail and every knob vanish or
        // fill the viewer; treat it as one canonical unit a pixel.
        const auto positive = [](double v) { return std::isfinite(v) && v > 0 && v <= kMaxCoordinate ? v : 1.0; };
        c.pixelScale = {positive((*scale)[0]), positive((*scale)[1])};
    }
    if (const auto pen = args.getDoubles(kOfxInteractPropPenPosition, 2)) {
        const Vec at{(*pen)[0], (*pen)[1]};
        if (sane(at)) c.pen = at;
    }
    c.drawContext = static_cast<OfxDrawContextHandle>(args.getPointer(kOfxInteractPropDrawContext).value_or(nullptr));
    return c;
}

/// The effect instance's Runway data, or NULL when the host passes an effect we never created (or lost its data):
/// an overlay action then has nothing to show or move, which is no error worth a message in the viewer.
const Instance* instanceIfAny(OfxImageEffectHandle effect) {
    if (effect == nullptr) return nullptr;
    try {
        return &instanceOf(effect);
    } catch (const std::exception&) {
        return nullptr;
    }
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
    const Instance* instance = instanceIfAny(c.effect);
    if (instance == nullptr) return kOfxStatReplyDefault;
    const auto shapes = visibleShapes(effect, *instance, c.time);
    DragState state;
    {
        // find, not []: a draw for an interact the host never created must not leave state behind.
        std::lock_guard<std::mutex> lock(gStatesMutex);
        if (const auto it = gStates.find(interact); it != gStates.end()) state = it->second;
    }
    if (suite != nullptr) {
        SuiteCanvas canvas(*suite, c.drawContext);
        paint(canvas, shapes, state, paletteOf(suite, c.drawContext), c.pixelScale);
    } else {
        GlCanvas canvas(gl());
        paint(canvas, shapes, state, Palette{}, c.pixelScale);
    }
    return kOfxStatOK;
}

OfxStatus penDown(const EffectDef& effect, OfxInteractHandle interact, const Context& c) {
    const Instance* instance = instanceIfAny(c.effect);
    if (instance == nullptr || !c.pen) return kOfxStatReplyDefault;
    const Vec pen = *c.pen;
    const auto shapes = visibleShapes(effect, *instance, c.time);
    const Target hit = hitTest(shapes, pen, c.pixelScale);
    if (hit.handle < 0) return kOfxStatReplyDefault;
    const Shape& s = shapes[static_cast<size_t>(hit.handle)];
    std::lock_guard<std::mutex> lock(gStatesMutex);
    DragState& state = gStates[interact];
    state.drag = hit;
    state.anchor = hit.part == kCentre ? Vec{pen.x - s.centre.x, pen.y - s.centre.y} : corner(s.centre, s.extent, 3 - hit.part);
    // One undo step for the whole drag.
    if (OfxParamSetHandle set = paramSetOf(c.effect))
        state.editOpen = suites().parameter->paramEditBegin(set, "Move handle") == kOfxStatOK;
    return kOfxStatOK;
}

OfxStatus penMotion(const EffectDef& effect, OfxInteractHandle interact, const Context& c) {
    const Instance* instance = instanceIfAny(c.effect);
    if (instance == nullptr) return kOfxStatReplyDefault;
    DragState state;
    {
        std::lock_guard<std::mutex> lock(gStatesMutex);
        if (const auto it = gStates.find(interact); it != gStates.end()) state = it->second;
    }
    // A motion with no usable pen position moves nothing; a drag in progress waits for the next real one.
    if (!c.pen) return state.drag.handle >= 0 ? kOfxStatOK : kOfxStatReplyDefault;
    const Vec pen = *c.pen;
    const auto shapes = visibleShapes(effect, *instance, c.time);
    if (state.drag.handle < 0 || static_cast<size_t>(state.drag.handle) >= shapes.size() ||
        shapes[static_cast<size_t>(state.drag.handle)].def == nullptr) {
        const Target hover = hitTest(shapes, pen, c.pixelScale);
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
        write2D(*s.position, c.time, {pen.x - state.anchor.x, pen.y - state.anchor.y});
    } else {
        // Resize about the opposite corner, which stays where it was at pen down.
        const Vec o = state.anchor;
        write2D(*s.position, c.time, {(o.x + pen.x) / 2, (o.y + pen.y) / 2});
        write2D(*s.size, c.time, {std::fabs(pen.x - o.x), std::fabs(pen.y - o.y)});
    }
    requestRedraw(interact);
    return kOfxStatOK;
}

OfxStatus penUp(OfxInteractHandle interact, const Context& c) {
    std::lock_guard<std::mutex> lock(gStatesMutex);
    const auto it = gStates.find(interact);
    if (it == gStates.end() || it->second.drag.handle < 0) return kOfxStatReplyDefault;
    endEdit(c.effect, it->second);
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
