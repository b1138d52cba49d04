// actions.h: one small function per OFX action; plugin_main.cpp dispatches to them.
#pragma once

#include "catalog.h"

#include <ofx/ofx_api.h>

namespace runway::ofx {

OfxStatus describe(const EffectDef& effect, OfxImageEffectHandle descriptor);
OfxStatus describeInContext(const EffectDef& effect, OfxImageEffectHandle descriptor, OfxPropertySetHandle inArgs);
OfxStatus createInstance(const EffectDef& effect, OfxImageEffectHandle instance);
OfxStatus destroyInstance(OfxImageEffectHandle instance);
OfxStatus getRegionsOfInterest(const EffectDef& effect, OfxImageEffectHandle instance, OfxPropertySetHandle inArgs,
                               OfxPropertySetHandle outArgs);
OfxStatus getFramesNeeded(const EffectDef& effect, OfxImageEffectHandle instance, OfxPropertySetHandle inArgs,
                          OfxPropertySetHandle outArgs);
OfxStatus getClipPreferences(const EffectDef& effect, OfxImageEffectHandle instance, OfxPropertySetHandle outArgs);
OfxStatus isIdentity(const EffectDef& effect, OfxImageEffectHandle instance, OfxPropertySetHandle inArgs,
                     OfxPropertySetHandle outArgs);
OfxStatus getTimeDomain(const EffectDef& effect, OfxImageEffectHandle instance, OfxPropertySetHandle outArgs);
OfxStatus render(const EffectDef& effect, OfxImageEffectHandle instance, OfxPropertySetHandle inArgs);

} // namespace runway::ofx
