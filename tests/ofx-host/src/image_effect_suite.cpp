// image_effect_suite.cpp: OfxImageEffectSuiteV1. Input clips hand out their configured test image (or a
// NULL image when none is set, like a host with nothing plugged in); the Output clip hands out the image
// of the render running on the calling thread. Every issued image is counted until released.
#include "host.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace ofxhost {
namespace {

thread_local std::shared_ptr<TestImage> tOutput;

std::mutex gIssuedMutex;
std::unordered_map<PropertySet*, std::unique_ptr<IssuedImage>> gIssued;

OfxStatus getPropertySet(OfxImageEffectHandle h, OfxPropertySetHandle* props) {
    if (h == nullptr || props == nullptr) return kOfxStatErrBadHandle;
    *props = Effect::from(h)->props.handle();
    return kOfxStatOK;
}

OfxStatus getParamSet(OfxImageEffectHandle h, OfxParamSetHandle* params) {
    if (h == nullptr || params == nullptr) return kOfxStatErrBadHandle;
    *params = Effect::from(h)->params.handle();
    return kOfxStatOK;
}

OfxStatus clipDefine(OfxImageEffectHandle h, const char* name, OfxPropertySetHandle* props) {
    if (h == nullptr || name == nullptr) return kOfxStatErrBadHandle;
    Effect* e = Effect::from(h);
    if (e->isInstance) return kOfxStatErrBadHandle; // clips are defined on descriptors only
    if (e->findClip(name) != nullptr) return kOfxStatErrExists;
    auto clip = std::make_unique<Clip>();
    clip->name = name;
    clip->owner = e;
    clip->props.setString(kOfxPropType, {kOfxTypeClip});
    clip->props.setString(kOfxPropName, {name});
    if (props != nullptr) *props = clip->props.handle();
    e->clips.push_back(std::move(clip));
    return kOfxStatOK;
}

OfxStatus clipGetHandle(OfxImageEffectHandle h, const char* name, OfxImageClipHandle* clip, OfxPropertySetHandle* props) {
    if (h == nullptr || name == nullptr) return kOfxStatErrBadHandle;
    Clip* c = Effect::from(h)->findClip(name);
    if (c == nullptr) return kOfxStatErrUnknown;
    if (clip != nullptr) *clip = c->handle();
    if (props != nullptr) *props = c->props.handle();
    return kOfxStatOK;
}

OfxStatus clipGetPropertySet(OfxImageClipHandle clip, OfxPropertySetHandle* props) {
    if (clip == nullptr || props == nullptr) return kOfxStatErrBadHandle;
    *props = Clip::from(clip)->props.handle();
    return kOfxStatOK;
}

OfxStatus clipGetImage(OfxImageClipHandle clip, OfxTime time, const OfxRectD*, OfxPropertySetHandle* out) {
    if (clip == nullptr || out == nullptr) return kOfxStatErrBadHandle;
    Clip* c = Clip::from(clip);
    if (c->owner == nullptr || !c->owner->isInstance) return kOfxStatErrBadHandle;
    std::shared_ptr<TestImage> pixels = c->name == kOfxImageEffectOutputClipName ? tOutput : c->image;
    if (const auto at = c->frames.find(time); at != c->frames.end() && c->name != kOfxImageEffectOutputClipName) pixels = at->second;
    {
        std::lock_guard<std::mutex> lock(c->fetchedMutex);
        c->fetchedTimes.push_back(time);
    }
    if (pixels == nullptr || c->props.getInt(kOfxImageClipPropConnected).value_or(1) == 0) {
        *out = nullptr;
        return kOfxStatFailed;
    }
    auto issued = std::make_unique<IssuedImage>();
    issued->pixels = pixels;
    PropertySet& p = issued->props;
    const OfxRectI b = pixels->bounds();
    p.setString(kOfxPropType, {kOfxTypeImage});
    p.setPointer(kOfxImagePropData, pixels->data());
    p.setInt(kOfxImagePropRowBytes, {static_cast<int>(pixels->rowBytes())});
    p.setInt(kOfxImagePropBounds, {b.x1, b.y1, b.x2, b.y2});
    p.setInt(kOfxImagePropRegionOfDefinition, {b.x1, b.y1, b.x2, b.y2});
    p.setString(kOfxImageEffectPropPixelDepth, {pixels->depth()});
    p.setString(kOfxImageEffectPropComponents, {pixels->components()});
    p.setString(kOfxImageEffectPropPreMultiplication, {pixels->premultiplication});
    p.setDouble(kOfxImagePropPixelAspectRatio, {pixels->pixelAspect});
    p.setDouble(kOfxImageEffectPropRenderScale, {pixels->renderScale[0], pixels->renderScale[1]});
    p.setString(kOfxImagePropField, {kOfxImageFieldNone});
    p.setString(kOfxImagePropUniqueIdentifier, {c->name + "@" + std::to_string(time)});
    *out = p.handle();
    {
        std::lock_guard<std::mutex> lock(gIssuedMutex);
        gIssued.emplace(&issued->props, std::move(issued));
    }
    ++currentHost().outstandingImages_;
    return kOfxStatOK;
}

OfxStatus clipReleaseImage(OfxPropertySetHandle image) {
    std::lock_guard<std::mutex> lock(gIssuedMutex);
    const auto it = gIssued.find(PropertySet::from(image));
    if (it == gIssued.end()) return kOfxStatErrBadHandle;
    gIssued.erase(it);
    --currentHost().outstandingImages_;
    return kOfxStatOK;
}

OfxStatus clipGetRegionOfDefinition(OfxImageClipHandle clip, OfxTime, OfxRectD* rod) {
    if (clip == nullptr || rod == nullptr) return kOfxStatErrBadHandle;
    Clip* c = Clip::from(clip);
    std::shared_ptr<TestImage> image = c->image;
    if (image == nullptr && c->owner != nullptr)
        if (Clip* source = c->owner->findClip(kOfxImageEffectSimpleSourceClipName)) image = source->image;
    if (image == nullptr) {
        *rod = {0, 0, 0, 0};
        return kOfxStatOK;
    }
    // Canonical coordinates: pixel * PAR / renderScale.
    const OfxRectI b = image->bounds();
    const double sx = image->pixelAspect / image->renderScale[0];
    const double sy = 1.0 / image->renderScale[1];
    *rod = {b.x1 * sx, b.y1 * sy, b.x2 * sx, b.y2 * sy};
    return kOfxStatOK;
}

int abortFn(OfxImageEffectHandle h) {
    if (h == nullptr) return 0;
    Effect* e = Effect::from(h);
    ++e->abortPolls;
    return e->abortFn && e->abortFn() ? 1 : 0;
}

struct Memory {
    void* data;
    int locks;
};

OfxStatus imageMemoryAlloc(OfxImageEffectHandle, size_t n, OfxImageMemoryHandle* handle) {
    if (handle == nullptr) return kOfxStatErrBadHandle;
    void* data = std::malloc(n);
    if (data == nullptr) return kOfxStatErrMemory;
    *handle = reinterpret_cast<OfxImageMemoryHandle>(new Memory{data, 0});
    return kOfxStatOK;
}
OfxStatus imageMemoryFree(OfxImageMemoryHandle handle) {
    if (handle == nullptr) return kOfxStatErrBadHandle;
    auto* m = reinterpret_cast<Memory*>(handle);
    std::free(m->data);
    delete m;
    return kOfxStatOK;
}
OfxStatus imageMemoryLock(OfxImageMemoryHandle handle, void** ptr) {
    if (handle == nullptr || ptr == nullptr) return kOfxStatErrBadHandle;
    auto* m = reinterpret_cast<Memory*>(handle);
    ++m->locks;
    *ptr = m->data;
    return kOfxStatOK;
}
OfxStatus imageMemoryUnlock(OfxImageMemoryHandle handle) {
    if (handle == nullptr) return kOfxStatErrBadHandle;
    --reinterpret_cast<Memory*>(handle)->locks;
    return kOfxStatOK;
}

const OfxImageEffectSuiteV1 kSuite{getPropertySet, getParamSet,      clipDefine,       clipGetHandle, clipGetPropertySet,
                                   clipGetImage,   clipReleaseImage, clipGetRegionOfDefinition, abortFn,
                                   imageMemoryAlloc, imageMemoryFree, imageMemoryLock, imageMemoryUnlock};

} // namespace

void setThreadOutput(std::shared_ptr<TestImage> output) { tOutput = std::move(output); }

Clip* Effect::findClip(const std::string& name) const {
    for (const auto& c : clips)
        if (c->name == name) return c.get();
    return nullptr;
}

const OfxImageEffectSuiteV1* imageEffectSuite() { return &kSuite; }

} // namespace ofxhost
