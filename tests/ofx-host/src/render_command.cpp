// render_command.cpp: load the bundle, render a PAM sequence through one effect, write PAM outputs.
#include "render_command.h"

#include "pam.h"
#include "session.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>

namespace fs = std::filesystem;

namespace ofxhost {
namespace {

struct Options {
    std::string pluginPath;
    std::string effect;
    std::string input;
    std::string mask;
    std::string output;
    std::string depth = kOfxBitDepthFloat;
    std::string context = kOfxImageEffectContextGeneral;
    std::vector<std::pair<std::string, std::string>> sets;
    std::vector<std::pair<std::string, std::string>> clips; // --clip Name=<pam|dir>
    std::optional<std::pair<int, int>> times;                // --frames first..last (default: every input frame)
};

std::pair<std::string, std::string> splitAssignment(const std::string& option, const std::string& kv) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw std::invalid_argument(option + " wants name=value, got '" + kv + "'");
    return {kv.substr(0, eq), kv.substr(eq + 1)};
}

std::pair<int, int> parseTimes(const std::string& text) {
    const auto dots = text.find("..");
    try {
        if (dots == std::string::npos) {
            const int t = std::stoi(text);
            return {t, t};
        }
        const int first = std::stoi(text.substr(0, dots)), last = std::stoi(text.substr(dots + 2));
        if (last < first) throw std::invalid_argument("empty");
        return {first, last};
    } catch (const std::exception&) {
        throw std::invalid_argument("--frames wants first..last (whole frames, may lie outside the input), got '" + text + "'");
    }
}

Options parse(const std::vector<std::string>& args) {
    Options o;
    const char* env = std::getenv("OFX_PLUGIN_PATH");
    o.pluginPath = env != nullptr && *env != '\0' ? env : "/usr/OFX/Plugins";
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
            return args[++i];
        };
        if (a == "--plugin-path") o.pluginPath = value();
        else if (a == "--effect") o.effect = value();
        else if (a == "--input") o.input = value();
        else if (a == "--mask") o.mask = value();
        else if (a == "--output") o.output = value();
        else if (a == "--context") o.context = std::string("OfxImageEffectContext") + value();
        else if (a == "--depth") {
            const std::string d = value();
            if (d == "byte") o.depth = kOfxBitDepthByte;
            else if (d == "short") o.depth = kOfxBitDepthShort;
            else if (d == "half") o.depth = kOfxBitDepthHalf;
            else if (d == "float") o.depth = kOfxBitDepthFloat;
            else throw std::invalid_argument("--depth wants byte, short, half or float");
        } else if (a == "--set") {
            o.sets.push_back(splitAssignment(a, value()));
        } else if (a == "--clip") {
            o.clips.push_back(splitAssignment(a, value()));
        } else if (a == "--frames") {
            o.times = parseTimes(value());
        } else {
            throw std::invalid_argument("unknown option '" + a + "'");
        }
    }
    if (o.effect.empty() || o.input.empty() || o.output.empty())
        throw std::invalid_argument("--effect, --input and --output are required");
    return o;
}

std::vector<std::string> frames(const std::string& path) {
    if (!fs::is_directory(path)) return {path};
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(path))
        if (e.path().extension() == ".pam") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw std::runtime_error("no .pam files in " + path);
    return files;
}

