// actions.cpp: describe, instance life cycle, and the small negotiation actions (RoI, frames needed, clip
// preferences, identity). Render lives in render.cpp.
#include "actions.h"

#include "client_loader.h"
#include "instance.h"
#include "params.h"
#include "suites.h"
#include "time_extension.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace runway::ofx {
namespace {

Props effectProps(OfxImageEffectHandle handle) {
    OfxPropertySetHandle props = nullptr;
    if (suites().imageEffect->getPropertySet(handle, &props) != kOfxStatOK || props == nullptr)
        throw std::runtime_error("host gave no property set for the effect");
    return Props(props);
}

const char* threadSafetyToOfx(const std::string& safety) {
    if (safety == "Unsafe") return kOfxImageEffectRenderUnsafe;
    if (safety == "InstanceSafe") return kOfxImageEffectRenderInstanceSafe;
    return kOfxImageEffectRenderFullySafe;
}

std::vector<std::string> componentsToOfx(const std::vector<std::string>& components) {
    std::vector<std::string> out;
    for (const auto& c : components) {
        if (c == "RGBA") out.emplace_back(kOfxImageComponentRGBA);
        else if (c == "RGB") out.emplace_back(kOfxImageComponentRGB);
        else if (c == "Alpha") out.emplace_back(kOfxImageComponentAlpha);
    }
    return out;
}

// The Source clip as declared, or the mandated default when effects.json leaves it out.
ClipDef sourceClip(const EffectDef& effect) {
    if (const ClipDef* c = effect.findClip(kOfxImageEffectSimpleSourceClipName)) return *c;
    return ClipDef{kOfxImageEffectSimpleSourceClipName, "Source", false, false, {"RGBA", "RGB", "Alpha"}, ""};
}

void defineClip(OfxImageEffectHandle descriptor, const ClipDef& clip, bool temporal) {
    OfxPropertySetHandle handle = nullptr;
    if (suites().imageEffect->clipDefine(descriptor, clip.name.c_str(), &handle) != kOfxStatOK || handle == nullptr)
        throw std::runtime_error("host refused to define clip '" + clip.name + "'");
    const Props props(handle);
    props.setString(kOfxPropLabel, clip.label);
    props.setStrings(kOfxImageEffectPropSupportedComponents, componentsToOfx(clip.components));
    props.setInt(kOfxImageClipPropOptional, clip.optional ? 1 : 0);
    props.setInt(kOfxImageClipPropIsMask, clip.isMask ? 1 : 0);
    props.setInt(kOfxImageEffectPropSupportsTiles, 0);
    props.setInt(kOfxImageEffectPropTemporalClipAccess, temporal ? 1 : 0);
}

std::atomic<unsigned long> gInstanceCounter{0};

} // namespace

Instance& instanceOf(OfxImageEffectHandle handle) {
    void* data = effectProps(handle).getPointer(kOfxPropInstanceData).value_or(nullptr);
    if (data == nullptr) throw std::runtime_error("instance has no Runway data (created by another plugin?)");
    return *static_cast<Instance*>(data);
}

bool clipConnected(OfxImageClipHandle clip) {
    if (clip == nullptr) return false;
    OfxPropertySetHandle props = nullptr;
    if (suites().imageEffect->clipGetPropertySet(clip, &props) != kOfxStatOK) return true;
    return Props(props).getInt(kOfxImageClipPropConnected).value_or(1) != 0;
}

OfxStatus describe(const EffectDef& effect, OfxImageEffectHandle descriptor) {
    const Props props = effectProps(descriptor);
    props.setString(kOfxPropLabel, effect.label);
    props.setString(kOfxPropShortLabel, effect.label);
    props.setString(kOfxPropLongLabel, effect.label);
    props.setString(kOfxImageEffectPluginPropGrouping, effect.group);
    props.setString(kOfxPropPluginDescription, effect.description);
    props.setString(kOfxPropVersionLabel, std::to_string(effect.versionMajor) + "." + std::to_string(effect.versionMinor));
    props.setInts(kOfxPropVersion, {static_cast<int>(effect.versionMajor), static_cast<int>(effect.versionMinor)});

    // Nuke offers only Filter and General; every effect is described in both whatever effects.json lists,
    // so it shows up everywhere (the optional mask simply stays unconnected in Filter).
    props.setStrings(kOfxImageEffectPropSupportedContexts, {kOfxImageEffectContextFilter, kOfxImageEffectContextGeneral});
    props.setStrings(kOfxImageEffectPropSupportedPixelDepths,
                     {kOfxBitDepthByte, kOfxBitDepthShort, kOfxBitDepthHalf, kOfxBitDepthFloat});
    // Inference needs the whole frame: no tiles, full-frame RoI (see getRegionsOfInterest).
    props.setInt(kOfxImageEffectPropSupportsTiles, 0);
    props.setInt(kOfxImageEffectPropSupportsMultiResolution, 1);
    props.setInt(kOfxImageEffectPropSupportsMultipleClipDepths, 0);
    props.setInt(kOfxImageEffectPropSupportsMultipleClipPARs, 0);
    props.setInt(kOfxImageEffectPropTemporalClipAccess, effect.temporal() || effect.extends() ? 1 : 0);
    props.setString(kOfxImageEffectPluginRenderThreadSafety, threadSafetyToOfx(effect.threadSafety));
    // The daemon schedules work itself; the host must not split one frame over threads.
    props.setInt(kOfxImageEffectPluginPropHostFrameThreading, 0);
    props.setInt(kOfxImageEffectPluginPropFieldRenderTwiceAlways, 0);
    return kOfxStatOK;
}

