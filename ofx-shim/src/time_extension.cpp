// time_extension.cpp: see time_extension.h. Pure arithmetic apart from reading the clip's frame range, so the
// rules for times outside the source range live in one place for GetTimeDomain, GetFramesNeeded, IsIdentity and
// Render alike.
#include "time_extension.h"

#include "suites.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace runway::ofx {
namespace {

const rw_param* findParam(const ParamValues& values, const std::string& name) {
    for (const rw_param& p : values.params)
        if (p.name != nullptr && name == p.name) return &p;
    return nullptr;
}

// The frames param as a non-negative whole number (0 when absent or not numeric).
double framesToAdd(const EffectDef& effect, const ParamValues& values) {
    const rw_param* p = findParam(values, effect.extendsFramesParam);
    if (p == nullptr || (p->type != RW_PARAM_INT && p->type != RW_PARAM_DOUBLE) || !std::isfinite(p->values[0])) return 0;
    return std::max(0.0, std::floor(p->values[0]));
}

// Whether the direction param asks for frames before the first frame (anything else means after).
bool extendsBefore(const EffectDef& effect, const ParamValues& values) {
    const rw_param* p = findParam(values, effect.extendsDirectionParam);
    return p != nullptr && p->type == RW_PARAM_STRING && p->text != nullptr && std::strcmp(p->text, "before") == 0;
}

} // namespace

std::optional<std::pair<double, double>> clipFrameRange(OfxImageClipHandle clip) {
    OfxPropertySetHandle props = nullptr;
    if (clip == nullptr || suites().imageEffect->clipGetPropertySet(clip, &props) != kOfxStatOK) return std::nullopt;
    const auto range = Props(props).getDoubles(kOfxImageEffectPropFrameRange, 2);
    if (!range || !std::isfinite((*range)[0]) || !std::isfinite((*range)[1]) || (*range)[1] < (*range)[0]) return std::nullopt;
    return std::make_pair((*range)[0], (*range)[1]);
}

std::pair<double, double> extendedDomain(const EffectDef& effect, std::pair<double, double> range, const ParamValues& values) {
    const double added = framesToAdd(effect, values);
    if (extendsBefore(effect, values)) return {range.first - added, range.second};
    return {range.first, range.second + added};
}

ExtendFetch extendFetch(std::pair<double, double> range, double time, std::pair<int, int> eachSide) {
    ExtendFetch f;
    const auto [first, last] = range;
    if (time >= first && time <= last) {
        f.sourceTime = time;
        return f;
    }
    f.inside = false;
    const bool after = time > last;
    f.sourceTime = after ? last : first;
    const int count = std::max(0, after ? eachSide.first : eachSide.second);
    for (int k = count; k >= 1; --k) {
        const double t = std::clamp(after ? last - k : first + k, first, last);
        if (std::fabs(t - f.sourceTime) < 1e-9) continue;
        if (std::any_of(f.neighbours.begin(), f.neighbours.end(), [&](double seen) { return std::fabs(seen - t) < 1e-9; }))
            continue;
        f.neighbours.push_back(t);
    }
    std::sort(f.neighbours.begin(), f.neighbours.end());
    return f;
}

std::pair<double, double> extendFrames(const EffectDef&, std::pair<double, double> range, double time,
                                       std::pair<int, int> eachSide) {
    const ExtendFetch f = extendFetch(range, time, eachSide);
    double lo = f.sourceTime, hi = f.sourceTime;
    for (double t : f.neighbours) {
        lo = std::min(lo, t);
        hi = std::max(hi, t);
    }
    return {lo, hi};
}

} // namespace runway::ofx
