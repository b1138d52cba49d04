// session.h: loading a bundle from a plugin path the way hosts do, and driving one plugin through the
// full OFX action sequence: load, describe, describe in context, create instance, clip preferences,
// begin sequence, (RoI, frames needed, identity, render)*, end sequence, destroy instance, unload.
#pragma once

#include "host.h"

#include <memory>
#include <string>
#include <vector>

namespace ofxhost {

/// Bundles ("*.ofx.bundle") under the colon-separated `pluginPath`, searched recursively; directories whose
/// name starts with '@' are skipped, as hosts do.
std::vector<std::string> findBundles(const std::string& pluginPath);

/// The binary of a bundle for this platform: <bundle>/Contents/Linux-x86-64/*.ofx.
std::string bundleBinary(const std::string& bundle);

/// One dlopen'ed plugin binary (never unloaded: the plugin's runtime may not support it).
class PluginBinary {
public:
    explicit PluginBinary(const std::string& path);
    const std::string& path() const { return path_; }
    int count() const { return static_cast<int>(plugins_.size()); }
    OfxPlugin* plugin(int i) const { return plugins_.at(static_cast<size_t>(i)); }
    /// The plugin with this identifier, or nullptr.
    OfxPlugin* find(const std::string& id) const;

private:
    std::string path_;
    std::vector<OfxPlugin*> plugins_;
};

/// Finds `pluginId` in the first bundle on `pluginPath` that has it; throws with a clear reason otherwise.
std::shared_ptr<PluginBinary> loadPluginBinary(const std::string& pluginPath, const std::string& pluginId);

/// A plugin loaded and described in one context.
class PluginSession {
public:
    PluginSession(std::shared_ptr<PluginBinary> binary, OfxPlugin* plugin);
    ~PluginSession();

    OfxStatus call(const char* action, void* handle, PropertySet* in, PropertySet* out);
    OfxStatus load();
    OfxStatus describe();
    OfxStatus describeInContext(const std::string& context);
    /// load + describe + describeInContext; throws on any failure.
    void prepare(const std::string& context);

    Effect& descriptor() { return descriptor_; }
    Effect& contextDescriptor() { return *contextDescriptor_; }
    OfxPlugin* plugin() const { return plugin_; }

private:
    std::shared_ptr<PluginBinary> binary_;
    OfxPlugin* plugin_;
    bool loaded_ = false;
    Effect descriptor_;
    std::unique_ptr<Effect> contextDescriptor_;
};

struct RenderCall {
    OfxTime time = 0;
    std::optional<OfxRectI> window; // default: the output bounds
    double scale[2] = {1.0, 1.0};
    bool interactive = false;
    bool draft = false;
    std::shared_ptr<TestImage> output;
};

struct RenderOutcome {
    OfxStatus status = kOfxStatOK;
    bool identity = false; // the plugin said identity and the host copied the source
    double identityTime = 0; // with identity: the time of the source frame the plugin named
    double seconds = 0;
};

/// One plugin instance made from the session's context descriptor.
class EffectInstance {
public:
    explicit EffectInstance(PluginSession& session);
    ~EffectInstance();

    Effect& effect() { return effect_; }
    Clip& clip(const std::string& name);
    /// Sets an input clip's image (nullptr = NULL image) and its connected flag.
    void setInput(const std::string& clip, std::shared_ptr<TestImage> image, bool connected = true);
    Param& param(const std::string& name);
    /// Sets a param as a user edit, bracketed by Begin/InstanceChanged/End like hosts do.
    void setParam(const std::string& name, const std::string& text, const std::vector<std::string>& choiceValues = {});

    OfxStatus create();
    OfxStatus clipPreferences(PropertySet& out);
    OfxStatus regionsOfInterest(OfxTime time, const OfxRectD& roi, double scale, PropertySet& out);
    OfxStatus framesNeeded(OfxTime time, PropertySet& out);
    /// kOfxImageEffectActionGetTimeDomain (General context): out kOfxImageEffectPropFrameRange.
    OfxStatus timeDomain(PropertySet& out);
    OfxStatus isIdentity(const RenderCall& call, PropertySet& out);
    /// RoI, frames needed, identity, then render (or the host's own copy when identity). Thread-safe.
    RenderOutcome renderFrame(const RenderCall& call);
    OfxStatus beginSequence(OfxTime first, OfxTime last, bool interactive);
    OfxStatus endSequence(OfxTime first, OfxTime last, bool interactive);

private:
    void syncClipProps();
    PluginSession& session_;
    Effect effect_;
    bool created_ = false;
};

} // namespace ofxhost
