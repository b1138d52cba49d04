// overlay.h: the viewer overlay interact. It draws an effect's on-screen handles (effects.json "overlays": the fill
// rectangle/ellipse, the rotoscope box and points) over the host's viewer and lets users drag them, so hosts that draw
// no handles of their own for position params (e.g. DaVinci Resolve) still get direct manipulation.
#pragma once

#include "catalog.h"

#include <ofx/ofx_api.h>

namespace runway::ofx {

/// Runs one interact action for `effect`. Drawing goes through the host's OFX 1.5 draw suite when the host offers it
/// and passes a draw context with the draw action; otherwise through the host's OpenGL (looked up at run time, never
/// linked). With neither, the overlay draws nothing and says so once in the log, but dragging still works.
/// Through the draw suite, handles take the host's theme colours (getColour; ours where it fails) and labels
/// (drawText, when the suite has it): a point's sign, a box's size, and the position of the part under the pen.
/// Handles whose params cannot be read or are not finite are neither drawn nor grabbable; pen events without a
/// usable pen position move nothing.
OfxStatus overlayAction(const EffectDef& effect, const char* action, OfxInteractHandle interact,
                        OfxPropertySetHandle inArgs);

} // namespace runway::ofx
