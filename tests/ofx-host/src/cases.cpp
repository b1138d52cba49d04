// cases.cpp: the conformance cases. Each runs in its own process (one CTest test each) with its own
// sandboxed daemon socket, so a crash or a leaked daemon in one cannot affect another.
#include "pam.h"
#include "render_command.h"
#include "rig.h"
#include "sandbox.h"

#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace ofxhost {
namespace {

using Clock = std::chrono::steady_clock;

json readEffectsJson(const std::string& bundle) {
    std::ifstream in(bundle + "/Contents/Resources/effects.json");
    CHECK(in.good(), "bundle has no Contents/Resources/effects.json");
    return json::parse(in);
}

/// A copy of the test bundle under `dir`/plugins, optionally without the client library; returns the
/// plugin path to use.
std::string copyBundle(const TestContext& ctx, const std::string& dir, bool withClient) {
    const std::string plugins = dir + "/plugins";
    fs::create_directories(plugins);
    const std::string bundle = plugins + "/Runway.ofx.bundle";
    copyTree(ctx.bundle, bundle);
    if (!withClient)
        for (const auto& e : fs::recursive_directory_iterator(bundle))
            if (e.path().filename() == "libRunwayClient.so") fs::remove(e.path());
    return plugins;
}

bool clientLibraryLoaded() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line))
        if (line.find("RunwayClient") != std::string::npos) return true;
    return false;
}

void runFilled(TestContext& ctx, Scenario s) {
    Sandbox sandbox;
    Rig rig(ctx, s);
    auto out = rig.renderOk();
    rig.checkFilled(*out);
    // Params are read at the render time through paramGetValueAtTime.
    for (const auto& p : rig.instance->effect().params.params)
        if (p->type != kOfxParamTypePage && p->type != kOfxParamTypeGroup)
            CHECK(p->readsAtTime > 0, "param '" << p->name << "' was not read with paramGetValueAtTime");
}

// Each helper owns the test's one sandbox: the client library reads RUNWAY_SOCKET once per process, so a
// test must not create a second one.
void runUntouched(TestContext& ctx, Scenario s) {
    Sandbox sandbox;
    Rig rig(ctx, s);
    auto out = rig.renderOk();
    rig.checkUntouched(*out);
}

Scenario depthCase(const char* depth, const char* components) {
    Scenario s;
    s.depth = depth;
    s.components = components;
    return s;
}

const char* ofxParamType(const std::string& kind) {
    if (kind == "double") return kOfxParamTypeDouble;
    if (kind == "integer") return kOfxParamTypeInteger;
    if (kind == "boolean") return kOfxParamTypeBoolean;
    if (kind == "choice") return kOfxParamTypeChoice;
    if (kind == "string") return kOfxParamTypeString;
    if (kind == "double2d") return kOfxParamTypeDouble2D;
    if (kind == "rgba") return kOfxParamTypeRGBA;
    return "?";
}

} // namespace

// ------------------------------------------------------------------------------------------ discovery, describe

