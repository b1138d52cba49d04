// host.cpp: the host property set, suite lookup, and the memory, multithread, message and progress suites.
#include "host.h"

#include "draw_recorder.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace ofxhost {
namespace {

std::unique_ptr<Host> gHost;

// ---- memory
OfxStatus memoryAlloc(void*, size_t n, void** out) {
    if (out == nullptr) return kOfxStatErrBadHandle;
    *out = std::malloc(n);
    return *out != nullptr ? kOfxStatOK : kOfxStatErrMemory;
}
OfxStatus memoryFree(void* data) {
    std::free(data);
    return kOfxStatOK;
}
const OfxMemorySuiteV1 kMemory{memoryAlloc, memoryFree};

// ---- multithread: real threads, so plugins that use it are exercised concurrently.
thread_local unsigned int tThreadIndex = 0;
thread_local bool tSpawned = false;

OfxStatus multiThread(OfxThreadFunctionV1 fn, unsigned int n, void* arg) {
    if (fn == nullptr) return kOfxStatErrBadHandle;
    if (n <= 1) {
        fn(0, 1, arg);
        return kOfxStatOK;
    }
    std::vector<std::thread> threads;
    for (unsigned int i = 0; i < n; ++i)
        threads.emplace_back([=] {
            tThreadIndex = i;
            tSpawned = true;
            fn(i, n, arg);
        });
    for (auto& t : threads) t.join();
    return kOfxStatOK;
}
OfxStatus multiThreadNumCPUs(unsigned int* n) {
    *n = std::max(1u, std::thread::hardware_concurrency());
    return kOfxStatOK;
}
OfxStatus multiThreadIndex(unsigned int* i) {
    *i = tThreadIndex;
    return kOfxStatOK;
}
int multiThreadIsSpawnedThread() { return tSpawned ? 1 : 0; }
OfxStatus mutexCreate(OfxMutexHandle* m, int lockCount) {
    auto* mutex = new std::recursive_mutex();
    for (int i = 0; i < lockCount; ++i) mutex->lock();
    *m = reinterpret_cast<OfxMutexHandle>(mutex);
    return kOfxStatOK;
}
OfxStatus mutexDestroy(const OfxMutexHandle m) {
    delete reinterpret_cast<std::recursive_mutex*>(m);
    return kOfxStatOK;
}
OfxStatus mutexLock(const OfxMutexHandle m) {
    reinterpret_cast<std::recursive_mutex*>(m)->lock();
    return kOfxStatOK;
}
OfxStatus mutexUnLock(const OfxMutexHandle m) {
    reinterpret_cast<std::recursive_mutex*>(m)->unlock();
    return kOfxStatOK;
}
OfxStatus mutexTryLock(const OfxMutexHandle m) {
    return reinterpret_cast<std::recursive_mutex*>(m)->try_lock() ? kOfxStatOK : kOfxStatFailed;
}
const OfxMultiThreadSuiteV1 kMultiThread{multiThread, multiThreadNumCPUs, multiThreadIndex, multiThreadIsSpawnedThread,
                                         mutexCreate, mutexDestroy,       mutexLock,        mutexUnLock,
                                         mutexTryLock};

// ---- messages
std::string format(const char* fmt, va_list ap) {
    if (fmt == nullptr) return {};
    char buffer[4096];
    std::vsnprintf(buffer, sizeof buffer, fmt, ap);
    return buffer;
}
OfxStatus message(void* handle, const char* type, const char* id, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    currentHost().recordMessage({type ? type : "", id ? id : "", format(fmt, ap), false, handle});
    va_end(ap);
    return kOfxStatOK;
}
OfxStatus setPersistentMessage(void* handle, const char* type, const char* id, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    currentHost().recordMessage({type ? type : "", id ? id : "", format(fmt, ap), true, handle});
    va_end(ap);
    return kOfxStatOK;
}
OfxStatus clearPersistentMessage(void* handle) {
    currentHost().clearPersistent(handle);
    return kOfxStatOK;
}
const OfxMessageSuiteV1 kMessageV1{message};
const OfxMessageSuiteV2 kMessageV2{message, setPersistentMessage, clearPersistentMessage};
const OfxMessageSuiteV2 kMessageV2NoPersistent{message, nullptr, nullptr};

// ---- progress
OfxStatus progressStartV1(void*, const char*) {
    ++currentHost().progressCalls;
    return kOfxStatOK;
}
OfxStatus progressStartV2(void*, const char*, const char*) {
    ++currentHost().progressCalls;
    return kOfxStatOK;
}
OfxStatus progressUpdate(void*, double) {
    ++currentHost().progressCalls;
    return kOfxStatOK;
}
OfxStatus progressEnd(void*) { return kOfxStatOK; }
const OfxProgressSuiteV1 kProgressV1{progressStartV1, progressUpdate, progressEnd};
const OfxProgressSuiteV2 kProgressV2{progressStartV2, progressUpdate, progressEnd};

} // namespace

