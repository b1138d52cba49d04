// gl_recorder.h: a stand-in for the few legacy OpenGL calls an overlay interact makes. The host executable exports
// them (ENABLE_EXPORTS), so a plugin that looks OpenGL up in its process finds these, and every primitive it draws
// is recorded for the cases to check. ofx-host-nogl links gl_absent.cpp instead: no OpenGL at all, nothing recorded.
#pragma once

#include <array>
#include <utility>
#include <vector>

namespace ofxhost {

constexpr unsigned kGlLines = 0x0001;
constexpr unsigned kGlLineLoop = 0x0002;

struct GlPrimitive {
    unsigned mode = 0;
    std::array<float, 4> colour{};
    std::vector<std::pair<double, double>> vertices;
};

/// Everything drawn since the last clear, in call order.
std::vector<GlPrimitive> glRecorded();
/// Calls to any of the stand-ins (state changes included) since the last clear.
int glCalls();
void glClearRecorded();

} // namespace ofxhost