OfxStatus describeInContext(const EffectDef& effect, OfxImageEffectHandle descriptor, OfxPropertySetHandle inArgs) {
    const std::string context = Props(inArgs).getString(kOfxImageEffectPropContext).value_or("");
    if (context != kOfxImageEffectContextFilter && context != kOfxImageEffectContextGeneral)
        return kOfxStatErrUnsupported;
    const ClipDef source = sourceClip(effect);
    ClipDef output{kOfxImageEffectOutputClipName, "Output", false, false, source.components, ""};
    defineClip(descriptor, output, false);
    // Extending effects read the source's last (or first) frames when rendering past its range.
    defineClip(descriptor, source, effect.temporal() || effect.extends());
    for (const auto& clip : effect.clips)
        if (clip.name != source.name && clip.name != output.name) defineClip(descriptor, clip, false);

    OfxParamSetHandle paramSet = nullptr;
    if (suites().imageEffect->getParamSet(descriptor, &paramSet) != kOfxStatOK || paramSet == nullptr)
        throw std::runtime_error("host gave no param set for the descriptor");
    defineParams(paramSet, effect);
    return kOfxStatOK;
}

OfxStatus createInstance(const EffectDef& effect, OfxImageEffectHandle handle) {
    auto instance = std::make_unique<Instance>();
    instance->effect = &effect;
    char id[64];
    std::snprintf(id, sizeof id, "#%lu@%p", gInstanceCounter.fetch_add(1) + 1, static_cast<void*>(handle));
    instance->id = effect.id + id;
    const auto clip = [&](const std::string& name) {
        OfxImageClipHandle c = nullptr;
        if (suites().imageEffect->clipGetHandle(handle, name.c_str(), &c, nullptr) != kOfxStatOK) return c = nullptr;
        return c;
    };
    instance->source = clip(kOfxImageEffectSimpleSourceClipName);
    instance->output = clip(kOfxImageEffectOutputClipName);
    if (instance->source == nullptr || instance->output == nullptr)
        throw std::runtime_error("host has no Source or Output clip on the instance");
    if (const ClipDef* mask = effect.maskClip()) instance->mask = clip(mask->name);
    for (const auto& c : effect.clips)
        if (effect.isNamedInput(c)) instance->namedClips.emplace_back(c.name, clip(c.name));

    OfxParamSetHandle paramSet = nullptr;
    if (suites().imageEffect->getParamSet(handle, &paramSet) != kOfxStatOK || paramSet == nullptr)
        throw std::runtime_error("host gave no param set for the instance");
    instance->params = fetchParams(paramSet, effect);

    if (!effectProps(handle).setPointer(kOfxPropInstanceData, instance.get()))
        throw std::runtime_error("host refused to store the instance data");
    instance.release(); // owned by the host's instance now; freed in destroyInstance

    // Load the client library now, so the first render does not pay for starting its runtime. A failure is
    // not an error yet: render reports it to the user with the reason.
    std::string error;
    if (!acquireClient(error)) logLine(error);
    return kOfxStatOK;
}

OfxStatus destroyInstance(OfxImageEffectHandle handle) {
    const Props props = effectProps(handle);
    auto* instance = static_cast<Instance*>(props.getPointer(kOfxPropInstanceData).value_or(nullptr));
    props.setPointer(kOfxPropInstanceData, nullptr);
    delete instance;
    return kOfxStatOK;
}

OfxStatus getRegionsOfInterest(const EffectDef& effect, OfxImageEffectHandle handle, OfxPropertySetHandle inArgs,
                               OfxPropertySetHandle outArgs) {
    const Instance& instance = instanceOf(handle);
    const OfxTime time = Props(inArgs).getDouble(kOfxPropTime).value_or(0);
    const Props out(outArgs);
    // Full-frame RoI: inference looks at the whole picture whatever window is rendered.
    const auto requestWhole = [&](OfxImageClipHandle clip, const std::string& name) {
        OfxRectD rod{0, 0, 0, 0};
        if (clip == nullptr || suites().imageEffect->clipGetRegionOfDefinition(clip, time, &rod) != kOfxStatOK) return;
        out.setDoubles((std::string(kOfxImageClipPropRoI_) + name).c_str(), {rod.x1, rod.y1, rod.x2, rod.y2});
    };
    requestWhole(instance.source, kOfxImageEffectSimpleSourceClipName);
    if (const ClipDef* mask = effect.maskClip()) requestWhole(instance.mask, mask->name);
    for (const auto& [name, clip] : instance.namedClips) requestWhole(clip, name);
    return kOfxStatOK;
}

