// plugin_main.cpp: the OFX entry points of Runway.ofx and the one dispatch function.
//
// The binary offers one plugin per effect in Resources/effects.json. OFX gives mainEntry no hint of which
// plugin it belongs to, so each plugin gets its own tiny trampoline (entry<N>) that passes its index to
// dispatch(). Every exception stops at dispatch() and becomes a status code.
#include "actions.h"
#include "catalog.h"
#include "host_quirks.h"
#include "overlay.h"
#include "suites.h"

#include <ofx/ofx_api.h>

#include <array>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#define RUNWAY_OFX_EXPORT extern "C" __attribute__((visibility("default")))

namespace runway::ofx {
namespace {

// Upper bound on effects per bundle; more are skipped with a log line.
constexpr int kMaxPlugins = 64;

bool is(const char* action, const char* name) { return std::strcmp(action, name) == 0; }

OfxPluginEntryPoint overlayEntryOf(int index);

OfxStatus dispatchAction(int index, const EffectDef& effect, const char* action, const void* rawHandle,
                         OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs) {
    auto* handle = static_cast<OfxImageEffectHandle>(const_cast<void*>(rawHandle));
    if (is(action, kOfxActionLoad)) {
        if (!loadSuites()) return kOfxStatErrMissingHostFeature;
        detectHostQuirks();
        return kOfxStatOK;
    }
    if (is(action, kOfxActionUnload)) {
        unloadSuites();
        return kOfxStatOK;
    }
    if (is(action, kOfxActionDescribe)) {
        const OfxStatus st = describe(effect, handle);
        // Effects with on-screen handles offer an overlay interact to hosts that can show one.
        if (st == kOfxStatOK && !effect.overlays.empty() && suites().overlays) {
            OfxPropertySetHandle props = nullptr;
            if (suites().imageEffect->getPropertySet(handle, &props) == kOfxStatOK && props != nullptr)
                Props(props).setPointer(kOfxImageEffectPluginPropOverlayInteractV1,
                                        reinterpret_cast<void*>(overlayEntryOf(index)));
        }
        return st;
    }
    if (is(action, kOfxImageEffectActionDescribeInContext)) return describeInContext(effect, handle, inArgs);
    if (is(action, kOfxActionCreateInstance)) return createInstance(effect, handle);
    if (is(action, kOfxActionDestroyInstance)) return destroyInstance(handle);
    if (is(action, kOfxImageEffectActionRender)) return render(effect, handle, inArgs);
    if (is(action, kOfxImageEffectActionGetRegionsOfInterest)) return getRegionsOfInterest(effect, handle, inArgs, outArgs);
    if (is(action, kOfxImageEffectActionGetFramesNeeded)) return getFramesNeeded(effect, handle, inArgs, outArgs);
    if (is(action, kOfxImageEffectActionGetClipPreferences)) return getClipPreferences(effect, handle, outArgs);
    if (is(action, kOfxImageEffectActionIsIdentity)) return isIdentity(effect, handle, inArgs, outArgs);
    if (is(action, kOfxImageEffectActionGetTimeDomain)) return getTimeDomain(effect, handle, outArgs);
    return kOfxStatReplyDefault;
}

// Runs `body` with every exception turned into a status code: nothing may unwind into the host.
template <typename Body>
OfxStatus guarded(const char* action, Body&& body) {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        logLine(std::string(action ? action : "?") + ": out of memory");
        return kOfxStatErrMemory;
    } catch (const std::exception& ex) {
        logLine(std::string(action ? action : "?") + ": " + ex.what());
        return kOfxStatFailed;
    } catch (...) {
        logLine(std::string(action ? action : "?") + ": unknown exception");
        return kOfxStatFailed;
    }
}

OfxStatus dispatch(int index, const char* action, const void* handle, OfxPropertySetHandle inArgs,
                   OfxPropertySetHandle outArgs) {
    return guarded(action, [&] {
        const Catalog& cat = catalog();
        if (action == nullptr || index < 0 || static_cast<size_t>(index) >= cat.effects.size())
            return kOfxStatErrBadIndex;
        // Until the host has loaded us there are no suites to call.
        if (!is(action, kOfxActionLoad) && suites().property == nullptr) return kOfxStatErrFatal;
        return dispatchAction(index, cat.effects[static_cast<size_t>(index)], action, handle, inArgs, outArgs);
    });
}

// The overlay interact's actions; its handle is an OfxInteractHandle, not the effect's.
OfxStatus dispatchOverlay(int index, const char* action, const void* handle, OfxPropertySetHandle inArgs) {
    return guarded(action, [&] {
        const Catalog& cat = catalog();
        if (action == nullptr || index < 0 || static_cast<size_t>(index) >= cat.effects.size())
            return kOfxStatErrBadIndex;
        if (suites().property == nullptr) return kOfxStatErrFatal;
        auto* interact = static_cast<OfxInteractHandle>(const_cast<void*>(handle));
        return overlayAction(cat.effects[static_cast<size_t>(index)], action, interact, inArgs);
    });
}

template <int N>
OfxStatus entry(const char* action, const void* handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs) {
    return dispatch(N, action, handle, inArgs, outArgs);
}

template <int N>
OfxStatus overlayEntry(const char* action, const void* handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle) {
    return dispatchOverlay(N, action, handle, inArgs);
}

template <int... N>
constexpr std::array<OfxPluginEntryPoint, sizeof...(N)> makeEntries(std::integer_sequence<int, N...>) {
    return {&entry<N>...};
}

template <int... N>
constexpr std::array<OfxPluginEntryPoint, sizeof...(N)> makeOverlayEntries(std::integer_sequence<int, N...>) {
    return {&overlayEntry<N>...};
}

constexpr auto kEntries = makeEntries(std::make_integer_sequence<int, kMaxPlugins>{});
constexpr auto kOverlayEntries = makeOverlayEntries(std::make_integer_sequence<int, kMaxPlugins>{});

OfxPluginEntryPoint overlayEntryOf(int index) { return kOverlayEntries.at(static_cast<size_t>(index)); }

void storeHost(OfxHost* host) { setHost(host); }

// Built once; OfxPlugin structs must outlive every use by the host, so they live for the process.
const std::vector<OfxPlugin>& plugins() {
    static const std::vector<OfxPlugin> table = [] {
        std::vector<OfxPlugin> t;
        const Catalog& cat = catalog();
        if (cat.effects.size() > static_cast<size_t>(kMaxPlugins))
            logLine("effects.json lists " + std::to_string(cat.effects.size()) + " effects; only the first " +
                    std::to_string(kMaxPlugins) + " are offered");
        for (size_t i = 0; i < cat.effects.size() && i < static_cast<size_t>(kMaxPlugins); ++i) {
            const EffectDef& e = cat.effects[i];
            t.push_back(OfxPlugin{kOfxImageEffectPluginApi, kOfxImageEffectPluginApiVersion, e.id.c_str(),
                                  e.versionMajor, e.versionMinor, &storeHost, kEntries[i]});
        }
        return t;
    }();
    return table;
}

} // namespace
} // namespace runway::ofx

RUNWAY_OFX_EXPORT int OfxGetNumberOfPlugins(void) {
    try {
        return static_cast<int>(runway::ofx::plugins().size());
    } catch (...) {
        return 0;
    }
}

RUNWAY_OFX_EXPORT OfxPlugin* OfxGetPlugin(int nth) {
    try {
        const auto& table = runway::ofx::plugins();
        if (nth < 0 || static_cast<size_t>(nth) >= table.size()) return nullptr;
        return const_cast<OfxPlugin*>(&table[static_cast<size_t>(nth)]);
    } catch (...) {
        return nullptr;
    }
}

RUNWAY_OFX_EXPORT OfxStatus OfxSetHost(const OfxHost* host) {
    runway::ofx::setHost(const_cast<OfxHost*>(host));
    return kOfxStatOK;
}