OFX_TEST(describe_without_daemon_or_client_library) {
    Sandbox sandbox;
    const std::string path = copyBundle(ctx, sandbox.dir(), false);
    const json effects = readEffectsJson(ctx.bundle);
    const auto bundles = findBundles(path);
    CHECK(bundles.size() == 1, "expected one bundle, found " << bundles.size());
    auto binary = std::make_shared<PluginBinary>(bundleBinary(bundles[0]));
    CHECK(binary->count() == static_cast<int>(effects["effects"].size()),
          binary->count() << " plugins for " << effects["effects"].size() << " effects in effects.json");

    for (const auto& e : effects["effects"]) {
        const std::string id = e["id"];
        OfxPlugin* plugin = binary->find(id);
        CHECK(plugin != nullptr, "no plugin for " << id);
        CHECK(plugin->pluginVersionMajor == e["version"]["major"].get<unsigned>() &&
                  plugin->pluginVersionMinor == e["version"]["minor"].get<unsigned>(),
              id << ": version differs from effects.json");
        PluginSession session(binary, plugin);
        CHECK(session.load() == kOfxStatOK, id << ": load failed");
        CHECK(session.describe() == kOfxStatOK, id << ": describe failed");
        const PropertySet& d = session.descriptor().props;
        CHECK(d.getString(kOfxPropLabel) == e["label"].get<std::string>(), id << ": label");
        CHECK(d.getString(kOfxImageEffectPluginPropGrouping) == e["group"].get<std::string>(), id << ": group");
        CHECK(d.getString(kOfxPropPluginDescription) == e["description"].get<std::string>(), id << ": description");
        const auto contexts = d.getStrings(kOfxImageEffectPropSupportedContexts);
        CHECK(std::count(contexts.begin(), contexts.end(), kOfxImageEffectContextFilter) == 1 &&
                  std::count(contexts.begin(), contexts.end(), kOfxImageEffectContextGeneral) == 1,
              id << ": Filter and General contexts");
        CHECK(d.getStrings(kOfxImageEffectPropSupportedPixelDepths).size() == 4, id << ": four pixel depths");
        CHECK(d.getInt(kOfxImageEffectPropSupportsTiles) == 0, id << ": tiles must be off");
        CHECK(d.getInt(kOfxImageEffectPropSupportsMultiResolution) == 1, id << ": multi-resolution");
        CHECK(d.getInt(kOfxImageEffectPropSupportsMultipleClipDepths) == 0, id << ": multiple clip depths must be off");
        CHECK(d.getString(kOfxImageEffectPluginRenderThreadSafety) ==
                  std::string("OfxImageEffectRender") + e["threadSafety"].get<std::string>(),
              id << ": thread safety");
        const bool temporal = e["framesNeeded"]["before"].get<int>() != 0 || e["framesNeeded"]["after"].get<int>() != 0;
        CHECK(d.getInt(kOfxImageEffectPropTemporalClipAccess) == (temporal ? 1 : 0), id << ": temporal clip access");

        for (const char* context : {kOfxImageEffectContextFilter, kOfxImageEffectContextGeneral}) {
            CHECK(session.describeInContext(context) == kOfxStatOK, id << ": describe in " << context);
            Effect& c = session.contextDescriptor();
            for (const char* mandated : {kOfxImageEffectOutputClipName, kOfxImageEffectSimpleSourceClipName}) {
                const Clip* clip = c.findClip(mandated);
                CHECK(clip != nullptr, id << ": no " << mandated << " clip in " << context);
                CHECK(clip->props.getInt(kOfxImageEffectPropSupportsTiles) == 0, id << ": clip " << mandated << " tiles");
            }
            for (const auto& jc : e["clips"]) {
                const Clip* clip = c.findClip(jc["name"]);
                CHECK(clip != nullptr, id << ": clip " << jc["name"] << " not defined in " << context);
                CHECK(clip->props.getInt(kOfxImageClipPropIsMask) == (jc["isMask"].get<bool>() ? 1 : 0), id << ": IsMask");
                CHECK(clip->props.getInt(kOfxImageClipPropOptional) == (jc["optional"].get<bool>() ? 1 : 0), id << ": Optional");
                CHECK(clip->props.getStrings(kOfxImageEffectPropSupportedComponents).size() == jc["components"].size(),
                      id << ": clip components");
                CHECK(clip->props.getInt(kOfxImageEffectPropSupportsTiles) == 0, id << ": clip tiles");
            }
            for (const auto& jp : e["params"]) {
                const std::string name = jp["name"];
                const Param* p = c.params.find(name);
                CHECK(p != nullptr, id << ": param " << name << " not defined");
                CHECK(p->type == ofxParamType(jp["kind"]), id << ": param " << name << " has type " << p->type);
                CHECK(p->props.getString(kOfxPropLabel) == jp["label"].get<std::string>(), id << ": param label " << name);
                CHECK(p->props.getString(kOfxParamPropHint) == jp["hint"].get<std::string>() || jp["hint"] == "",
                      id << ": param hint " << name);
                const bool isInt = jp["kind"] == "integer";
                for (const auto& [key, prop] : {std::pair{"min", kOfxParamPropMin}, std::pair{"max", kOfxParamPropMax},
                                                std::pair{"displayMin", kOfxParamPropDisplayMin},
                                                std::pair{"displayMax", kOfxParamPropDisplayMax}}) {
                    if (!jp.contains(key)) continue;
                    const double want = jp[key].get<double>();
                    const double got = isInt ? p->props.getInt(prop).value_or(-12345) : p->props.getDouble(prop).value_or(-12345);
                    CHECK(std::fabs(got - want) < 1e-9, id << ": param " << name << " " << key << " " << got << " != " << want);
                }
                if (jp["kind"] == "choice") {
                    const auto labels = p->props.getStrings(kOfxParamPropChoiceOption);
                    CHECK(labels.size() == jp["options"].size(), id << ": choice " << name << " options");
                    for (size_t i = 0; i < labels.size(); ++i)
                        CHECK(labels[i] == jp["options"][i]["label"].get<std::string>(), id << ": choice label " << i);
                }
                bool onPage = false;
                for (const auto& page : c.params.params)
                    if (page->type == kOfxParamTypePage)
                        for (const auto& child : page->props.getStrings(kOfxParamPropPageChild)) onPage |= child == name;
                CHECK(onPage, id << ": param " << name << " is on no page");
            }
        }
    }
    CHECK(!clientLibraryLoaded(), "describing loaded libRunwayClient");
    CHECK(!sandbox.daemonPid() && !fs::exists(sandbox.socketPath()), "describing started a daemon");
}

