// capability_cases.cpp: conformance cases that pick their effect BY CAPABILITY from the bundle's effects.json
// instead of by name: an effect with an input clip besides Source and the mask (a "Reference"), and an effect
// that makes frames outside its source range ("extends"). No such effect in the bundle is a failure, not a skip:
// the plumbing these cases check would otherwise go untested.
#include "rig.h"
#include "sandbox.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

using nlohmann::json;

namespace ofxhost {
namespace {

json effectsJson(const TestContext& ctx) {
    std::ifstream in(ctx.bundle + "/Contents/Resources/effects.json");
    CHECK(in.good(), "bundle has no Contents/Resources/effects.json");
    return json::parse(in);
}

bool isNamedInput(const json& clip) {
    const std::string name = clip.value("name", "");
    return !clip.value("isMask", false) && name != kOfxImageEffectSimpleSourceClipName && name != kOfxImageEffectOutputClipName;
}

std::string maskClipName(const json& effect) {
    for (const auto& c : effect.value("clips", json::array()))
        if (c.value("isMask", false)) return c.value("name", "");
    return "";
}

std::vector<std::string> optionValues(const json& effect, const std::string& param) {
    std::vector<std::string> out;
    for (const auto& p : effect.value("params", json::array()))
        if (p.value("name", "") == param)
            for (const auto& o : p.value("options", json::array())) out.push_back(o.value("value", ""));
    return out;
}

// A textured picture (gradient plus an 8-pixel checker) shifted `shift` pixels to the right, so frames of a
// "moving camera" differ and feature-based engines have something to track.
std::shared_ptr<TestImage> texturedFrame(OfxRectI bounds, double shift) {
    auto img = std::make_shared<TestImage>(bounds, kOfxBitDepthFloat, kOfxImageComponentRGBA);
    img->fill([&](int x, int y) {
        const double u = (x - shift) / 8.0, v = y / 8.0;
        const float checker = ((static_cast<int>(std::floor(u)) + static_cast<int>(std::floor(v))) & 1) != 0 ? 0.25f : 0.0f;
        const float gx = static_cast<float>(0.1 + 0.6 * (x + 0.5) / (bounds.x2 - bounds.x1));
        const float gy = static_cast<float>(0.1 + 0.6 * (y + 0.5) / (bounds.y2 - bounds.y1));
        return Rgba{gx + checker, gy + checker, 0.3f + checker, 1.0f};
    });
    return img;
}

std::shared_ptr<TestImage> blankOutput(OfxRectI bounds) {
    auto out = std::make_shared<TestImage>(bounds, kOfxBitDepthFloat, kOfxImageComponentRGBA);
    out->fillBytes(0xA5);
    return out;
}

double maxDifference(const TestImage& a, const TestImage& b) {
    double worst = 0;
    for (int y = a.bounds().y1; y < a.bounds().y2; ++y)
        for (int x = a.bounds().x1; x < a.bounds().x2; ++x)
            for (size_t c = 0; c < 4; ++c) worst = std::max(worst, static_cast<double>(std::fabs(a.get(x, y)[c] - b.get(x, y)[c])));
    return worst;
}

void checkWrittenAndFinite(const TestImage& out, const std::string& what) {
    const TestImage sentinel = *blankOutput(out.bounds());
    for (int y = out.bounds().y1; y < out.bounds().y2; ++y)
        for (int x = out.bounds().x1; x < out.bounds().x2; ++x) {
            CHECK(!out.samePixelBytes(x, y, sentinel), what << ": pixel (" << x << "," << y << ") was not written");
            for (size_t c = 0; c < 4; ++c) CHECK(std::isfinite(out.get(x, y)[c]), what << ": pixel (" << x << "," << y << ") is not finite");
        }
}

std::string timesText(const std::vector<double>& times) {
    std::ostringstream s;
    for (const double t : times) s << t << ' ';
    return s.str();
}

std::vector<double> distinctSorted(std::vector<double> times) {
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    return times;
}

// One effect with a named input clip: the clip is fetched at the render time, reaches the daemon at its own size
// (smaller than the source here), and a different reference gives a different result.
void checkNamedClip(TestContext& ctx, const json& effect, const std::string& clipName, bool optional) {
    const std::string id = effect.value("id", "");
    std::printf("  %s: clip '%s'\n", id.c_str(), clipName.c_str());
    auto binary = loadPluginBinary(ctx.pluginPath, id);
    auto session = std::make_shared<PluginSession>(binary, binary->find(id));
    session->prepare(kOfxImageEffectContextGeneral);
    EffectInstance instance(*session);

    const OfxRectI bounds{0, 0, 96, 64};
    instance.setInput(kOfxImageEffectSimpleSourceClipName, texturedFrame(bounds, 0));
    if (const std::string mask = maskClipName(effect); !mask.empty()) {
        // A large hole, so effects that only change masked pixels have room to show the reference.
        auto hole = std::make_shared<TestImage>(bounds, kOfxBitDepthFloat, kOfxImageComponentAlpha);
        hole->fill([&](int x, int y) {
            const float a = x >= 24 && x < 72 && y >= 16 && y < 48 ? 1.0f : 0.0f;
            return Rgba{a, a, a, a};
        });
        instance.setInput(mask, hole);
    }
    // References larger than the source: the same picture at another resolution (a clean plate, so patch-based
    // fills can borrow from it), tinted warm or cold (so colour-matching effects see different statistics).
    const OfxRectI refBounds{0, 0, 120, 80};
    const auto plate = texturedFrame(bounds, 0);
    const auto tinted = [&](float r, float b) {
        auto img = std::make_shared<TestImage>(refBounds, kOfxBitDepthFloat, kOfxImageComponentRGBA);
        img->fill([&](int x, int y) {
            const Rgba c = plate->get(x * bounds.x2 / refBounds.x2, y * bounds.y2 / refBounds.y2);
            return Rgba{c[0] * r, c[1], c[2] * b, 1.0f};
        });
        return img;
    };
    auto warm = tinted(1.4f, 0.4f);
    auto cold = tinted(0.4f, 1.6f);
    instance.setInput(clipName, warm);
    CHECK(instance.create() == kOfxStatOK, id << ": create instance failed" << messagesText());
    PropertySet prefs;
    instance.clipPreferences(prefs);

    PropertySet roi;
    CHECK(instance.regionsOfInterest(0, {1, 1, 2, 2}, 1.0, roi) == kOfxStatOK, id << ": RoI action failed");
    const auto clipRoi = roi.getDoubles(std::string(kOfxImageClipPropRoI_) + clipName);
    CHECK(clipRoi.size() == 4 && clipRoi[2] - clipRoi[0] >= refBounds.x2 && clipRoi[3] - clipRoi[1] >= refBounds.y2,
          id << ": the RoI of clip '" << clipName << "' is not its whole region of definition");

    Clip& clip = instance.clip(clipName);
    RenderCall call;
    call.time = 3;
    call.output = blankOutput(bounds);
    RenderOutcome r = instance.renderFrame(call);
    CHECK(r.status == kOfxStatOK, id << ": render with the warm reference returned " << r.status << messagesText());
    CHECK(!r.identity, id << ": answered identity although a reference and a mask are connected");
    const auto warmOut = call.output;
    checkWrittenAndFinite(*warmOut, id + " (warm reference)");
    CHECK(std::find(clip.fetchedTimes.begin(), clip.fetchedTimes.end(), 3.0) != clip.fetchedTimes.end(),
          id << ": clip '" << clipName << "' was not fetched at the render time (fetched at " << timesText(clip.fetchedTimes) << ")");

    instance.setInput(clipName, cold);
    call.output = blankOutput(bounds);
    r = instance.renderFrame(call);
    CHECK(r.status == kOfxStatOK, id << ": render with the cold reference returned " << r.status << messagesText());
    const double diff = maxDifference(*warmOut, *call.output);
    std::printf("    largest difference between warm- and cold-reference results: %.4f\n", diff);
    // 0.02 is far above float noise and far below what borrowing red instead of blue content changes.
    CHECK(diff > 0.02, id << ": the result does not change when the reference changes (largest difference " << diff
                          << "): the clip does not reach the effect");

    if (optional) {
        // Unplugged: not fetched, not sent, and the render still succeeds.
        instance.setInput(clipName, cold, false);
        const size_t fetched = clip.fetchedTimes.size();
        call.output = blankOutput(bounds);
        r = instance.renderFrame(call);
        CHECK(r.status == kOfxStatOK, id << ": render without the optional reference returned " << r.status << messagesText());
        CHECK(clip.fetchedTimes.size() == fetched, id << ": an unconnected clip was fetched");
    }
    CHECK(currentHost().outstandingImages() == 0, currentHost().outstandingImages() << " images not released");
}

} // namespace

OFX_TEST(named_clip_reaches_the_effect_by_capability) {
    Sandbox sandbox;
    const json doc = effectsJson(ctx);
    int checked = 0;
    for (const auto& effect : doc.value("effects", json::array())) {
        for (const auto& clip : effect.value("clips", json::array())) {
            if (!isNamedInput(clip)) continue;
            checkNamedClip(ctx, effect, clip.value("name", ""), clip.value("optional", false));
            ++checked;
            break; // one named clip per effect is enough to prove the path
        }
    }
    CHECK(checked > 0, "no effect in effects.json declares an input clip besides Source and its mask "
                       "(generative fill and style transfer should declare \"Reference\")");
}

OFX_TEST(extend_effect_time_domain_identity_and_tail_frames_by_capability) {
    Sandbox sandbox;
    const json doc = effectsJson(ctx);
    CHECK(doc.contains("effects") && doc["effects"].is_array(), "effects.json has no effects array");
    const json* picked = nullptr;
    for (const auto& effect : doc["effects"])
        if (effect.contains("extends")) {
            picked = &effect;
            break;
        }
    CHECK(picked != nullptr, "no effect in effects.json has \"extends\" (extend shot should)");
    const json& effect = *picked;
    const std::string id = effect.value("id", "");
    const std::string framesParam = effect["extends"].value("framesParam", "");
    const std::string directionParam = effect["extends"].value("directionParam", "");
    const auto directions = optionValues(effect, directionParam);
    CHECK(std::find(directions.begin(), directions.end(), "after") != directions.end() &&
              std::find(directions.begin(), directions.end(), "before") != directions.end(),
          id << ": direction param '" << directionParam << "' lacks the options after/before");
    const int declaredBefore = effect["framesNeeded"].value("before", 0);
    const int declaredAfter = effect["framesNeeded"].value("after", 0);
    std::printf("  %s: frames param '%s', direction param '%s', frames needed %d/%d\n", id.c_str(), framesParam.c_str(),
                directionParam.c_str(), declaredBefore, declaredAfter);

    auto binary = loadPluginBinary(ctx.pluginPath, id);
    auto session = std::make_shared<PluginSession>(binary, binary->find(id));
    session->prepare(kOfxImageEffectContextGeneral);
    EffectInstance instance(*session);

    // A 0..9 clip whose frames pan one pixel per frame.
    const OfxRectI bounds{0, 0, 96, 64};
    Clip& source = instance.clip(kOfxImageEffectSimpleSourceClipName);
    for (int t = 0; t <= 9; ++t) source.frames[t] = texturedFrame(bounds, t);
    instance.setInput(source.name, source.frames[0]);
    source.props.setDouble(kOfxImageEffectPropFrameRange, {0.0, 9.0});
    if (const std::string mask = maskClipName(effect); !mask.empty()) instance.setInput(mask, nullptr, false);
    CHECK(instance.create() == kOfxStatOK, id << ": create instance failed" << messagesText());
    PropertySet prefs;
    instance.clipPreferences(prefs);
    instance.setParam(framesParam, "4");

    // Time domain: the source range grown by 4 frames on the direction side.
    instance.setParam(directionParam, "before", directions);
    PropertySet domain;
    CHECK(instance.timeDomain(domain) == kOfxStatOK, id << ": GetTimeDomain was not answered");
    auto range = domain.getDoubles(kOfxImageEffectPropFrameRange);
    CHECK(range.size() == 2 && range[0] == -4 && range[1] == 9, id << ": time domain extending before is not -4..9");
    instance.setParam(directionParam, "after", directions);
    PropertySet domainAfter;
    CHECK(instance.timeDomain(domainAfter) == kOfxStatOK, id << ": GetTimeDomain was not answered");
    range = domainAfter.getDoubles(kOfxImageEffectPropFrameRange);
    CHECK(range.size() == 2 && range[0] == 0 && range[1] == 13,
          id << ": time domain extending after is not 0..13 (got " << timesText(range) << ")");

    // Inside the source range: identity, the source at the same time.
    RenderCall call;
    call.time = 5;
    call.output = blankOutput(bounds);
    RenderOutcome r = instance.renderFrame(call);
    CHECK(r.status == kOfxStatOK && r.identity && r.identityTime == 5, id << ": frame 5 inside the source range is not the identity at frame 5");
    CHECK(maxDifference(*call.output, *source.frames[5]) == 0, id << ": identity inside the range did not show source frame 5");

    // Past the end: frames needed and the frames fetched are the tail up to the last frame.
    PropertySet needed;
    CHECK(instance.framesNeeded(11, needed) == kOfxStatOK, id << ": frames needed was not answered past the end");
    const auto tail = needed.getDoubles(std::string(kOfxImageClipPropFrameRange_) + kOfxImageEffectSimpleSourceClipName);
    CHECK(tail.size() == 2 && tail[1] == 9 && tail[0] <= 9 && tail[0] >= 9 - declaredBefore,
          id << ": frames needed at 11 is not a tail ending at frame 9 (got " << timesText(tail) << ")");
    std::vector<double> expected;
    for (double t = tail[0]; t <= 9; ++t) expected.push_back(t);
    source.fetchedTimes.clear();
    call.time = 11;
    call.output = blankOutput(bounds);
    r = instance.renderFrame(call);
    CHECK(r.status == kOfxStatOK && !r.identity, id << ": render at 11, past the end, returned " << r.status << messagesText());
    checkWrittenAndFinite(*call.output, id + " at frame 11");
    CHECK(distinctSorted(source.fetchedTimes) == expected,
          id << ": past the end the source was fetched at " << timesText(source.fetchedTimes) << ", expected " << timesText(expected));
    std::printf("    t=11: fetched source at %s\n", timesText(distinctSorted(source.fetchedTimes)).c_str());

    // Before the start: the first frames.
    instance.setParam(directionParam, "before", directions);
    PropertySet neededBefore;
    CHECK(instance.framesNeeded(-2, neededBefore) == kOfxStatOK, id << ": frames needed was not answered before the start");
    const auto head = neededBefore.getDoubles(std::string(kOfxImageClipPropFrameRange_) + kOfxImageEffectSimpleSourceClipName);
    CHECK(head.size() == 2 && head[0] == 0 && head[1] >= 0 && head[1] <= declaredAfter,
          id << ": frames needed at -2 is not a head starting at frame 0 (got " << timesText(head) << ")");
    expected.clear();
    for (double t = 0; t <= head[1]; ++t) expected.push_back(t);
    source.fetchedTimes.clear();
    call.time = -2;
    call.output = blankOutput(bounds);
    r = instance.renderFrame(call);
    CHECK(r.status == kOfxStatOK && !r.identity, id << ": render at -2, before the start, returned " << r.status << messagesText());
    checkWrittenAndFinite(*call.output, id + " at frame -2");
    CHECK(distinctSorted(source.fetchedTimes) == expected,
          id << ": before the start the source was fetched at " << timesText(source.fetchedTimes) << ", expected " << timesText(expected));
    CHECK(currentHost().outstandingImages() == 0, currentHost().outstandingImages() << " images not released");
}

} // namespace ofxhost
