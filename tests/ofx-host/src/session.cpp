// session.cpp: plugin discovery and the action sequence.
#include "session.h"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace ofxhost {
namespace {

void searchDirectory(const fs::path& dir, std::vector<std::string>& out) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& path : entries) {
        const std::string name = path.filename().string();
        if (name.empty() || name[0] == '@') continue; // hosts skip '@' names (e.g. @eaDir, disabled plugins)
        if (!fs::is_directory(path, ec)) continue;
        if (name.size() > 11 && name.compare(name.size() - 11, 11, ".ofx.bundle") == 0) out.push_back(path.string());
        else searchDirectory(path, out);
    }
}

const char* kArchDir =
#if defined(__aarch64__)
    "Linux-aarch64";
#else
    "Linux-x86-64";
#endif

} // namespace

std::vector<std::string> findBundles(const std::string& pluginPath) {
    std::vector<std::string> out;
    std::stringstream ss(pluginPath);
    std::string dir;
    while (std::getline(ss, dir, ':'))
        if (!dir.empty()) searchDirectory(dir, out);
    return out;
}

std::string bundleBinary(const std::string& bundle) {
    const fs::path dir = fs::path(bundle) / "Contents" / kArchDir;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".ofx") return entry.path().string();
    return {};
}

PluginBinary::PluginBinary(const std::string& path) : path_(path) {
    void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
    auto setHost = reinterpret_cast<OfxSetHostFn>(dlsym(lib, "OfxSetHost"));
    auto count = reinterpret_cast<OfxGetNumberOfPluginsFn>(dlsym(lib, "OfxGetNumberOfPlugins"));
    auto get = reinterpret_cast<OfxGetPluginFn>(dlsym(lib, "OfxGetPlugin"));
    if (count == nullptr || get == nullptr) throw std::runtime_error(path + " lacks the OFX entry points");
    // OFX 1.5: OfxSetHost comes first; kOfxStatFailed means "skip me on this host".
    if (setHost != nullptr && setHost(currentHost().ofxHost()) == kOfxStatFailed) return;
    const int n = count();
    for (int i = 0; i < n; ++i)
        if (OfxPlugin* p = get(i)) plugins_.push_back(p);
}

OfxPlugin* PluginBinary::find(const std::string& id) const {
    for (OfxPlugin* p : plugins_)
        if (p->pluginIdentifier != nullptr && id == p->pluginIdentifier) return p;
    return nullptr;
}

std::shared_ptr<PluginBinary> loadPluginBinary(const std::string& pluginPath, const std::string& pluginId) {
    const auto bundles = findBundles(pluginPath);
    if (bundles.empty()) throw std::runtime_error("no *.ofx.bundle under '" + pluginPath + "'");
    for (const auto& bundle : bundles) {
        const std::string binary = bundleBinary(bundle);
        if (binary.empty()) continue;
        auto loaded = std::make_shared<PluginBinary>(binary);
        if (loaded->find(pluginId) != nullptr) return loaded;
    }
    throw std::runtime_error("no plugin '" + pluginId + "' in the bundles under '" + pluginPath + "'");
}

PluginSession::PluginSession(std::shared_ptr<PluginBinary> binary, OfxPlugin* plugin)
    : binary_(std::move(binary)), plugin_(plugin) {
    if (plugin_ == nullptr) throw std::invalid_argument("no plugin");
    if (std::string(plugin_->pluginApi) != kOfxImageEffectPluginApi || plugin_->apiVersion != 1)
        throw std::runtime_error("plugin does not speak the image effect API v1");
    plugin_->setHost(currentHost().ofxHost());
    descriptor_.props.setString(kOfxPropType, {kOfxTypeImageEffect});
}

PluginSession::~PluginSession() {
    if (loaded_) call(kOfxActionUnload, nullptr, nullptr, nullptr);
}

OfxStatus PluginSession::call(const char* action, void* handle, PropertySet* in, PropertySet* out) {
    return plugin_->mainEntry(action, handle, in ? in->handle() : nullptr, out ? out->handle() : nullptr);
}

