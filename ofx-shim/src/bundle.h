// bundle.h: where this binary lives inside Runway.ofx.bundle, found with dladdr so nothing depends on the
// host's working directory or search paths.
#pragma once

#include <string>

namespace runway::ofx {

/// Directory holding Runway.ofx (…/Runway.ofx.bundle/Contents/Linux-x86-64), without a trailing slash.
std::string binaryDirectory();

/// …/Runway.ofx.bundle/Contents/Resources
std::string resourcesDirectory();

} // namespace runway::ofx