Host::Host(HostOptions options) : options_(std::move(options)) {
    props_.setString(kOfxPropType, {kOfxTypeImageEffectHost});
    props_.setString(kOfxPropName, {options_.name});
    props_.setString(kOfxPropLabel, {options_.label});
    props_.setInt(kOfxPropAPIVersion, {1, options_.drawSuite ? 5 : 4});
    props_.setInt(kOfxPropVersion, {1, 0, 0});
    props_.setString(kOfxPropVersionLabel, {"1.0"});
    props_.setInt(kOfxImageEffectHostPropIsBackground, {0});
    props_.setInt(kOfxImageEffectPropSupportsTiles, {1});
    props_.setInt(kOfxImageEffectPropSupportsMultiResolution, {1});
    props_.setInt(kOfxImageEffectPropTemporalClipAccess, {1});
    props_.setInt(kOfxImageEffectPropSupportsMultipleClipDepths, {0});
    props_.setInt(kOfxImageEffectPropSupportsMultipleClipPARs, {0});
    props_.setInt(kOfxImageEffectPropSupportsOverlays, {options_.overlays ? 1 : 0});
    props_.setString(kOfxImageEffectPropSupportedComponents,
                     {kOfxImageComponentRGBA, kOfxImageComponentRGB, kOfxImageComponentAlpha});
    props_.setString(kOfxImageEffectPropSupportedContexts, {kOfxImageEffectContextFilter, kOfxImageEffectContextGeneral});
    props_.setString(kOfxImageEffectPropSupportedPixelDepths,
                     {kOfxBitDepthByte, kOfxBitDepthShort, kOfxBitDepthHalf, kOfxBitDepthFloat});
    ofxHost_.host = props_.handle();
    ofxHost_.fetchSuite = &Host::fetchSuite;
}

const void* Host::fetchSuite(OfxPropertySetHandle, const char* name, int version) {
    const std::string n = name != nullptr ? name : "";
    const HostOptions& o = currentHost().options();
    if (n == kOfxPropertySuite && version == 1) return propertySuite();
    if (n == kOfxImageEffectSuite && version == 1) return imageEffectSuite();
    if (n == kOfxParameterSuite && version == 1) return parameterSuite();
    if (n == kOfxMemorySuite && version == 1) return &kMemory;
    if (n == kOfxMultiThreadSuite && version == 1) return &kMultiThread;
    if (n == kOfxMessageSuite && version == 1 && o.messageV1) return &kMessageV1;
    if (n == kOfxMessageSuite && version == 2 && o.messageV2)
        return o.messageV2NullPersistent ? &kMessageV2NoPersistent : &kMessageV2;
    if (n == kOfxInteractSuite && version == 1 && o.overlays) return interactSuite();
    if (n == kOfxDrawSuite && version == 1 && o.drawSuite) return o.drawSuiteBare ? drawSuiteWithoutThemeOrText() : drawSuite();
    if (n == kOfxProgressSuite && version == 1) return &kProgressV1;
    if (n == kOfxProgressSuite && version == 2) return &kProgressV2;
    return nullptr;
}

void Host::recordMessage(Message m) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (m.persistent) persistent_[m.handle] = m;
    messages_.push_back(std::move(m));
}

void Host::clearPersistent(void* handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    persistent_.erase(handle);
}

std::vector<Message> Host::messages() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
}

std::optional<Message> Host::persistentMessage(void* handle) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = persistent_.find(handle);
    if (it == persistent_.end()) return std::nullopt;
    return it->second;
}

Host& currentHost() {
    if (!gHost) gHost = std::make_unique<Host>();
    return *gHost;
}

void installHost(std::unique_ptr<Host> host) { gHost = std::move(host); }

namespace {
OfxStatus interactSwapBuffers(OfxInteractHandle handle) { return handle != nullptr ? kOfxStatOK : kOfxStatErrBadHandle; }
OfxStatus interactRedraw(OfxInteractHandle handle) {
    if (handle == nullptr) return kOfxStatErrBadHandle;
    ++Interact::from(handle)->redraws;
    return kOfxStatOK;
}
OfxStatus interactGetPropertySet(OfxInteractHandle handle, OfxPropertySetHandle* props) {
    if (handle == nullptr || props == nullptr) return kOfxStatErrBadHandle;
    *props = Interact::from(handle)->props.handle();
    return kOfxStatOK;
}
const OfxInteractSuiteV1 kInteract{interactSwapBuffers, interactRedraw, interactGetPropertySet};
} // namespace

const OfxInteractSuiteV1* interactSuite() { return &kInteract; }

} // namespace ofxhost