OfxStatus PluginSession::load() {
    const OfxStatus st = call(kOfxActionLoad, nullptr, nullptr, nullptr);
    loaded_ = st == kOfxStatOK || st == kOfxStatReplyDefault;
    return st;
}

OfxStatus PluginSession::describe() { return call(kOfxActionDescribe, descriptor_.handle(), nullptr, nullptr); }

OfxStatus PluginSession::describeInContext(const std::string& context) {
    contextDescriptor_ = std::make_unique<Effect>();
    contextDescriptor_->context = context;
    contextDescriptor_->props.copyFrom(descriptor_.props);
    contextDescriptor_->props.setString(kOfxImageEffectPropContext, {context});
    PropertySet in;
    in.setString(kOfxImageEffectPropContext, {context});
    return call(kOfxImageEffectActionDescribeInContext, contextDescriptor_->handle(), &in, nullptr);
}

void PluginSession::prepare(const std::string& context) {
    OfxStatus st = load();
    if (st != kOfxStatOK && st != kOfxStatReplyDefault) throw std::runtime_error("load failed: " + std::to_string(st));
    if ((st = describe()) != kOfxStatOK) throw std::runtime_error("describe failed: " + std::to_string(st));
    if ((st = describeInContext(context)) != kOfxStatOK)
        throw std::runtime_error("describe in context " + context + " failed: " + std::to_string(st));
}

EffectInstance::EffectInstance(PluginSession& session) : session_(session) {
    Effect& desc = session.contextDescriptor();
    effect_.isInstance = true;
    effect_.context = desc.context;
    effect_.props.copyFrom(desc.props);
    effect_.props.setString(kOfxPropType, {kOfxTypeImageEffectInstance});
    effect_.props.setInt(kOfxPropIsInteractive, {0});
    effect_.props.setDouble(kOfxImageEffectPropProjectPixelAspectRatio, {1.0});
    effect_.props.setDouble(kOfxImageEffectPropProjectSize, {kProjectWidth, kProjectHeight});
    effect_.props.setDouble(kOfxImageEffectPropProjectOffset, {0.0, 0.0});
    effect_.props.setDouble(kOfxImageEffectPropProjectExtent, {kProjectWidth, kProjectHeight});
    effect_.props.setDouble(kOfxImageEffectPropFrameRate, {25.0});
    for (const auto& c : desc.clips) {
        auto clip = std::make_unique<Clip>();
        clip->name = c->name;
        clip->owner = &effect_;
        clip->props.copyFrom(c->props);
        clip->props.setInt(kOfxImageClipPropConnected, {0});
        effect_.clips.push_back(std::move(clip));
    }
    for (const auto& p : desc.params.params) {
        auto param = std::make_unique<Param>();
        param->type = p->type;
        param->name = p->name;
        param->props.copyFrom(p->props);
        param->resetToDefault();
        effect_.params.params.push_back(std::move(param));
    }
}

EffectInstance::~EffectInstance() {
    if (created_) session_.call(kOfxActionDestroyInstance, effect_.handle(), nullptr, nullptr);
}

Clip& EffectInstance::clip(const std::string& name) {
    Clip* c = effect_.findClip(name);
    if (c == nullptr) throw std::runtime_error("the plugin defined no clip '" + name + "'");
    return *c;
}

void EffectInstance::setInput(const std::string& name, std::shared_ptr<TestImage> image, bool connected) {
    Clip& c = clip(name);
    c.image = std::move(image);
    c.props.setInt(kOfxImageClipPropConnected, {connected ? 1 : 0});
    syncClipProps();
}

Param& EffectInstance::param(const std::string& name) {
    Param* p = effect_.params.find(name);
    if (p == nullptr) throw std::runtime_error("the plugin defined no param '" + name + "'");
    return *p;
}