OfxStatus getFramesNeeded(const EffectDef& effect, OfxImageEffectHandle handle, OfxPropertySetHandle inArgs,
                          OfxPropertySetHandle outArgs) {
    const OfxTime time = Props(inArgs).getDouble(kOfxPropTime).value_or(0);
    if (effect.extends()) {
        const Instance& instance = instanceOf(handle);
        const auto range = sourceFrameRange(instance);
        if (!range) return kOfxStatReplyDefault;
        const ParamValues values = readParams(instance.params, time);
        const auto [first, last] = extendFrames(effect, *range, time, framesEachSide(effect, values, false));
        Props(outArgs).setDoubles(kOfxImageClipPropFrameRange_ "Source", {first, last});
        if (const ClipDef* mask = effect.maskClip())
            Props(outArgs).setDoubles((std::string(kOfxImageClipPropFrameRange_) + mask->name).c_str(), {first, last});
        return kOfxStatOK;
    }
    if (!effect.temporal()) return kOfxStatReplyDefault;
    // Only as many frames as the settings at this time use (e.g. the temporal window param); renders are not
    // known to be interactive here, so the interactive cap does not apply.
    const auto [before, after] = framesEachSide(effect, readParams(instanceOf(handle).params, time), false);
    Props(outArgs).setDoubles(kOfxImageClipPropFrameRange_ "Source", {time - before, time + after});
    // The mask is fetched at the same times as the source (each neighbouring frame has its own hole).
    if (const ClipDef* mask = effect.maskClip())
        Props(outArgs).setDoubles((std::string(kOfxImageClipPropFrameRange_) + mask->name).c_str(), {time - before, time + after});
    return kOfxStatOK;
}

OfxStatus getClipPreferences(const EffectDef&, OfxImageEffectHandle handle, OfxPropertySetHandle outArgs) {
    const Instance& instance = instanceOf(handle);
    OfxPropertySetHandle sourceProps = nullptr;
    if (suites().imageEffect->clipGetPropertySet(instance.source, &sourceProps) != kOfxStatOK) return kOfxStatReplyDefault;
    const Props source(sourceProps);
    const Props out(outArgs);
    // The output keeps the source's premultiplication and components: the daemon restores the alpha
    // convention it was given.
    if (const auto premult = source.getString(kOfxImageEffectPropPreMultiplication))
        out.setString(kOfxImageEffectPropPreMultiplication, *premult);
    if (const auto comps = source.getString(kOfxImageEffectPropComponents); comps && *comps != kOfxImageComponentNone)
        out.setString(kOfxImageClipPropComponents_ "Output", *comps);
    return kOfxStatOK;
}

OfxStatus getTimeDomain(const EffectDef& effect, OfxImageEffectHandle handle, OfxPropertySetHandle outArgs) {
    if (!effect.extends()) return kOfxStatReplyDefault;
    const Instance& instance = instanceOf(handle);
    const auto range = sourceFrameRange(instance);
    if (!range) return kOfxStatReplyDefault;
    // The param is read at the source's first frame: a time domain cannot depend on the time asked about.
    const ParamValues values = readParams(instance.params, range->first);
    const auto [first, last] = extendedDomain(effect, *range, values);
    Props(outArgs).setDoubles(kOfxImageEffectPropFrameRange, {first, last});
    return kOfxStatOK;
}

OfxStatus isIdentity(const EffectDef& effect, OfxImageEffectHandle handle, OfxPropertySetHandle inArgs,
                     OfxPropertySetHandle outArgs) {
    if (effect.extends()) {
        // Inside its source range an extending effect passes the source through; outside it, it renders.
        const OfxTime time = Props(inArgs).getDouble(kOfxPropTime).value_or(0);
        const auto range = sourceFrameRange(instanceOf(handle));
        if (!range || time < range->first || time > range->second) return kOfxStatReplyDefault;
        const Props out(outArgs);
        out.setString(kOfxPropName, kOfxImageEffectSimpleSourceClipName);
        out.setDouble(kOfxPropTime, time);
        return kOfxStatOK;
    }
    // Only the clear case: an effect that changes nothing without a mask, and the host says no mask is
    // plugged in. Hosts that claim every clip is connected fall through to render, which checks the image.
    if (!effect.identityWithoutMask || effect.maskClip() == nullptr) return kOfxStatReplyDefault;
    const Instance& instance = instanceOf(handle);
    if (instance.mask != nullptr && clipConnected(instance.mask)) return kOfxStatReplyDefault;
    const Props out(outArgs);
    out.setString(kOfxPropName, kOfxImageEffectSimpleSourceClipName);
    out.setDouble(kOfxPropTime, Props(inArgs).getDouble(kOfxPropTime).value_or(0));
    return kOfxStatOK;
}

} // namespace runway::ofx
