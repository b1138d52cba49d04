// overlay_driver.cpp: see overlay_driver.h.
#include "overlay_driver.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace ofxhost {

OfxPluginEntryPoint overlayEntry(PluginSession& session) {
    const auto p = session.descriptor().props.getPointer(kOfxImageEffectPluginPropOverlayInteractV1);
    return p && *p != nullptr ? reinterpret_cast<OfxPluginEntryPoint>(*p) : nullptr;
}

// A host like Resolve: it shows overlays but draws no handles of its own for position params. With `drawSuite` it
// is an OFX 1.5 host that also offers the draw suite.
void installHostWithoutNativeHandles(bool drawSuite) {
    HostOptions options;
    options.nativeHandles = false;
    options.drawSuite = drawSuite;
    installHost(std::make_unique<Host>(options));
}

std::shared_ptr<PluginSession> prepared(TestContext& ctx, const char* id) {
    auto binary = loadPluginBinary(ctx.pluginPath, id);
    auto session = std::make_shared<PluginSession>(binary, binary->find(id));
    session->prepare(kOfxImageEffectContextGeneral);
    return session;
}

bool black(const GlPrimitive& p) { return p.colour[0] == 0 && p.colour[1] == 0 && p.colour[2] == 0; }

bool inColour(const GlPrimitive& p, const OfxRGBAColourF& c) {
    return p.colour == std::array<float, 4>{c.r, c.g, c.b, c.a};
}

bool sameGeometry(const std::vector<GlPrimitive>& a, const std::vector<GlPrimitive>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].mode != b[i].mode || a[i].vertices != b[i].vertices) return false;
    return true;
}

bool allFinite(const std::vector<GlPrimitive>& all) {
    for (const auto& p : all)
        for (const auto& v : p.vertices)
            if (!std::isfinite(v.first) || !std::isfinite(v.second)) return false;
    return true;
}

std::vector<DrawnText> textsSaying(const std::vector<DrawnText>& texts, const std::string& s) {
    std::vector<DrawnText> out;
    for (const auto& t : texts)
        if (t.text == s) out.push_back(t);
    return out;
}

bool sameColour(const OfxRGBAColourF& a, const OfxRGBAColourF& b) {
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

bool labelNear(const std::vector<DrawnText>& texts, const std::string& s, double x, double y, double reach) {
    for (const auto& t : textsSaying(texts, s))
        if (std::fabs(t.x - x) <= reach && std::fabs(t.y - y) <= reach &&
            sameColour(t.colour, themeColour(kOfxStandardColourOverlayText)))
            return true;
    return false;
}

std::string allTexts(const std::vector<DrawnText>& texts) {
    std::string out;
    for (const auto& t : texts) out += "'" + t.text + "' ";
    return out.empty() ? "none" : out;
}

// Draw-suite primitives in the OpenGL recorder's terms, so one set of checks reads both paths. Primitives with no
// OpenGL line equivalent keep a mode no check looks for.
std::vector<GlPrimitive> asGl(const std::vector<DrawnPrimitive>& drawn) {
    std::vector<GlPrimitive> out;
    for (const auto& d : drawn) {
        GlPrimitive p;
        p.mode = d.primitive == kOfxDrawPrimitiveLineLoop ? kGlLineLoop
                 : d.primitive == kOfxDrawPrimitiveLines  ? kGlLines
                                                          : 0x100u + static_cast<unsigned>(d.primitive);
        p.colour = {d.colour.r, d.colour.g, d.colour.b, d.colour.a};
        p.vertices = d.points;
        out.push_back(std::move(p));
    }
    return out;
}

bool sameDrawing(const std::vector<GlPrimitive>& a, const std::vector<GlPrimitive>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].mode != b[i].mode || a[i].colour != b[i].colour || a[i].vertices != b[i].vertices) return false;
    return true;
}

std::vector<GlPrimitive> coloured(const std::vector<GlPrimitive>& all, unsigned mode) {
    std::vector<GlPrimitive> out;
    for (const auto& p : all)
        if (p.mode == mode && !black(p)) out.push_back(p);
    return out;
}

bool near(double a, double b) { return std::fabs(a - b) < 1e-6; }

// The colours of the crosses (point handles, shadows left out) centred at (x, y).
std::vector<std::array<float, 4>> crossColoursAt(const std::vector<GlPrimitive>& all, double x, double y) {
    std::vector<std::array<float, 4>> out;
    for (const auto& p : coloured(all, kGlLines)) {
        double sx = 0, sy = 0;
        for (const auto& v : p.vertices) {
            sx += v.first;
            sy += v.second;
        }
        const auto n = static_cast<double>(p.vertices.size());
        if (n > 0 && near(sx / n, x) && near(sy / n, y)) out.push_back(p.colour);
    }
    return out;
}

// Whether a cross centred at (x, y) was drawn in the include (green) or exclude (red) colour.
bool hasCrossAt(const std::vector<GlPrimitive>& all, double x, double y, bool green) {
    const auto colours = crossColoursAt(all, x, y);
    return std::any_of(colours.begin(), colours.end(),
                       [&](const auto& c) { return green ? c[1] > c[0] : c[0] > c[1]; });
}

// Whether some loop of at least 16 points lies on the ellipse of centre (cx, cy) and radii rx, ry (corner knobs
// are 4-point loops).
bool hasEllipse(const std::vector<GlPrimitive>& all, double cx, double cy, double rx, double ry) {
    for (const auto& loop : coloured(all, kGlLineLoop)) {
        if (loop.vertices.size() < 16) continue;
        if (std::all_of(loop.vertices.begin(), loop.vertices.end(), [&](const auto& v) {
                const double u = (v.first - cx) / rx, w = (v.second - cy) / ry;
                return std::fabs(u * u + w * w - 1) < 1e-6;
            }))
            return true;
    }
    return false;
}

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

} // namespace ofxhost