void EffectInstance::setParam(const std::string& name, const std::string& text, const std::vector<std::string>& choiceValues) {
    std::string error;
    if (!setParamFromText(param(name), text, choiceValues, error)) throw std::runtime_error(error);
    if (!created_) return;
    PropertySet in;
    in.setString(kOfxPropType, {kOfxTypeParameter});
    in.setString(kOfxPropName, {name});
    in.setString(kOfxPropChangeReason, {kOfxChangeUserEdited});
    in.setDouble(kOfxPropTime, {0.0});
    in.setDouble(kOfxImageEffectPropRenderScale, {1.0, 1.0});
    PropertySet reason;
    reason.setString(kOfxPropChangeReason, {kOfxChangeUserEdited});
    session_.call(kOfxActionBeginInstanceChanged, effect_.handle(), &reason, nullptr);
    session_.call(kOfxActionInstanceChanged, effect_.handle(), &in, nullptr);
    session_.call(kOfxActionEndInstanceChanged, effect_.handle(), &reason, nullptr);
}

void EffectInstance::syncClipProps() {
    // What the host tells a plugin about each clip before and after clip preferences.
    const Clip* source = effect_.findClip(kOfxImageEffectSimpleSourceClipName);
    for (auto& c : effect_.clips) {
        std::shared_ptr<TestImage> image = c->image;
        if (c->name == kOfxImageEffectOutputClipName && source != nullptr) image = source->image;
        if (image == nullptr) continue;
        c->props.setString(kOfxImageEffectPropPixelDepth, {image->depth()});
        c->props.setString(kOfxImageEffectPropComponents, {image->components()});
        c->props.setString(kOfxImageClipPropUnmappedPixelDepth, {image->depth()});
        c->props.setString(kOfxImageClipPropUnmappedComponents, {image->components()});
        c->props.setString(kOfxImageEffectPropPreMultiplication, {image->premultiplication});
        c->props.setDouble(kOfxImagePropPixelAspectRatio, {image->pixelAspect});
        if (c->name == kOfxImageEffectOutputClipName) c->props.setInt(kOfxImageClipPropConnected, {1});
    }
}

OfxStatus EffectInstance::create() {
    syncClipProps();
    const OfxStatus st = session_.call(kOfxActionCreateInstance, effect_.handle(), nullptr, nullptr);
    created_ = st == kOfxStatOK || st == kOfxStatReplyDefault;
    return st;
}

OfxStatus EffectInstance::clipPreferences(PropertySet& out) {
    return session_.call(kOfxImageEffectActionGetClipPreferences, effect_.handle(), nullptr, &out);
}

OfxStatus EffectInstance::regionsOfInterest(OfxTime time, const OfxRectD& roi, double scale, PropertySet& out) {
    PropertySet in;
    in.setDouble(kOfxPropTime, {time});
    in.setDouble(kOfxImageEffectPropRenderScale, {scale, scale});
    in.setDouble(kOfxImageEffectPropRegionOfInterest, {roi.x1, roi.y1, roi.x2, roi.y2});
    return session_.call(kOfxImageEffectActionGetRegionsOfInterest, effect_.handle(), &in, &out);
}

OfxStatus EffectInstance::framesNeeded(OfxTime time, PropertySet& out) {
    PropertySet in;
    in.setDouble(kOfxPropTime, {time});
    return session_.call(kOfxImageEffectActionGetFramesNeeded, effect_.handle(), &in, &out);
}

OfxStatus EffectInstance::timeDomain(PropertySet& out) {
    return session_.call(kOfxImageEffectActionGetTimeDomain, effect_.handle(), nullptr, &out);
}

OfxStatus EffectInstance::isIdentity(const RenderCall& call, PropertySet& out) {
    PropertySet in;
    const OfxRectI w = call.window.value_or(call.output->bounds());
    in.setDouble(kOfxPropTime, {call.time});
    in.setString(kOfxImageEffectPropFieldToRender, {kOfxImageFieldNone});
    in.setInt(kOfxImageEffectPropRenderWindow, {w.x1, w.y1, w.x2, w.y2});
    in.setDouble(kOfxImageEffectPropRenderScale, {call.scale[0], call.scale[1]});
    return session_.call(kOfxImageEffectActionIsIdentity, effect_.handle(), &in, &out);
}