OFX_TEST(plugin_path_search_skips_at_directories) {
    Sandbox sandbox;
    const std::string root = sandbox.dir();
    fs::create_directories(root + "/a/b");
    fs::create_directories(root + "/@disabled");
    copyTree(ctx.bundle, root + "/a/b/Runway.ofx.bundle");
    copyTree(ctx.bundle, root + "/@disabled/Runway.ofx.bundle");
    const auto found = findBundles(root + "/does-not-exist:" + root);
    CHECK(found.size() == 1 && found[0] == root + "/a/b/Runway.ofx.bundle",
          "found " << found.size() << " bundles" << (found.empty() ? "" : ", first " + found[0]));
    CHECK(!bundleBinary(found[0]).empty(), "no Linux binary in the bundle");
}

OFX_TEST(unknown_effect_id_fails_with_message) {
    Sandbox sandbox;
    bool threw = false;
    try {
        loadPluginBinary(ctx.pluginPath, "com.runwayml.not-in-the-bundle");
    } catch (const std::exception&) {
        threw = true;
    }
    CHECK(threw, "a plugin id missing from the bundle was found");

    // An effect the bundle describes but the daemon does not know: render fails cleanly with a message.
    const std::string path = copyBundle(ctx, sandbox.dir(), true);
    const std::string jsonPath = path + "/Runway.ofx.bundle/Contents/Resources/effects.json";
    json effects = readEffectsJson(path + "/Runway.ofx.bundle");
    json ghost;
    for (const auto& e : effects["effects"])
        if (e["id"] == kInpaintId) ghost = e;
    CHECK(!ghost.is_null(), "effects.json has no inpaint");
    ghost["id"] = "com.runwayml.no-such-effect";
    ghost["label"] = "No Such Effect";
    effects["effects"].push_back(ghost);
    std::ofstream(jsonPath) << effects.dump(2);

    Scenario s;
    s.effectId = "com.runwayml.no-such-effect";
    Rig rig(ctx, s, path);
    auto out = rig.newOutput();
    const RenderOutcome r = rig.render(out);
    CHECK(r.status == kOfxStatFailed, "render of an unknown effect returned " << r.status);
    const auto msg = currentHost().persistentMessage(rig.instance->effect().handle());
    CHECK(msg && msg->type == kOfxMessageError && !msg->text.empty(), "no persistent error message" << messagesText());
    std::printf("  message: %s\n", msg->text.c_str());
    CHECK(currentHost().outstandingImages() == 0, "images not released after a failure");
}

OFX_TEST(client_library_missing_fails_with_message) {
    Sandbox sandbox;
    const std::string path = copyBundle(ctx, sandbox.dir(), false);
    Rig rig(ctx, Scenario{}, path);
    for (int i = 0; i < 2; ++i) {
        auto out = rig.newOutput();
        const RenderOutcome r = rig.render(out);
        CHECK(r.status == kOfxStatFailed, "render without libRunwayClient returned " << r.status);
        const auto msg = currentHost().persistentMessage(rig.instance->effect().handle());
        CHECK(msg && msg->type == kOfxMessageError && msg->text.find("libRunwayClient") != std::string::npos,
              "no persistent error naming libRunwayClient" << messagesText());
        CHECK(currentHost().outstandingImages() == 0, "images not released after a failure");
    }
    CHECK(!sandbox.daemonPid(), "a daemon was started without a client library");
}

