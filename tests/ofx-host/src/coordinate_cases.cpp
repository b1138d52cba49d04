// coordinate_cases.cpp: on-screen position and size params (effects.json "coordinates": "position" / "size").
// Hosts hold them in canonical coordinates (origin bottom-left, y up, pixel aspect applied, before render scale);
// the daemon wants full-resolution pixels of the Source image from its top-left corner, y down. These cases check
// the declaration (double type, defaults that land at the same place in any project) and the conversion, by
// rendering generative fill with a rectangle placed in canonical coordinates and looking WHERE the output changed.
#include "rig.h"
#include "sandbox.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

using nlohmann::json;

namespace ofxhost {
namespace {

constexpr const char* kGenerativeFillId = "com.runwayml.generative-fill";

json bundleEffects(const TestContext& ctx) {
    std::ifstream in(ctx.bundle + "/Contents/Resources/effects.json");
    CHECK(in.good(), "bundle has no Contents/Resources/effects.json");
    return json::parse(in);
}

std::vector<std::string> choiceValues(const json& effect, const std::string& param) {
    std::vector<std::string> out;
    for (const auto& p : effect.value("params", json::array()))
        if (p.value("name", "") == param)
            for (const auto& o : p.value("options", json::array())) out.push_back(o.value("value", ""));
    return out;
}

// One placement: the source's pixel bounds at `scale` with pixel aspect `par`, and the rectangle the daemon must
// fill, in host pixel coordinates (y up), worked out by hand from the canonical centre and size the case sets.
struct Placement {
    const char* what;
    OfxRectI bounds;
    double scale;
    double par;
    OfxRectI expected;
};

// Smooth background with a bright HDR red block exactly where the rectangle should land: a fill in the right
// place removes the block, a fill anywhere else leaves red behind or changes pixels it should not.
std::shared_ptr<TestImage> blockPicture(const Placement& p) {
    auto img = std::make_shared<TestImage>(p.bounds, kOfxBitDepthFloat, kOfxImageComponentRGBA);
    img->pixelAspect = p.par;
    img->renderScale[0] = img->renderScale[1] = p.scale;
    const double w = p.bounds.x2 - p.bounds.x1, h = p.bounds.y2 - p.bounds.y1;
    img->fill([&](int x, int y) {
        const bool block = x >= p.expected.x1 && x < p.expected.x2 && y >= p.expected.y1 && y < p.expected.y2;
        if (block) return Rgba{2.0f, 0.0f, 0.0f, 1.0f};
        const auto u = static_cast<float>((x - p.bounds.x1 + 0.5) / w), v = static_cast<float>((y - p.bounds.y1 + 0.5) / h);
        return Rgba{0.2f + 0.3f * u, 0.3f + 0.3f * v, 0.4f, 1.0f};
    });
    return img;
}

void checkPlacement(TestContext& ctx, const json& effect, const Placement& p) {
    std::printf("  %s: bounds (%d,%d)-(%d,%d) scale %.2f PAR %.1f, expect fill at (%d,%d)-(%d,%d)\n", p.what,
                p.bounds.x1, p.bounds.y1, p.bounds.x2, p.bounds.y2, p.scale, p.par, p.expected.x1, p.expected.y1,
                p.expected.x2, p.expected.y2);
    auto binary = loadPluginBinary(ctx.pluginPath, kGenerativeFillId);
    auto session = std::make_shared<PluginSession>(binary, binary->find(kGenerativeFillId));
    session->prepare(kOfxImageEffectContextGeneral);
    EffectInstance instance(*session);
    const auto source = blockPicture(p);
    instance.setInput(kOfxImageEffectSimpleSourceClipName, source);
    if (Clip* mask = instance.effect().findClip("Mask")) instance.setInput(mask->name, nullptr, false);
    CHECK(instance.create() == kOfxStatOK, p.what << ": create instance failed" << messagesText());
    PropertySet prefs;
    instance.clipPreferences(prefs);
    instance.setParam("maskSource", "rectangle", choiceValues(effect, "maskSource"));
    // Canonical centre (70, 64) and size (16, 12) in every placement; no feather/dilate so the fill's edge is
    // the rectangle's, and no temporal reuse so one frame is all it needs.
    instance.setParam("center", "70,64");
    instance.setParam("size", "16,12");
    instance.setParam("feather", "0");
    instance.setParam("dilate", "0");
    instance.setParam("temporal", "false");

    RenderCall call;
    call.time = 0;
    call.scale[0] = call.scale[1] = p.scale;
    call.output = std::make_shared<TestImage>(p.bounds, kOfxBitDepthFloat, kOfxImageComponentRGBA);
    call.output->pixelAspect = p.par;
    call.output->renderScale[0] = call.output->renderScale[1] = p.scale;
    call.output->fillBytes(0xA5);
    const RenderOutcome r = instance.renderFrame(call);
    CHECK(r.status == kOfxStatOK, p.what << ": render returned " << r.status << messagesText());
    CHECK(!r.identity, p.what << ": answered identity although a rectangle is set");
    const TestImage& out = *call.output;

    // Outside the rectangle (plus 1 px for rounding of its edges) nothing may change; inside it (less 1 px)
    // the red block must be gone. Red 2.0 against a background below 0.5: 1.0 separates them by a wide margin.
    int changedOutside = 0, redInside = 0, inside = 0;
    for (int y = p.bounds.y1; y < p.bounds.y2; ++y)
        for (int x = p.bounds.x1; x < p.bounds.x2; ++x) {
            const Rgba o = out.get(x, y), s = source->get(x, y);
            const bool nearRect = x >= p.expected.x1 - 1 && x < p.expected.x2 + 1 && y >= p.expected.y1 - 1 && y < p.expected.y2 + 1;
            const bool deepInside = x >= p.expected.x1 + 1 && x < p.expected.x2 - 1 && y >= p.expected.y1 + 1 && y < p.expected.y2 - 1;
            if (!nearRect) {
                double diff = 0;
                for (size_t c = 0; c < 4; ++c) diff = std::max(diff, static_cast<double>(std::fabs(o[c] - s[c])));
                if (diff > 1e-4 && ++changedOutside <= 3)
                    std::printf("    changed outside the rectangle at (%d,%d): %.3f -> %.3f\n", x, y, s[0], o[0]);
            }
            if (deepInside) {
                ++inside;
                if (!(o[0] < 1.0f)) ++redInside;
            }
        }
    std::printf("    %d pixels changed outside, %d of %d still red inside\n", changedOutside, redInside, inside);
    CHECK(changedOutside == 0, p.what << ": " << changedOutside
                                      << " pixels changed outside the rectangle: the position did not reach the daemon "
                                         "as top-left pixels of the source");
    CHECK(redInside == 0, p.what << ": " << redInside << " of " << inside
                                 << " pixels inside the rectangle were not filled: the fill landed elsewhere");
    CHECK(currentHost().outstandingImages() == 0, currentHost().outstandingImages() << " images not released");
}

} // namespace

// Every position/size Double2D in effects.json is described with the OFX double type hosts draw handles for,
// asks for the host's own viewer handle when it has one, and its default lands at the same relative place in the project (here 1920x1080, y up) via a normalised default.
OFX_TEST(position_params_declare_xy_types_and_normalised_defaults) {
    Sandbox sandbox;
    const json doc = bundleEffects(ctx);
    int checked = 0;
    for (const auto& effect : doc.value("effects", json::array())) {
        const std::string id = effect.value("id", "");
        std::shared_ptr<PluginSession> session;
        std::unique_ptr<EffectInstance> instance;
        for (const auto& p : effect.value("params", json::array())) {
            const std::string coordinates = p.value("coordinates", "plain");
            if (p.value("kind", "") != "double2d" || coordinates == "plain") continue;
            if (!session) {
                auto binary = loadPluginBinary(ctx.pluginPath, id);
                session = std::make_shared<PluginSession>(binary, binary->find(id));
                session->prepare(kOfxImageEffectContextGeneral);
                instance = std::make_unique<EffectInstance>(*session);
            }
            const std::string name = p.value("name", "");
            const Param& param = instance->param(name);
            const std::string type = param.props.getString(kOfxParamPropDoubleType).value_or("(none)");
            const bool position = coordinates == "position";
            CHECK(type == (position ? kOfxParamDoubleTypeXYAbsolute : kOfxParamDoubleTypeXY),
                  id << " param '" << name << "' (" << coordinates << ") is declared with double type " << type);
            if (position)
                CHECK(param.props.getInt(kOfxParamPropUseHostOverlayHandle).value_or(0) == 1,
                      id << " param '" << name << "' does not ask for the host's viewer handle although the host has one");
            const json fraction = p.value("defaultNormalised", json::array());
            CHECK(fraction.size() == 2, id << " param '" << name << "' has no defaultNormalised in effects.json");
            const double wantX = fraction[0].get<double>() * kProjectWidth;
            const double wantY = (position ? 1.0 - fraction[1].get<double>() : fraction[1].get<double>()) * kProjectHeight;
            CHECK(param.numbers.size() == 2 && std::fabs(param.numbers[0] - wantX) < 1e-6 && std::fabs(param.numbers[1] - wantY) < 1e-6,
                  id << " param '" << name << "' defaults to (" << param.numbers.at(0) << ", " << param.numbers.at(1)
                     << ") in a " << kProjectWidth << "x" << kProjectHeight << " project, want (" << wantX << ", " << wantY << ")");
            ++checked;
        }
    }
    std::printf("  %d position/size params checked\n", checked);
    CHECK(checked >= 4, "effects.json declares only " << checked << " position/size params (generative fill's centre and "
                        "size and rotoscope's rectangle and points should be)");
}

// DaVinci Resolve ignores normalised defaults (a centre of 0.5, 0.5 would sit in the bottom-left corner), so there
// the defaults are canonical coordinates of the 1920x1080 frame the C# defaults are written for.
OFX_TEST(position_defaults_are_canonical_on_hosts_without_normalised_defaults) {
    HostOptions options;
    options.name = "DaVinciResolve";
    options.label = "DaVinci Resolve";
    installHost(std::make_unique<Host>(options));
    Sandbox sandbox;
    auto binary = loadPluginBinary(ctx.pluginPath, kGenerativeFillId);
    auto session = std::make_shared<PluginSession>(binary, binary->find(kGenerativeFillId));
    session->prepare(kOfxImageEffectContextGeneral);
    EffectInstance instance(*session);
    const Param& centre = instance.param("center");
    const Param& size = instance.param("size");
    CHECK(!centre.props.getString(kOfxParamPropDefaultCoordinateSystem).has_value(),
          "a normalised default was declared to a host that ignores it");
    CHECK(centre.props.getString(kOfxParamPropDoubleType).value_or("") == kOfxParamDoubleTypeXYAbsolute,
          "centre lost its double type on Resolve");
    // effects.json: centre 960,540 from the top-left (the middle), size 320x240.
    CHECK(centre.numbers == std::vector<double>({960.0, 540.0}),
          "centre defaults to (" << centre.numbers.at(0) << ", " << centre.numbers.at(1) << "), want the middle (960, 540)");
    CHECK(std::fabs(size.numbers.at(0) - 320.0) < 1e-9 && std::fabs(size.numbers.at(1) - 240.0) < 1e-9,
          "size defaults to (" << size.numbers.at(0) << ", " << size.numbers.at(1) << "), want (320, 240)");
}

// Canonical centre (70, 64), size (16, 12): worked out by hand for each placement.
//  - offset bounds, full scale: pixel = canonical; centre 30 px from the left and 84-64 = 20 px from the top.
//  - half render scale: the same canonical rectangle at half size inside half-size bounds.
//  - PAR 2: canonical x is twice pixel x, so the centre is at pixel x 35 and the width is 8 pixels.
OFX_TEST(position_param_reaches_the_daemon_as_top_left_source_pixels) {
    Sandbox sandbox;
    const json doc = bundleEffects(ctx);
    CHECK(doc.contains("effects") && doc["effects"].is_array(), "effects.json has no effects array");
    const json* effect = nullptr;
    for (const auto& e : doc["effects"])
        if (e.value("id", "") == kGenerativeFillId) effect = &e;
    CHECK(effect != nullptr, "no " << kGenerativeFillId << " in effects.json");
    checkPlacement(ctx, *effect, {"offset bounds", {40, 20, 136, 84}, 1.0, 1.0, {62, 58, 78, 70}});
    checkPlacement(ctx, *effect, {"half render scale", {20, 10, 68, 42}, 0.5, 1.0, {31, 29, 39, 35}});
    checkPlacement(ctx, *effect, {"pixel aspect 2", {20, 20, 68, 84}, 1.0, 2.0, {31, 58, 39, 70}});
}

} // namespace ofxhost
