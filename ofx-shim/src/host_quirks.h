// host_quirks.h: every host-specific workaround in one place, keyed on the host's name.
#pragma once

namespace runway::ofx {

/// Behaviour switches that differ by host. Defaults are what the OFX standard says.
struct HostQuirks {
    /// The host reports an optional clip as connected even when nothing is plugged in and then hands over
    /// an all-zero (transparent black) image for it. Such a mask is treated as "no mask".
    bool unconnectedMaskArrivesBlack = false;
    /// The host's multithread suite runs everything on one thread; never rely on it for speed.
    bool multiThreadSuiteIsSerial = false;
    /// The host ignores OfxParamPropDefaultCoordinateSystem on double params, so a normalised default would be
    /// read as canonical (a "centre" of 0.5, 0.5 lands in the bottom-left corner). Defaults are then given in
    /// canonical coordinates of the default 1920x1080 frame instead.
    bool defaultCoordinateSystemIgnored = false;
};

/// The quirks of the current host, decided from its name/label at OfxActionLoad.
const HostQuirks& hostQuirks();

/// Recomputes hostQuirks() from hostIdentity(); called once the suites are loaded.
void detectHostQuirks();

} // namespace runway::ofx