OFX_TEST(message_v2_without_persistent_falls_back_to_v1) {
    HostOptions options;
    options.messageV2NullPersistent = true; // some hosts advertise v2 with a NULL setPersistentMessage
    installHost(std::make_unique<Host>(options));
    Sandbox sandbox;
    const std::string path = copyBundle(ctx, sandbox.dir(), false);
    Rig rig(ctx, Scenario{}, path);
    auto out = rig.newOutput();
    CHECK(rig.render(out).status == kOfxStatFailed, "render without libRunwayClient succeeded");
    bool sawError = false;
    for (const auto& m : currentHost().messages())
        sawError |= !m.persistent && m.type == kOfxMessageError && m.text.find("libRunwayClient") != std::string::npos;
    CHECK(sawError, "no one-off error message" << messagesText());
}

// ------------------------------------------------------------------------------------------ layouts

OFX_TEST(depth_byte_rgba) { runFilled(ctx, depthCase(kOfxBitDepthByte, kOfxImageComponentRGBA)); }
OFX_TEST(depth_byte_rgb) { runFilled(ctx, depthCase(kOfxBitDepthByte, kOfxImageComponentRGB)); }
OFX_TEST(depth_short_rgba) { runFilled(ctx, depthCase(kOfxBitDepthShort, kOfxImageComponentRGBA)); }
OFX_TEST(depth_short_rgb) { runFilled(ctx, depthCase(kOfxBitDepthShort, kOfxImageComponentRGB)); }
OFX_TEST(depth_half_rgba) { runFilled(ctx, depthCase(kOfxBitDepthHalf, kOfxImageComponentRGBA)); }
OFX_TEST(depth_half_rgb) { runFilled(ctx, depthCase(kOfxBitDepthHalf, kOfxImageComponentRGB)); }
OFX_TEST(depth_float_rgba) { runFilled(ctx, depthCase(kOfxBitDepthFloat, kOfxImageComponentRGBA)); }
OFX_TEST(depth_float_rgb) { runFilled(ctx, depthCase(kOfxBitDepthFloat, kOfxImageComponentRGB)); }

OFX_TEST(negative_row_bytes) {
    Scenario s;
    s.negativeRowBytes = true;
    s.padBytes = 12;
    runFilled(ctx, s);
}

OFX_TEST(bounds_offset) {
    Scenario s;
    s.bounds = {37, -21, 37 + 96, -21 + 64};
    s.depth = kOfxBitDepthShort;
    runFilled(ctx, s);
}

OFX_TEST(render_scale_half) {
    Scenario s;
    s.scale = 0.5;
    s.bounds = {0, 0, 64, 48}; // a 128x96 frame at half resolution
    runFilled(ctx, s);
}

OFX_TEST(render_window_smaller_than_bounds) {
    Scenario s;
    s.window = OfxRectI{20, 10, 80, 50};
    s.depth = kOfxBitDepthByte;
    runFilled(ctx, s);
}

OFX_TEST(float_hdr_values_survive) {
    Scenario s;
    s.hdr = true;
    runFilled(ctx, s);
}

OFX_TEST(premultiplied_alpha_round_trips) {
    Scenario s;
    s.premultiplication = kOfxImagePreMultiplied;
    s.alpha = 0.5f;
    runFilled(ctx, s);
}

OFX_TEST(filter_context_renders) {
    Scenario s;
    s.context = kOfxImageEffectContextFilter;
    runFilled(ctx, s);
}

// ------------------------------------------------------------------------------------------ time

