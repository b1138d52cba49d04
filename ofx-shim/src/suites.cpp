// suites.cpp: fetching the host's suites once, and the Props helper over the property suite.
#include "suites.h"

#include <cstdio>
#include <mutex>

namespace runway::ofx {
namespace {

std::mutex gLoadMutex;
OfxHost* gHost = nullptr;
int gLoadCount = 0;
Suites gSuites;
HostIdentity gIdentity;

template <typename T>
const T* fetch(const char* name, int version) {
    if (gHost == nullptr || gHost->fetchSuite == nullptr) return nullptr;
    return static_cast<const T*>(gHost->fetchSuite(gHost->host, name, version));
}

} // namespace

void setHost(OfxHost* host) {
    std::lock_guard<std::mutex> lock(gLoadMutex);
    gHost = host;
}

bool loadSuites() {
    std::lock_guard<std::mutex> lock(gLoadMutex);
    if (gLoadCount++ > 0) return gSuites.property && gSuites.imageEffect && gSuites.parameter;
    gSuites.property = fetch<OfxPropertySuiteV1>(kOfxPropertySuite, 1);
    gSuites.imageEffect = fetch<OfxImageEffectSuiteV1>(kOfxImageEffectSuite, 1);
    gSuites.parameter = fetch<OfxParameterSuiteV1>(kOfxParameterSuite, 1);
    gSuites.messageV2 = fetch<OfxMessageSuiteV2>(kOfxMessageSuite, 2);
    gSuites.messageV1 = fetch<OfxMessageSuiteV1>(kOfxMessageSuite, 1);
    gSuites.interact = fetch<OfxInteractSuiteV1>(kOfxInteractSuite, 1);
    gSuites.draw = fetch<OfxDrawSuiteV1>(kOfxDrawSuite, 1);
    if (gSuites.property != nullptr && gHost != nullptr) {
        Props host(gHost->host);
        gSuites.overlays = host.getInt(kOfxImageEffectPropSupportsOverlays).value_or(0) != 0;
        gIdentity.name = host.getString(kOfxPropName).value_or("");
        gIdentity.label = host.getString(kOfxPropLabel).value_or(gIdentity.name);
    }
    const bool ok = gSuites.property && gSuites.imageEffect && gSuites.parameter;
    if (!ok) logLine("host lacks a required suite (property, image effect or parameter v1)");
    return ok;
}

void unloadSuites() {
    std::lock_guard<std::mutex> lock(gLoadMutex);
    if (gLoadCount > 0 && --gLoadCount == 0) gSuites = Suites{};
}

const Suites& suites() { return gSuites; }

const HostIdentity& hostIdentity() { return gIdentity; }

void logLine(const std::string& text) { std::fprintf(stderr, "[Runway.ofx] %s\n", text.c_str()); }

bool Props::setString(const char* name, const std::string& value, int index) const {
    return suites().property->propSetString(handle_, name, index, value.c_str()) == kOfxStatOK;
}

bool Props::setStrings(const char* name, const std::vector<std::string>& values) const {
    std::vector<const char*> raw;
    raw.reserve(values.size());
    for (const auto& v : values) raw.push_back(v.c_str());
    return suites().property->propSetStringN(handle_, name, static_cast<int>(raw.size()), raw.data()) == kOfxStatOK;
}

bool Props::setInt(const char* name, int value, int index) const {
    return suites().property->propSetInt(handle_, name, index, value) == kOfxStatOK;
}

bool Props::setInts(const char* name, const std::vector<int>& values) const {
    return suites().property->propSetIntN(handle_, name, static_cast<int>(values.size()), values.data()) == kOfxStatOK;
}

bool Props::setDouble(const char* name, double value, int index) const {
    return suites().property->propSetDouble(handle_, name, index, value) == kOfxStatOK;
}

bool Props::setDoubles(const char* name, const std::vector<double>& values) const {
    return suites().property->propSetDoubleN(handle_, name, static_cast<int>(values.size()), values.data()) ==
           kOfxStatOK;
}

bool Props::setPointer(const char* name, void* value, int index) const {
    return suites().property->propSetPointer(handle_, name, index, value) == kOfxStatOK;
}

std::optional<std::string> Props::getString(const char* name, int index) const {
    char* value = nullptr;
    if (handle_ == nullptr || suites().property->propGetString(handle_, name, index, &value) != kOfxStatOK ||
        value == nullptr)
        return std::nullopt;
    return std::string(value);
}

std::optional<int> Props::getInt(const char* name, int index) const {
    int value = 0;
    if (handle_ == nullptr || suites().property->propGetInt(handle_, name, index, &value) != kOfxStatOK)
        return std::nullopt;
    return value;
}

std::optional<double> Props::getDouble(const char* name, int index) const {
    double value = 0;
    if (handle_ == nullptr || suites().property->propGetDouble(handle_, name, index, &value) != kOfxStatOK)
        return std::nullopt;
    return value;
}

std::optional<void*> Props::getPointer(const char* name, int index) const {
    void* value = nullptr;
    if (handle_ == nullptr || suites().property->propGetPointer(handle_, name, index, &value) != kOfxStatOK)
        return std::nullopt;
    return value;
}

std::optional<std::vector<int>> Props::getInts(const char* name, int count) const {
    std::vector<int> values(static_cast<size_t>(count));
    if (handle_ == nullptr || suites().property->propGetIntN(handle_, name, count, values.data()) != kOfxStatOK)
        return std::nullopt;
    return values;
}

std::optional<std::vector<double>> Props::getDoubles(const char* name, int count) const {
    std::vector<double> values(static_cast<size_t>(count));
    if (handle_ == nullptr || suites().property->propGetDoubleN(handle_, name, count, values.data()) != kOfxStatOK)
        return std::nullopt;
    return values;
}

int Props::dimension(const char* name) const {
    int count = 0;
    if (handle_ == nullptr || suites().property->propGetDimension(handle_, name, &count) != kOfxStatOK) return 0;
    return count;
}

} // namespace runway::ofx
