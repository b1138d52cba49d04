// instance.h: what the shim keeps per plugin instance (stored in the instance's OfxPropInstanceData).
#pragma once

#include "catalog.h"
#include "params.h"

#include <ofx/ofx_api.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

namespace runway::ofx {

struct Instance {
    const EffectDef* effect = nullptr;
    std::string id; // stable for the instance's life; the daemon keys temporal state on it
    OfxImageClipHandle source = nullptr;
    OfxImageClipHandle mask = nullptr; // NULL when the effect has no mask clip
    OfxImageClipHandle output = nullptr;
    // The effect's other declared input clips (e.g. "Reference"), by name; handles may be NULL.
    std::vector<std::pair<std::string, OfxImageClipHandle>> namedClips;
    std::vector<InstanceParam> params;
    std::atomic<bool> showingError{false}; // a persistent message is up and should be cleared on success
};

/// The Instance of an instance handle; throws if the host lost our instance data.
Instance& instanceOf(OfxImageEffectHandle handle);

/// Whether the host says something is plugged into the clip (absent property = connected).
bool clipConnected(OfxImageClipHandle clip);

} // namespace runway::ofx