OFX_TEST(temporal_effect_fetches_neighbouring_frames_clamped_to_the_clip) {
    Sandbox sandbox;
    Scenario s;
    Rig rig(ctx, s);
    Clip& source = rig.instance->clip(kOfxImageEffectSimpleSourceClipName);
    Clip* mask = rig.instance->effect().findClip("Mask");
    CHECK(mask != nullptr, "no Mask clip");
    // A 0..10 clip whose frames are the scenario's picture at every time; render near its start, where frames
    // before it do not exist.
    source.props.setDouble(kOfxImageEffectPropFrameRange, {0, 10});
    for (int t = 0; t <= 10; ++t) {
        source.frames[t] = rig.source;
        mask->frames[t] = rig.mask;
    }
    PropertySet needed;
    CHECK(rig.instance->framesNeeded(1, needed) == kOfxStatOK, "frames needed was not answered");
    const auto range = needed.getDoubles(std::string(kOfxImageClipPropFrameRange_) + kOfxImageEffectSimpleSourceClipName);
    CHECK(range.size() == 2 && range[0] < 1 && range[1] > 1, "frames needed declares no range around the frame");

    auto out = rig.renderOk(1);
    rig.checkFilled(*out);
    const double before = 1 - range[0], after = range[1] - 1;
    // Expected: the frame itself, then t±k clamped into 0..10, each time once.
    std::vector<double> expected{1};
    for (int k = 1; k <= static_cast<int>(std::max(before, after)); ++k)
        for (const double t : {1.0 - k, 1.0 + k})
            if ((t < 1 ? k <= before : k <= after)) {
                const double clamped = std::clamp(t, 0.0, 10.0);
                if (std::find(expected.begin(), expected.end(), clamped) == expected.end()) expected.push_back(clamped);
            }
    std::vector<double> got = source.fetchedTimes, gotMask = mask->fetchedTimes;
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    std::sort(gotMask.begin(), gotMask.end());
    std::ostringstream text;
    for (const double t : got) text << t << ' ';
    CHECK(got == expected, "source fetched at [" << text.str() << "], expected " << expected.size() << " distinct times in 0..10");
    CHECK(gotMask == expected, "the mask was not fetched at the same times as the source");
    CHECK(currentHost().outstandingImages() == 0, "neighbouring images were not released");
    std::printf("  fetched %zu source frames around t=1\n", got.size());
}

// ------------------------------------------------------------------------------------------ masks

OFX_TEST(missing_mask_image_returns_source) {
    Scenario s;
    s.mask = MaskKind::Missing;
    runUntouched(ctx, s);
}

OFX_TEST(unconnected_mask_returns_source) {
    Scenario s;
    s.mask = MaskKind::Unconnected;
    runUntouched(ctx, s);
}

OFX_TEST(all_black_mask_returns_source) {
    // One sandbox for all variants: the client library reads RUNWAY_SOCKET once per process.
    Sandbox sandbox;
    for (const MaskKind kind : {MaskKind::TransparentBlack, MaskKind::OpaqueBlack}) {
        for (const char* depth : {kOfxBitDepthByte, kOfxBitDepthFloat}) {
            Scenario s;
            s.mask = kind;
            s.depth = depth;
            Rig rig(ctx, s);
            rig.checkUntouched(*rig.renderOk());
        }
    }
}

OFX_TEST(resolve_black_unconnected_mask_is_no_mask) {
    HostOptions options;
    options.name = "DaVinciResolve";
    options.label = "DaVinci Resolve";
    installHost(std::make_unique<Host>(options));
    Sandbox sandbox;
    Scenario s;
    s.mask = MaskKind::TransparentBlack;
    Rig rig(ctx, s);
    // Resolve hands an all-zero image for an unplugged mask: even "invert mask" must not fill the frame.
    for (const auto& p : rig.instance->effect().params.params)
        if (p->type == kOfxParamTypeBoolean && p->name.find("invert") != std::string::npos) rig.instance->setParam(p->name, "true");
    auto out = rig.renderOk();
    rig.checkUntouched(*out);
}

OFX_TEST(identity_without_mask_skips_the_daemon) {
    // effects.json may mark an effect "identityWithoutMask": then no mask means identity (unconnected) or a
    // plain copy in the shim (NULL image), and no daemon is needed at all.
    Sandbox sandbox;
    const std::string path = copyBundle(ctx, sandbox.dir(), true);
    const std::string jsonPath = path + "/Runway.ofx.bundle/Contents/Resources/effects.json";
    json effects = readEffectsJson(path + "/Runway.ofx.bundle");
    for (auto& e : effects["effects"])
        if (e["id"] == kInpaintId) e["identityWithoutMask"] = true;
    std::ofstream(jsonPath) << effects.dump(2);

    Scenario unplugged;
    unplugged.mask = MaskKind::Unconnected;
    Rig first(ctx, unplugged, path);
    auto out = first.newOutput();
    RenderOutcome r = first.render(out);
    CHECK(r.status == kOfxStatOK && r.identity, "unconnected mask: status " << r.status << ", identity " << r.identity);
    first.checkUntouched(*out);

    Scenario missing;
    missing.mask = MaskKind::Missing;
    missing.negativeRowBytes = true;
    missing.window = OfxRectI{10, 5, 70, 40};
    Rig second(ctx, missing, {}, first.session);
    out = second.newOutput();
    r = second.render(out);
    CHECK(r.status == kOfxStatOK && !r.identity, "NULL mask image: status " << r.status << messagesText());
    second.checkUntouched(*out);
    const TestImage sentinel = *second.newOutput();
    CHECK(out->samePixelBytes(5, 2, sentinel) && out->samePixelBytes(80, 50, sentinel), "copy wrote outside the window");
    CHECK(!sandbox.daemonPid(), "a daemon was started for a render that needed none");
}

