// time_extension.h: the time arithmetic of effects that make frames outside their Source clip's range
// (effects.json "extends", e.g. extend shot): time domain, frames needed, and what a render past the end fetches.
#pragma once

#include "catalog.h"
#include "instance.h"
#include "params.h"

#include <ofx/ofx_api.h>

#include <optional>
#include <utility>
#include <vector>

namespace runway::ofx {

/// First and last frame of a clip (kOfxImageEffectPropFrameRange on the clip), when the host states a sane one.
std::optional<std::pair<double, double>> clipFrameRange(OfxImageClipHandle clip);

/// The instance's Source clip frame range.
inline std::optional<std::pair<double, double>> sourceFrameRange(const Instance& instance) {
    return clipFrameRange(instance.source);
}

/// The time domain of an extending effect: the source range grown by the frames param on the direction side.
std::pair<double, double> extendedDomain(const EffectDef& effect, std::pair<double, double> range, const ParamValues& values);

/// What a render of an extending effect at `time` reads from Source: inside the range just `time`; past the end,
/// the last frame and the `before` frames leading up to it; before the start, the first frame and the `after`
/// frames following it. Times are clamped to the range, ascending, without repeats.
struct ExtendFetch {
    double sourceTime = 0;           // the frame sent as Source (the nearest end, or `time` inside the range)
    std::vector<double> neighbours;  // the tail frames sent as neighbours (never sourceTime)
    bool inside = true;              // time lies inside the range: the effect is the identity
};
ExtendFetch extendFetch(std::pair<double, double> range, double time, std::pair<int, int> eachSide);

/// The frame range GetFramesNeeded asks for (first, last) for a render at `time`.
std::pair<double, double> extendFrames(const EffectDef& effect, std::pair<double, double> range, double time,
                                       std::pair<int, int> eachSide);

} // namespace runway::ofx
