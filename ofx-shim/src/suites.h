// suites.h: the host's suites, fetched once at OfxActionLoad, plus a small property helper.
//
// Every optional suite may be NULL: a host that lacks one (or answers ErrUnknown) simply does not have
// the feature, and callers check before use.
#pragma once

#include <ofx/ofx_api.h>

#include <optional>
#include <string>
#include <vector>

namespace runway::ofx {

/// The suites the shim uses, fetched once per process at the first OfxActionLoad.
struct Suites {
    const OfxPropertySuiteV1* property = nullptr;      // required
    const OfxImageEffectSuiteV1* imageEffect = nullptr; // required
    const OfxParameterSuiteV1* parameter = nullptr;     // required
    const OfxMessageSuiteV1* messageV1 = nullptr;       // optional
    const OfxMessageSuiteV2* messageV2 = nullptr;       // optional; setPersistentMessage may still be NULL
    const OfxInteractSuiteV1* interact = nullptr;       // optional; only redraw requests and slaving need it
    const OfxDrawSuiteV1* draw = nullptr;               // optional (OFX 1.5); overlays draw through it, not OpenGL
    bool overlays = false; // the host shows effect overlay interacts (OfxImageEffectPropSupportsOverlays)
};

/// Stores the host pointer given to every plugin's setHost (the same host for all of them).
void setHost(OfxHost* host);

/// Fetches the suites on the first call; later calls only count. Returns false if a required suite is missing.
bool loadSuites();

/// Balances loadSuites(); the suites stay valid until the last unload.
void unloadSuites();

/// The fetched suites. Only valid between load and unload.
const Suites& suites();

/// Host identity from the host property set: label (e.g. "DaVinci Resolve") and name (e.g. "uk.co.thefoundry.nuke").
struct HostIdentity {
    std::string name;
    std::string label;
};
const HostIdentity& hostIdentity();

/// Writes one diagnostic line to stderr with a "[Runway.ofx]" prefix (hosts keep stderr in their logs).
void logLine(const std::string& text);

/// Typed access to one OFX property set. Setters report failure instead of throwing: a host that does not
/// know a property (ErrUnknown) just lacks that feature. Getters return nullopt for absent properties.
class Props {
public:
    explicit Props(OfxPropertySetHandle handle) : handle_(handle) {}

    OfxPropertySetHandle handle() const { return handle_; }

    bool setString(const char* name, const std::string& value, int index = 0) const;
    bool setStrings(const char* name, const std::vector<std::string>& values) const;
    bool setInt(const char* name, int value, int index = 0) const;
    bool setInts(const char* name, const std::vector<int>& values) const;
    bool setDouble(const char* name, double value, int index = 0) const;
    bool setDoubles(const char* name, const std::vector<double>& values) const;
    bool setPointer(const char* name, void* value, int index = 0) const;

    std::optional<std::string> getString(const char* name, int index = 0) const;
    std::optional<int> getInt(const char* name, int index = 0) const;
    std::optional<double> getDouble(const char* name, int index = 0) const;
    std::optional<void*> getPointer(const char* name, int index = 0) const;
    /// Reads `count` ints; nullopt unless all of them are present.
    std::optional<std::vector<int>> getInts(const char* name, int count) const;
    std::optional<std::vector<double>> getDoubles(const char* name, int count) const;
    int dimension(const char* name) const;

private:
    OfxPropertySetHandle handle_;
};

} // namespace runway::ofx