// ------------------------------------------------------------------------------------------ threads

OFX_TEST(concurrent_instances_and_threads) {
    Sandbox sandbox;
    Scenario a;
    a.hole[0] = 0.10, a.hole[2] = 0.30;
    Scenario b;
    b.hole[0] = 0.65, b.hole[2] = 0.85;
    b.depth = kOfxBitDepthHalf;
    Rig first(ctx, a);
    Rig second(ctx, b, {}, first.session); // two instances of one loaded plugin
    std::mutex failuresMutex;
    std::vector<std::string> failures;
    std::atomic<int> rendered{0};
    std::vector<std::thread> threads;
    for (Rig* rig : {&first, &second}) {
        for (int t = 0; t < 3; ++t) {
            threads.emplace_back([&, rig, t] {
                try {
                    for (int i = 0; i < 3; ++i) {
                        auto out = rig->newOutput();
                        const RenderOutcome r = rig->render(out, t * 10 + i);
                        CHECK(r.status == kOfxStatOK, "render returned " << r.status << messagesText());
                        rig->checkFilled(*out);
                        ++rendered;
                    }
                } catch (const std::exception& ex) {
                    std::lock_guard<std::mutex> lock(failuresMutex);
                    failures.push_back(ex.what());
                }
            });
        }
    }
    for (auto& t : threads) t.join();
    CHECK(failures.empty(), failures.size() << " thread(s) failed, first: " << failures.front());
    CHECK(rendered == 18, rendered.load() << " of 18 renders");
    CHECK(currentHost().outstandingImages() == 0, "images not released");
}

// ------------------------------------------------------------------------------------------ the daemon

OFX_TEST(daemon_not_running_is_auto_started) {
    Sandbox sandbox;
    CHECK(!sandbox.daemonPid(), "a daemon is already running in a fresh sandbox");
    Rig rig(ctx, Scenario{});
    auto out = rig.renderOk();
    rig.checkFilled(*out);
    CHECK(sandbox.daemonPid(), "no daemon pid file after the auto-started render");
}

OFX_TEST(daemon_killed_between_renders_recovers) {
    Sandbox sandbox;
    sandbox.startDaemon();
    const pid_t first = *sandbox.daemonPid();
    Rig rig(ctx, Scenario{});
    rig.checkFilled(*rig.renderOk());
    sandbox.killDaemon(SIGKILL);
    CHECK(!processAlive(first), "daemon survived SIGKILL");
    auto out = rig.renderOk();
    rig.checkFilled(*out);
    const auto second = sandbox.daemonPid();
    CHECK(second && *second != first, "no new daemon after recovery");
}

