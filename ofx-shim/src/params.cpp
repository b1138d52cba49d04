// params.cpp: the mapping between effects.json param kinds and OFX param types.
#include "params.h"

#include "host_quirks.h"
#include "suites.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <map>
#include <stdexcept>

namespace runway::ofx {
namespace {

const char* ofxType(ParamKind kind) {
    switch (kind) {
    case ParamKind::Double: return kOfxParamTypeDouble;
    case ParamKind::Integer: return kOfxParamTypeInteger;
    case ParamKind::Boolean: return kOfxParamTypeBoolean;
    case ParamKind::Choice: return kOfxParamTypeChoice;
    case ParamKind::String: return kOfxParamTypeString;
    case ParamKind::Double2D: return kOfxParamTypeDouble2D;
    case ParamKind::Rgba: return kOfxParamTypeRGBA;
    }
    return kOfxParamTypeDouble;
}

int toInt(double v) {
    if (std::isnan(v)) return 0;
    if (v <= static_cast<double>(INT_MIN)) return INT_MIN;
    if (v >= static_cast<double>(INT_MAX)) return INT_MAX;
    return static_cast<int>(std::lround(v));
}

// Sets a numeric range property with one value per dimension of the param.
void setRange(const Props& props, const char* name, const ParamDef& p, std::optional<double> value) {
    if (!value) return;
    switch (p.kind) {
    case ParamKind::Double: props.setDouble(name, *value); break;
    case ParamKind::Integer: props.setInt(name, toInt(*value)); break;
    case ParamKind::Double2D: props.setDoubles(name, {*value, *value}); break;
    case ParamKind::Rgba: props.setDoubles(name, {*value, *value, *value, *value}); break;
    default: break;
    }
}

std::atomic<bool> gHostDrawsPositionHandles{false};

// Width and height of the frame the pixel defaults of position/size params are written for (the C# side's
// ParamDefinition.DefaultFrameWidth/Height); used only when the host cannot take a normalised default.
constexpr double kDefaultFrameWidth = 1920;
constexpr double kDefaultFrameHeight = 1080;

// A position or size Double2D: tell the host what it is (so it draws a handle in its viewer and lets users drag
// it in canonical coordinates) and give the default in a way that lands at the same place whatever the project.
// Every property here is optional: a host that refuses one keeps a plain Double2D with a canonical default.
void defineSpatial2D(const Props& props, const ParamDef& p) {
    const bool position = p.coordinates == ParamCoordinates::Position;
    props.setString(kOfxParamPropDoubleType, position ? kOfxParamDoubleTypeXYAbsolute : kOfxParamDoubleTypeXY);
    // A host that can draw its own handle for a point (Nuke, Natron) is asked to; the overlay interact then draws only
    // what such handles cannot show (outlines and corner knobs).
    if (position && props.getInt(kOfxParamPropHasHostOverlayHandle).value_or(0) != 0 &&
        props.setInt(kOfxParamPropUseHostOverlayHandle, 1))
        gHostDrawsPositionHandles = true;
    // Fractions of the frame from the top-left (effects.json); OFX normalises from the bottom-left, y up.
    std::vector<double> fraction = p.defaultNormalised;
    if (fraction.size() != 2)
        fraction = {p.defaultNumbers.at(0) / kDefaultFrameWidth, p.defaultNumbers.at(1) / kDefaultFrameHeight};
    if (position) fraction[1] = 1.0 - fraction[1];
    if (!hostQuirks().defaultCoordinateSystemIgnored &&
        props.setString(kOfxParamPropDefaultCoordinateSystem, kOfxParamCoordinatesNormalised)) {
        props.setDoubles(kOfxParamPropDefault, fraction);
        return;
    }
    props.setDoubles(kOfxParamPropDefault, {fraction[0] * kDefaultFrameWidth, fraction[1] * kDefaultFrameHeight});
}

void defineOne(OfxParamSetHandle paramSet, const ParamDef& p) {
    OfxPropertySetHandle handle = nullptr;
    const OfxStatus st = suites().parameter->paramDefine(paramSet, ofxType(p.kind), p.name.c_str(), &handle);
    if (st != kOfxStatOK || handle == nullptr)
        throw std::runtime_error("host refused to define param '" + p.name + "' (status " + std::to_string(st) + ")");
    const Props props(handle);
    props.setString(kOfxPropLabel, p.label);
    props.setString(kOfxParamPropScriptName, p.name);
    if (!p.hint.empty()) props.setString(kOfxParamPropHint, p.hint);
    if (p.kind != ParamKind::String) props.setInt(kOfxParamPropAnimates, p.animates ? 1 : 0);

    switch (p.kind) {
    case ParamKind::Double: props.setDouble(kOfxParamPropDefault, p.defaultNumbers.at(0)); break;
    case ParamKind::Integer: props.setInt(kOfxParamPropDefault, toInt(p.defaultNumbers.at(0))); break;
    case ParamKind::Boolean: props.setInt(kOfxParamPropDefault, p.defaultNumbers.at(0) != 0 ? 1 : 0); break;
    case ParamKind::Choice: {
        std::vector<std::string> labels;
        for (const auto& o : p.options) labels.push_back(o.label);
        props.setStrings(kOfxParamPropChoiceOption, labels);
        props.setInt(kOfxParamPropDefault, p.defaultChoiceIndex());
        break;
    }
    case ParamKind::String:
        props.setString(kOfxParamPropDefault, p.defaultText);
        props.setString(kOfxParamPropStringMode, kOfxParamStringIsSingleLine);
        props.setInt(kOfxParamPropAnimates, 0);
        break;
    case ParamKind::Double2D:
        if (p.coordinates != ParamCoordinates::Plain) defineSpatial2D(props, p);
        else props.setDoubles(kOfxParamPropDefault, p.defaultNumbers);
        break;
    case ParamKind::Rgba: props.setDoubles(kOfxParamPropDefault, p.defaultNumbers); break;
    }
    // Resolve wants both the hard range and the display (slider) range on numeric params; when only one is
    // known the other is filled from it so sliders never span the whole double range.
    const auto displayMin = p.displayMin ? p.displayMin : p.min;
    const auto displayMax = p.displayMax ? p.displayMax : p.max;
    setRange(props, kOfxParamPropMin, p, p.min);
    setRange(props, kOfxParamPropMax, p, p.max);
    setRange(props, kOfxParamPropDisplayMin, p, displayMin);
    setRange(props, kOfxParamPropDisplayMax, p, displayMax);
}

} // namespace

bool hostDrawsPositionHandles() { return gHostDrawsPositionHandles; }

void defineParams(OfxParamSetHandle paramSet, const EffectDef& effect) {
    std::map<std::string, std::vector<std::string>> pages; // page name -> children, in definition order
    std::vector<std::string> pageOrder;
    for (const auto& p : effect.params) {
        defineOne(paramSet, p);
        if (pages.find(p.page) == pages.end()) pageOrder.push_back(p.page);
        pages[p.page].push_back(p.name);
    }
    for (const auto& page : pageOrder) {
        OfxPropertySetHandle handle = nullptr;
        if (suites().parameter->paramDefine(paramSet, kOfxParamTypePage, page.c_str(), &handle) != kOfxStatOK ||
            handle == nullptr)
            continue; // a host without pages still shows the params
        const Props props(handle);
        props.setString(kOfxPropLabel, page);
        props.setStrings(kOfxParamPropPageChild, pages[page]);
    }
}

std::vector<InstanceParam> fetchParams(OfxParamSetHandle paramSet, const EffectDef& effect) {
    std::vector<InstanceParam> result;
    result.reserve(effect.params.size());
    for (const auto& p : effect.params) {
        OfxParamHandle handle = nullptr;
        if (suites().parameter->paramGetHandle(paramSet, p.name.c_str(), &handle, nullptr) != kOfxStatOK ||
            handle == nullptr)
            throw std::runtime_error("host has no param '" + p.name + "' on this instance");
        result.push_back({&p, handle});
    }
    return result;
}

ParamValues readParams(const std::vector<InstanceParam>& params, OfxTime time) {
    const auto get = suites().parameter->paramGetValueAtTime;
    ParamValues out;
    out.params.reserve(params.size());
    for (const auto& ip : params) {
        const ParamDef& p = *ip.def;
        rw_param v{};
        v.name = p.name.c_str();
        OfxStatus st = kOfxStatOK;
        switch (p.kind) {
        case ParamKind::Double: {
            double d = 0;
            st = get(ip.handle, time, &d);
            v.type = RW_PARAM_DOUBLE;
            v.count = 1;
            v.values[0] = d;
            break;
        }
        case ParamKind::Integer:
        case ParamKind::Boolean: {
            int i = 0;
            st = get(ip.handle, time, &i);
            v.type = p.kind == ParamKind::Integer ? RW_PARAM_INT : RW_PARAM_BOOL;
            v.count = 1;
            v.values[0] = p.kind == ParamKind::Integer ? i : (i != 0 ? 1 : 0);
            break;
        }
        case ParamKind::Choice: {
            int index = 0;
            st = get(ip.handle, time, &index);
            if (st == kOfxStatOK && (index < 0 || static_cast<size_t>(index) >= p.options.size()))
                throw std::runtime_error("param '" + p.name + "' has option index " + std::to_string(index) +
                                         " but only " + std::to_string(p.options.size()) + " options");
            v.type = RW_PARAM_STRING;
            if (st == kOfxStatOK) v.text = out.strings.emplace_back(p.options[static_cast<size_t>(index)].value).c_str();
            break;
        }
        case ParamKind::String: {
            char* text = nullptr;
            st = get(ip.handle, time, &text);
            v.type = RW_PARAM_STRING;
            v.text = out.strings.emplace_back(text != nullptr ? text : "").c_str();
            break;
        }
        case ParamKind::Double2D: {
            st = get(ip.handle, time, &v.values[0], &v.values[1]);
            v.type = RW_PARAM_DOUBLES;
            v.count = 2;
            break;
        }
        case ParamKind::Rgba: {
            st = get(ip.handle, time, &v.values[0], &v.values[1], &v.values[2], &v.values[3]);
            v.type = RW_PARAM_DOUBLES;
            v.count = 4;
            break;
        }
        }
        if (st != kOfxStatOK)
            throw std::runtime_error("could not read param '" + p.name + "' (status " + std::to_string(st) + ")");
        out.params.push_back(v);
    }
    return out;
}

void toSourcePixels(const std::vector<InstanceParam>& params, const SourceGeometry& source, ParamValues& values) {
    const double sx = source.renderScale[0] > 0 ? source.renderScale[0] : 1.0;
    const double sy = source.renderScale[1] > 0 ? source.renderScale[1] : 1.0;
    const double par = source.pixelAspect > 0 ? source.pixelAspect : 1.0;
    for (size_t i = 0; i < params.size() && i < values.params.size(); ++i) {
        const ParamDef& p = *params[i].def;
        rw_param& v = values.params[i];
        if (p.kind != ParamKind::Double2D || v.count != 2) continue;
        switch (p.coordinates) {
        case ParamCoordinates::Plain: break;
        case ParamCoordinates::Position: {
            // Canonical -> this render's pixel coordinates (pixel = canonical * scale / PAR), then relative to the
            // image's top-left corner with y down, then back to full resolution (the daemon applies the scale).
            const double px = v.values[0] * sx / par, py = v.values[1] * sy;
            v.values[0] = (px - source.bounds.x1) / sx;
            v.values[1] = (source.bounds.y2 - py) / sy;
            break;
        }
        case ParamCoordinates::Size:
            // An extent has no origin: only the pixel aspect ratio applies (canonical x is PAR times pixel x).
            v.values[0] = v.values[0] / par;
            break;
        }
    }
}

std::pair<int, int> framesEachSide(const EffectDef& effect, const ParamValues& values, bool interactive) {
    int cap = std::max(effect.framesBefore, effect.framesAfter);
    if (!effect.framesLimitParam.empty())
        for (const rw_param& p : values.params)
            if (p.name != nullptr && effect.framesLimitParam == p.name &&
                (p.type == RW_PARAM_INT || p.type == RW_PARAM_DOUBLE))
                cap = std::min(cap, std::max(0, static_cast<int>(p.values[0])));
    if (interactive && effect.framesInteractiveLimit >= 0) cap = std::min(cap, effect.framesInteractiveLimit);
    return {std::min(cap, effect.framesBefore), std::min(cap, effect.framesAfter)};
}

} // namespace runway::ofx