// PAM rows are top-down; OFX images are bottom-up.
std::shared_ptr<TestImage> toImage(const PamImage& pam, const std::string& depth, bool asMask) {
    const bool alphaOnly = asMask && pam.depth == 1;
    auto img = std::make_shared<TestImage>(OfxRectI{0, 0, pam.width, pam.height}, depth,
                                           alphaOnly ? kOfxImageComponentAlpha : kOfxImageComponentRGBA);
    const float scale = 1.0f / static_cast<float>(pam.maxval);
    img->fill([&](int x, int y) {
        const size_t base = (static_cast<size_t>(pam.height - 1 - y) * static_cast<size_t>(pam.width) + static_cast<size_t>(x)) *
                            static_cast<size_t>(pam.depth);
        const auto s = [&](int c) { return pam.samples[base + static_cast<size_t>(c)] * scale; };
        switch (pam.depth) {
        case 1: return Rgba{s(0), s(0), s(0), alphaOnly ? s(0) : 1.0f};
        case 2: return Rgba{s(0), s(0), s(0), s(1)};
        case 3: return Rgba{s(0), s(1), s(2), 1.0f};
        default: return Rgba{s(0), s(1), s(2), s(3)};
        }
    });
    return img;
}

PamImage toPam(const TestImage& img, int maxval) {
    PamImage pam{img.width(), img.height(), 4, maxval, {}};
    pam.samples.resize(static_cast<size_t>(pam.width) * static_cast<size_t>(pam.height) * 4);
    for (int y = 0; y < pam.height; ++y)
        for (int x = 0; x < pam.width; ++x) {
            const Rgba v = img.get(img.bounds().x1 + x, img.bounds().y1 + y);
            for (int c = 0; c < 4; ++c)
                pam.samples[(static_cast<size_t>(pam.height - 1 - y) * static_cast<size_t>(pam.width) + static_cast<size_t>(x)) * 4 +
                            static_cast<size_t>(c)] =
                    static_cast<std::uint16_t>(std::lround(std::clamp(v[static_cast<size_t>(c)], 0.0f, 1.0f) * maxval));
        }
    return pam;
}

// Choice option values by param name, from the bundle's effects.json (OFX itself only knows labels).
std::map<std::string, std::vector<std::string>> choiceValues(const std::string& binary, const std::string& effect) {
    std::map<std::string, std::vector<std::string>> out;
    std::ifstream in(fs::path(binary).parent_path().parent_path() / "Resources" / "effects.json");
    if (!in) return out;
    const auto doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.contains("effects")) return out;
    for (const auto& e : doc["effects"]) {
        if (e.value("id", "") != effect || !e.contains("params")) continue;
        for (const auto& p : e["params"])
            if (p.contains("options"))
                for (const auto& o : p["options"]) out[p.value("name", "")].push_back(o.value("value", ""));
    }
    return out;
}

} // namespace