OFX_TEST(daemon_killed_during_render_fails_then_recovers) {
    Sandbox sandbox;
    sandbox.startDaemon({{"RUNWAY_RENDER_DELAY_MS", "4000"}});
    Rig rig(ctx, Scenario{});
    auto out = rig.newOutput();
    RenderOutcome r;
    std::thread render([&] { r = rig.render(out); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const auto killedAt = Clock::now();
    sandbox.killDaemon(SIGKILL);
    render.join();
    const double afterKill = std::chrono::duration<double>(Clock::now() - killedAt).count();
    CHECK(r.status == kOfxStatFailed, "render whose daemon was killed returned " << r.status);
    CHECK(afterKill < 2.5, "the failure took " << afterKill << " s after the kill");
    const void* handle = rig.instance->effect().handle();
    const auto msg = currentHost().persistentMessage(const_cast<void*>(handle));
    CHECK(msg && msg->type == kOfxMessageError, "no persistent error message after the daemon died" << messagesText());
    std::printf("  message: %s\n", msg->text.c_str());
    CHECK(currentHost().outstandingImages() == 0, "images not released after a failure");

    // The next render auto-starts a fresh daemon (without the delay) and clears the message.
    auto next = rig.renderOk(1);
    rig.checkFilled(*next);
    CHECK(!currentHost().persistentMessage(const_cast<void*>(handle)), "the error message stayed after a good render");
}

OFX_TEST(slow_daemon_render_is_aborted) {
    Sandbox sandbox;
    sandbox.startDaemon({{"RUNWAY_RENDER_DELAY_MS", "5000"}});
    Rig rig(ctx, Scenario{});
    std::atomic<Clock::rep> started{0};
    rig.instance->effect().abortFn = [&] {
        return Clock::now().time_since_epoch().count() - started.load() > std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(200)).count();
    };
    auto out = rig.newOutput();
    started = Clock::now().time_since_epoch().count();
    const RenderOutcome r = rig.render(out);
    CHECK(r.status == kOfxStatFailed, "aborted render returned " << r.status);
    CHECK(r.seconds < 1.2, "abort took " << r.seconds << " s to end the render");
    CHECK(rig.instance->effect().abortPolls > 0, "abort() was never polled");
    CHECK(currentHost().outstandingImages() == 0, "images not released after abort");
    CHECK(sandbox.daemonPid(), "the daemon died after a cancelled render");
    std::printf("  aborted after %.3f s, %d abort polls\n", r.seconds, rig.instance->effect().abortPolls.load());
}

// ------------------------------------------------------------------------------------------ the render command

OFX_TEST(render_command_writes_pam_sequence) {
    Sandbox sandbox;
    const std::string in = sandbox.dir() + "/in", out = sandbox.dir() + "/out";
    fs::create_directories(in);
    const int w = 64, h = 48;
    for (int f = 0; f < 2; ++f) {
        PamImage img{w, h, 4, 255, std::vector<std::uint16_t>(static_cast<size_t>(w * h * 4))};
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 4; ++c)
                    img.samples[static_cast<size_t>((y * w + x) * 4 + c)] = static_cast<std::uint16_t>(
                        // PAM rows are top-down; the object to remove is pure red where the mask is white.
                        x >= 25 && x < 40 && y >= 20 && y < 30 ? (c == 0 || c == 3 ? 255 : 0)
                                                               : (c == 3 ? 255 : (c == 0 ? x * 3 + f : c == 1 ? y * 4 : 128)));
        writePam(in + "/frame" + std::to_string(f) + ".pam", img);
    }
    PamImage mask{w, h, 1, 255, std::vector<std::uint16_t>(static_cast<size_t>(w * h), 0)};
    for (int y = 20; y < 30; ++y)
        for (int x = 25; x < 40; ++x) mask.samples[static_cast<size_t>(y * w + x)] = 255;
    writePam(sandbox.dir() + "/mask.pam", mask);

    const std::vector<std::string> args{"--plugin-path", ctx.pluginPath, "--effect", kInpaintId, "--input", in,
                                        "--mask", sandbox.dir() + "/mask.pam", "--output", out, "--set", "radius=3"};
    CHECK(runRenderCommand(args) == 0, "render command failed" << messagesText());
    for (int f = 0; f < 2; ++f) {
        const PamImage src = readPam(in + "/frame" + std::to_string(f) + ".pam");
        const PamImage res = readPam(out + "/frame" + std::to_string(f) + ".pam");
        CHECK(res.width == w && res.height == h && res.depth == 4 && res.maxval == 255, "output frame " << f << " shape");
        int changed = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const bool near = x >= 25 - 8 && x < 40 + 8 && y >= 20 - 8 && y < 30 + 8;
                for (int c = 0; c < 4; ++c) {
                    const auto i = static_cast<size_t>((y * w + x) * 4 + c);
                    if (!near) CHECK(res.samples[i] == src.samples[i], "frame " << f << " changed outside the hole at " << x << "," << y);
                    changed += res.samples[i] != src.samples[i];
                }
            }
        CHECK(changed > 0, "frame " << f << ": nothing was filled");
        const size_t centre = static_cast<size_t>((25 * w + 32) * 4);
        CHECK(res.samples[centre + 1] > 40, "frame " << f << ": the red object is still there (green " << res.samples[centre + 1] << ")");
    }
}

} // namespace ofxhost
