// host_quirks.cpp: which host gets which workaround, and why.
#include "host_quirks.h"

#include "suites.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace runway::ofx {
namespace {

HostQuirks gQuirks;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool mentions(const HostIdentity& host, const char* needle) {
    return lower(host.name).find(needle) != std::string::npos || lower(host.label).find(needle) != std::string::npos;
}

} // namespace

const HostQuirks& hostQuirks() { return gQuirks; }

void detectHostQuirks() {
    const HostIdentity& host = hostIdentity();
    HostQuirks q;
    if (mentions(host, "resolve")) {
        // DaVinci Resolve: every clip reports OfxImageClipPropConnected=1, and an optional mask with nothing
        // plugged in arrives as a black (all-zero) image rather than NULL.
        q.unconnectedMaskArrivesBlack = true;
        // DaVinci Resolve: the multithread suite is a dummy that runs the function on the calling thread.
        q.multiThreadSuiteIsSerial = true;
        // DaVinci Resolve: OfxParamPropDefaultCoordinateSystem is absent on double params although the host claims
        // API 1.3+, so normalised defaults are not converted.
        q.defaultCoordinateSystemIgnored = true;
    }
    gQuirks = q;
    if (!host.name.empty() || !host.label.empty()) {
        logLine("host '" + host.label + "' (" + host.name + ")" +
                (q.unconnectedMaskArrivesBlack ? ": black mask treated as unconnected" : ""));
    }
}

} // namespace runway::ofx