int runRenderCommand(const std::vector<std::string>& args) {
    try {
        const Options o = parse(args);
        const auto inputs = frames(o.input);
        std::vector<std::string> masks;
        if (!o.mask.empty()) {
            masks = frames(o.mask);
            if (masks.size() != 1 && masks.size() != inputs.size())
                throw std::runtime_error(std::to_string(masks.size()) + " mask frames for " + std::to_string(inputs.size()) + " input frames");
        }
        const auto [firstTime, lastTime] = o.times.value_or(std::make_pair(0, static_cast<int>(inputs.size()) - 1));
        const size_t renders = static_cast<size_t>(lastTime - firstTime + 1);
        const bool outputIsDir = renders > 1 || fs::is_directory(o.output) || o.output.back() == '/';
        if (outputIsDir) fs::create_directories(o.output);

        auto binary = loadPluginBinary(o.pluginPath, o.effect);
        auto session = std::make_shared<PluginSession>(binary, binary->find(o.effect));
        session->prepare(o.context);
        EffectInstance instance(*session);
        Clip* maskClip = nullptr;
        for (const auto& c : instance.effect().clips)
            if (c->props.getInt(kOfxImageClipPropIsMask).value_or(0) != 0) maskClip = c.get();
        if (!masks.empty() && maskClip == nullptr) throw std::runtime_error(o.effect + " has no mask clip");

        // Like a host with the whole clip on its timeline: every input frame at its index, the Source clip's frame
        // range 0..n-1, so temporal effects fetch real neighbours and extending effects can render past the end.
        const PamImage first = readPam(inputs[0]);
        Clip& source = instance.clip(kOfxImageEffectSimpleSourceClipName);
        for (size_t i = 0; i < inputs.size(); ++i)
            source.frames[static_cast<double>(i)] = i == 0 ? toImage(first, o.depth, false) : toImage(readPam(inputs[i]), o.depth, false);
        instance.setInput(source.name, source.frames[0]);
        source.props.setDouble(kOfxImageEffectPropFrameRange, {0.0, static_cast<double>(inputs.size() - 1)});
        if (maskClip != nullptr) {
            for (size_t i = 0; i < masks.size(); ++i) maskClip->frames[static_cast<double>(i)] = toImage(readPam(masks[i]), o.depth, true);
            if (masks.size() == 1) maskClip->frames.clear(); // one still for every frame
            instance.setInput(maskClip->name, masks.empty() ? nullptr : toImage(readPam(masks[0]), o.depth, true), !masks.empty());
        }
        // Other input clips (e.g. Reference): one file is a still for every frame, a folder is matched by index.
        for (const auto& [name, path] : o.clips) {
            Clip* clip = instance.effect().findClip(name);
            if (clip == nullptr || name == kOfxImageEffectSimpleSourceClipName || name == kOfxImageEffectOutputClipName)
                throw std::runtime_error(o.effect + " has no input clip '" + name + "' besides Source");
            const auto files = frames(path);
            if (files.size() != 1 && files.size() != inputs.size())
                throw std::runtime_error(std::to_string(files.size()) + " frames for clip '" + name + "' but " +
                                         std::to_string(inputs.size()) + " input frames");
            if (files.size() > 1)
                for (size_t i = 0; i < files.size(); ++i) clip->frames[static_cast<double>(i)] = toImage(readPam(files[i]), o.depth, false);
            instance.setInput(name, files.size() > 1 ? clip->frames[0] : toImage(readPam(files[0]), o.depth, false));
        }

        const OfxStatus st = instance.create();
        if (st != kOfxStatOK) throw std::runtime_error("create instance failed with status " + std::to_string(st));
        const auto values = choiceValues(binary->path(), o.effect);
        for (const auto& [name, text] : o.sets) {
            const auto it = values.find(name);
            instance.setParam(name, text, it != values.end() ? it->second : std::vector<std::string>{});
        }
        PropertySet prefs;
        instance.clipPreferences(prefs);
        instance.beginSequence(firstTime, lastTime, false);
        for (int t = firstTime; t <= lastTime; ++t) {
            RenderCall call;
            call.time = static_cast<double>(t);
            call.output = std::make_shared<TestImage>(OfxRectI{0, 0, first.width, first.height}, o.depth, kOfxImageComponentRGBA);
            const RenderOutcome r = instance.renderFrame(call);
            if (r.status != kOfxStatOK) {
                std::string text;
                for (const auto& m : currentHost().messages()) text += "\n  " + m.text;
                throw std::runtime_error("frame " + std::to_string(t) + " failed with status " + std::to_string(r.status) + text);
            }
            const bool inside = t >= 0 && static_cast<size_t>(t) < inputs.size();
            char name[64];
            std::snprintf(name, sizeof name, "frame_%05d.pam", t);
            const std::string target = !outputIsDir ? o.output
                                       : (fs::path(o.output) / (inside ? fs::path(inputs[static_cast<size_t>(t)]).filename() : fs::path(name))).string();
            writePam(target, toPam(*call.output, first.maxval));
            std::printf("frame %d (%d..%d)  -> %s  (%.0f ms%s)\n", t, firstTime, lastTime, target.c_str(), r.seconds * 1000,
                        r.identity ? ", identity" : "");
            std::fflush(stdout);
        }
        instance.endSequence(firstTime, lastTime, false);
        return 0;
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "ofx-host render: %s\n", ex.what());
        return 1;
    }
}

} // namespace ofxhost
