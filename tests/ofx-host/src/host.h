// host.h: the conformance host's model of OFX objects (property sets, params, clips, effects) and the
// suites it hands to plugins. Everything a test configures lives here: image formats per clip, abort
// behaviour, host name, which message suite variants exist, and the messages a plugin posted.
#pragma once

#include "pixels.h"

#include <ofx/ofx_api.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ofxhost {

// ------------------------------------------------------------------------------------------ properties

enum class PropType { String, Int, Double, Pointer };

struct Property {
    PropType type = PropType::String;
    std::vector<std::string> strings;
    std::vector<int> ints;
    std::vector<double> doubles;
    std::vector<void*> pointers;
    int size() const;
};

/// An OFX property set. Thread-safe: render threads read instance properties while others write.
class PropertySet {
public:
    OfxPropertySetHandle handle() { return reinterpret_cast<OfxPropertySetHandle>(this); }
    static PropertySet* from(OfxPropertySetHandle h) { return reinterpret_cast<PropertySet*>(h); }

    void setString(const std::string& name, std::vector<std::string> values);
    void setInt(const std::string& name, std::vector<int> values);
    void setDouble(const std::string& name, std::vector<double> values);
    void setPointer(const std::string& name, void* value);

    std::optional<std::string> getString(const std::string& name, int index = 0) const;
    std::optional<int> getInt(const std::string& name, int index = 0) const;
    std::optional<double> getDouble(const std::string& name, int index = 0) const;
    std::optional<void*> getPointer(const std::string& name) const;
    std::vector<std::string> getStrings(const std::string& name) const;
    std::vector<int> getInts(const std::string& name) const;
    std::vector<double> getDoubles(const std::string& name) const;
    bool has(const std::string& name) const;

    /// Copies every property of `other` into this set (descriptor -> instance).
    void copyFrom(const PropertySet& other);

    // Used by the C suite functions.
    mutable std::mutex mutex;
    std::map<std::string, Property> props;
};

const OfxPropertySuiteV1* propertySuite();

// ------------------------------------------------------------------------------------------ params

/// The project every instance lives in (OfxImageEffectPropProjectSize/Offset/Extent, canonical coordinates):
/// normalised param defaults are scaled by it, as hosts do.
constexpr double kProjectWidth = 1920;
constexpr double kProjectHeight = 1080;

struct Param {
    std::string type;
    std::string name;
    PropertySet props;
    mutable std::mutex mutex;
    std::vector<double> numbers; // numeric values (ints stored as doubles)
    std::string text;            // String params
    std::atomic<int> readsAtTime{0};
    std::atomic<bool> unreadable{false}; // paramGetValue(AtTime) answers kOfxStatFailed (a host that lost the value)

    OfxParamHandle handle() { return reinterpret_cast<OfxParamHandle>(this); }
    static Param* from(OfxParamHandle h) { return reinterpret_cast<Param*>(h); }
    /// Sets the value to the declared default (OfxParamPropDefault). A spatial double default declared in
    /// OfxParamCoordinatesNormalised is scaled to canonical coordinates of the project, as hosts do.
    void resetToDefault();
};

struct ParamSet {
    PropertySet props;
    std::vector<std::unique_ptr<Param>> params;
    Param* find(const std::string& name) const;
    OfxParamSetHandle handle() { return reinterpret_cast<OfxParamSetHandle>(this); }
    static ParamSet* from(OfxParamSetHandle h) { return reinterpret_cast<ParamSet*>(h); }
};

const OfxParameterSuiteV1* parameterSuite();

/// Sets a param from text as a user would: numbers, "x,y", "r,g,b,a", booleans, and choices by index,
/// option label or option value (`choiceValues` maps option values to indices when known).
bool setParamFromText(Param& p, const std::string& text, const std::vector<std::string>& choiceValues,
                      std::string& error);

// ------------------------------------------------------------------------------------------ clips, effects

struct Effect;

/// An image a clip hands out; the host keeps the pixels alive while the plugin holds the image.
struct IssuedImage {
    PropertySet props;
    std::shared_ptr<TestImage> pixels;
};

