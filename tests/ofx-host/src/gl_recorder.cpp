// gl_recorder.cpp: the recording OpenGL stand-ins (see gl_recorder.h). They keep the real signatures so a plugin
// calling through its own function pointer types works unchanged.
#include "gl_recorder.h"

#include <mutex>

namespace ofxhost {
namespace {

std::mutex gMutex;
std::vector<GlPrimitive> gDone;
GlPrimitive gOpen;
std::array<float, 4> gColour{1, 1, 1, 1};
bool gInside = false;
int gCalls = 0;

} // namespace

std::vector<GlPrimitive> glRecorded() {
    std::lock_guard<std::mutex> lock(gMutex);
    return gDone;
}

int glCalls() {
    std::lock_guard<std::mutex> lock(gMutex);
    return gCalls;
}

void glClearRecorded() {
    std::lock_guard<std::mutex> lock(gMutex);
    gDone.clear();
    gCalls = 0;
}

} // namespace ofxhost

#define GL_STAND_IN extern "C" __attribute__((visibility("default")))

GL_STAND_IN void glBegin(unsigned mode) {
    std::lock_guard<std::mutex> lock(ofxhost::gMutex);
    ++ofxhost::gCalls;
    ofxhost::gOpen = {mode, ofxhost::gColour, {}};
    ofxhost::gInside = true;
}

GL_STAND_IN void glEnd() {
    std::lock_guard<std::mutex> lock(ofxhost::gMutex);
    ++ofxhost::gCalls;
    if (ofxhost::gInside) ofxhost::gDone.push_back(ofxhost::gOpen);
    ofxhost::gInside = false;
}

GL_STAND_IN void glVertex2d(double x, double y) {
    std::lock_guard<std::mutex> lock(ofxhost::gMutex);
    ++ofxhost::gCalls;
    if (ofxhost::gInside) ofxhost::gOpen.vertices.emplace_back(x, y);
}

GL_STAND_IN void glColor4f(float r, float g, float b, float a) {
    std::lock_guard<std::mutex> lock(ofxhost::gMutex);
    ++ofxhost::gCalls;
    ofxhost::gColour = {r, g, b, a};
}

GL_STAND_IN void glLineWidth(float) {
    std::lock_guard<std::mutex> lock(ofxhost::gMutex);
    ++ofxhost::gCalls;
}
