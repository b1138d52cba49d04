// gl_absent.cpp: gl_recorder.h for ofx-host-nogl, a host process with no OpenGL at all. Nothing named gl* is
// exported and no libGL is loaded, as in a viewer built on Metal or Vulkan, so nothing is ever recorded.
#include "gl_recorder.h"

namespace ofxhost {

std::vector<GlPrimitive> glRecorded() { return {}; }

int glCalls() { return 0; }

void glClearRecorded() {}

} // namespace ofxhost
