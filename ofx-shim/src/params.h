// params.h: describing effect params to the host and reading their values at render time.
#pragma once

#include "catalog.h"

#include <ofx/ofx_api.h>
#include <runway_client.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace runway::ofx {

/// Defines every param of `effect` on a descriptor's param set (OFX param type per kind, ranges, display
/// ranges, hints, defaults, animation) and one page param per page listing its children.
void defineParams(OfxParamSetHandle paramSet, const EffectDef& effect);

/// A param handle of one instance, next to its definition.
struct InstanceParam {
    const ParamDef* def = nullptr;
    OfxParamHandle handle = nullptr;
};

/// Whether the host said it draws its own viewer handle for position params (OfxParamPropHasHostOverlayHandle) when
/// they were defined; the overlay interact then leaves points and centres to the host.
bool hostDrawsPositionHandles();

/// Looks up the instance's handle of every param of the effect; throws if the host lost one.
std::vector<InstanceParam> fetchParams(OfxParamSetHandle paramSet, const EffectDef& effect);

/// Param values for one render in the C ABI's form. `text` pointers point into `strings`, which never moves
/// its elements (a deque), so the values stay valid as long as this object lives.
struct ParamValues {
    std::vector<rw_param> params;
    std::deque<std::string> strings;
};

/// Reads every param at `time` through the host's variadic paramGetValueAtTime (native code only: managed
/// callers cannot make C variadic calls portably). Choice params are sent by option value, not index.
ParamValues readParams(const std::vector<InstanceParam>& params, OfxTime time);

/// Where the Source image of this render sits: its bounds in pixel coordinates (at render scale, y up), the
/// render scale and the pixel aspect ratio.
struct SourceGeometry {
    OfxRectI bounds{0, 0, 0, 0};
    double renderScale[2] = {1.0, 1.0};
    double pixelAspect = 1.0;
};

/// Converts position and size Double2Ds (read from the host in canonical coordinates: origin bottom-left, y up,
/// PAR applied, before render scale) to what the daemon expects: full-resolution pixels of the Source image from
/// its top-left corner, y down. Positions: x = (X * scale.x / PAR - bounds.x1) / scale.x,
/// y = (bounds.y2 - Y * scale.y) / scale.y. Sizes: (W / PAR, H). Plain Double2Ds and other kinds are untouched.
/// `values` must come from readParams(params, ...) (same order).
void toSourcePixels(const std::vector<InstanceParam>& params, const SourceGeometry& source, ParamValues& values);

/// Frames needed on each side {before, after} at these param values: the effect's declared frames, capped by its
/// limit param (framesNeeded.limitParam) and, for interactive renders, by its interactive limit.
std::pair<int, int> framesEachSide(const EffectDef& effect, const ParamValues& values, bool interactive);

} // namespace runway::ofx