OfxStatus EffectInstance::beginSequence(OfxTime first, OfxTime last, bool interactive) {
    PropertySet in;
    in.setDouble(kOfxImageEffectPropFrameRange, {first, last});
    in.setDouble("OfxImageEffectPropFrameStep", {1.0});
    in.setInt(kOfxPropIsInteractive, {interactive ? 1 : 0});
    in.setDouble(kOfxImageEffectPropRenderScale, {1.0, 1.0});
    in.setInt(kOfxImageEffectPropSequentialRenderStatus, {0});
    in.setInt(kOfxImageEffectPropInteractiveRenderStatus, {interactive ? 1 : 0});
    return session_.call(kOfxImageEffectActionBeginSequenceRender, effect_.handle(), &in, nullptr);
}

OfxStatus EffectInstance::endSequence(OfxTime first, OfxTime last, bool interactive) {
    PropertySet in;
    in.setDouble(kOfxImageEffectPropFrameRange, {first, last});
    in.setDouble("OfxImageEffectPropFrameStep", {1.0});
    in.setInt(kOfxPropIsInteractive, {interactive ? 1 : 0});
    in.setDouble(kOfxImageEffectPropRenderScale, {1.0, 1.0});
    in.setInt(kOfxImageEffectPropSequentialRenderStatus, {0});
    in.setInt(kOfxImageEffectPropInteractiveRenderStatus, {interactive ? 1 : 0});
    return session_.call(kOfxImageEffectActionEndSequenceRender, effect_.handle(), &in, nullptr);
}

RenderOutcome EffectInstance::renderFrame(const RenderCall& call) {
    const auto start = std::chrono::steady_clock::now();
    RenderOutcome outcome;
    const OfxRectI w = call.window.value_or(call.output->bounds());

    PropertySet roiOut;
    const double sx = call.output->pixelAspect / call.scale[0];
    regionsOfInterest(call.time, {w.x1 * sx, w.y1 / call.scale[1], w.x2 * sx, w.y2 / call.scale[1]}, call.scale[0], roiOut);
    PropertySet framesOut;
    framesNeeded(call.time, framesOut);

    PropertySet identityOut;
    const OfxStatus id = isIdentity(call, identityOut);
    const Clip* source = effect_.findClip(kOfxImageEffectSimpleSourceClipName);
    if (id == kOfxStatOK && source != nullptr && source->image != nullptr &&
        identityOut.getString(kOfxPropName).value_or("") == kOfxImageEffectSimpleSourceClipName) {
        // The host's side of identity: show the named clip's pixels at the time the plugin named, inside the window.
        std::shared_ptr<TestImage> shown = source->image;
        if (const auto at = source->frames.find(identityOut.getDouble(kOfxPropTime).value_or(call.time)); at != source->frames.end())
            shown = at->second;
        outcome.identityTime = identityOut.getDouble(kOfxPropTime).value_or(call.time);
        for (int y = w.y1; y < w.y2; ++y)
            for (int x = w.x1; x < w.x2; ++x)
                if (call.output->contains(x, y))
                    call.output->set(x, y, shown->contains(x, y) ? shown->get(x, y) : Rgba{0, 0, 0, 0});
        outcome.identity = true;
    } else {
        PropertySet in;
        in.setDouble(kOfxPropTime, {call.time});
        in.setString(kOfxImageEffectPropFieldToRender, {kOfxImageFieldNone});
        in.setInt(kOfxImageEffectPropRenderWindow, {w.x1, w.y1, w.x2, w.y2});
        in.setDouble(kOfxImageEffectPropRenderScale, {call.scale[0], call.scale[1]});
        in.setInt(kOfxImageEffectPropSequentialRenderStatus, {0});
        in.setInt(kOfxImageEffectPropInteractiveRenderStatus, {call.interactive ? 1 : 0});
        in.setInt(kOfxImageEffectPropRenderQualityDraft, {call.draft ? 1 : 0});
        setThreadOutput(call.output);
        outcome.status = session_.call(kOfxImageEffectActionRender, effect_.handle(), &in, nullptr);
        setThreadOutput(nullptr);
    }
    outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
}

} // namespace ofxhost