struct Clip {
    std::string name;
    PropertySet props;
    Effect* owner = nullptr;
    /// Input clips: the image returned for every time; NULL image when unset (a "missing" image).
    std::shared_ptr<TestImage> image;
    /// Input clips: images at particular times, returned instead of `image` at those times.
    std::map<double, std::shared_ptr<TestImage>> frames;
    /// Every time clipGetImage was asked for, in call order (temporal effects fetch other times).
    std::vector<double> fetchedTimes;
    std::mutex fetchedMutex;
    OfxImageClipHandle handle() { return reinterpret_cast<OfxImageClipHandle>(this); }
    static Clip* from(OfxImageClipHandle h) { return reinterpret_cast<Clip*>(h); }
};

/// Both a descriptor and an instance: OFX uses the same handle type for both.
struct Effect {
    bool isInstance = false;
    std::string context;
    PropertySet props;
    ParamSet params;
    std::vector<std::unique_ptr<Clip>> clips;
    /// Returns non-zero when the host wants the render to stop.
    std::function<bool()> abortFn;
    std::atomic<int> abortPolls{0};

    Clip* findClip(const std::string& name) const;
    OfxImageEffectHandle handle() { return reinterpret_cast<OfxImageEffectHandle>(this); }
    static Effect* from(OfxImageEffectHandle h) { return reinterpret_cast<Effect*>(h); }
};

/// The output image of the render running on this thread (hosts give each render call its own).
void setThreadOutput(std::shared_ptr<TestImage> output);

// ------------------------------------------------------------------------------------------ the host

struct Message {
    std::string type;
    std::string id;
    std::string text;
    bool persistent = false;
    void* handle = nullptr;
};

struct HostOptions {
    std::string name = "com.runwayml.ofx-conformance-host";
    std::string label = "Runway OFX conformance host";
    bool messageV2 = true;
    bool messageV2NullPersistent = false; // advertise v2 but leave setPersistentMessage NULL
    bool messageV1 = true;
    bool overlays = true;      // OfxImageEffectPropSupportsOverlays and the interact suite
    bool nativeHandles = true; // OfxParamPropHasHostOverlayHandle on Double2D params (Nuke: yes, Resolve: no)
    bool drawSuite = false;    // OFX 1.5: the draw suite (draw_recorder.h) and API version 1.5
    bool drawSuiteBare = false; // with drawSuite: getColour and drawText left NULL
};

/// The host object: its property set, the suites, and a record of what plugins did with them.
class Host {
public:
    explicit Host(HostOptions options = {});
    OfxHost* ofxHost() { return &ofxHost_; }
    const HostOptions& options() const { return options_; }

    // What plugins posted. Thread-safe.
    void recordMessage(Message m);
    void clearPersistent(void* handle);
    std::vector<Message> messages() const;
    std::optional<Message> persistentMessage(void* handle) const;
    int outstandingImages() const { return outstandingImages_.load(); }

    std::atomic<int> outstandingImages_{0};
    std::atomic<int> progressCalls{0};

private:
    static const void* fetchSuite(OfxPropertySetHandle host, const char* name, int version);
    HostOptions options_;
    PropertySet props_;
    OfxHost ofxHost_{};
    mutable std::mutex mutex_;
    std::vector<Message> messages_;
    std::map<void*, Message> persistent_;
};

/// The process's host (suites are C function tables without a context pointer, so there is one).
Host& currentHost();
void installHost(std::unique_ptr<Host> host);

const OfxImageEffectSuiteV1* imageEffectSuite();

// ------------------------------------------------------------------------------------------ interacts

/// An overlay interact instance as a host keeps it: its property set (effect instance, pixel scale, slaved params)
/// and how often the plugin asked for a redraw.
struct Interact {
    PropertySet props;
    std::atomic<int> redraws{0};
    OfxInteractHandle handle() { return reinterpret_cast<OfxInteractHandle>(this); }
    static Interact* from(OfxInteractHandle h) { return reinterpret_cast<Interact*>(h); }
};

const OfxInteractSuiteV1* interactSuite();

} // namespace ofxhost
