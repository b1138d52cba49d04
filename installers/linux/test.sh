#!/usr/bin/env bash
# Runs every test: the C# suites (xunit) and the native OFX conformance suite (CTest), against freshly built binaries.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/out"
"$root/installers/linux/build.sh" || { echo "build failed"; exit 1; }

results="$out/test-results"
rm -rf "$results"; mkdir -p "$results"
# Tests that start their own daemon point it here (the built, published runwayd).
export RUNWAY_DAEMON_PATH="$out/daemon/runwayd.dll"
# The client tests use these instead of publishing/building their own copies.
export RUNWAY_TEST_DAEMON_PATH="$out/daemon/runwayd.dll"
export RUNWAY_CLIENT_LIB="$out/native/libRunwayClient.so"
export RUNWAY_TESTDATA="${RUNWAY_TESTDATA:-$root/../shared/testdata}"

echo
echo "== dotnet test"
dotnet test "$root/Runway.Plugins.sln" -c "${RUNWAY_BUILD_CONFIG:-Release}" --no-build \
  --logger "trx" --results-directory "$results" -v quiet -nologo 2>&1 | tee "$results/dotnet-test.log"
dotnet_rc=${PIPESTATUS[0]}

echo
echo "== ctest (OFX conformance host)"
(cd "$out/cmake" && ctest --output-on-failure --timeout 300 2>&1) | tee "$results/ctest.log"
ctest_rc=${PIPESTATUS[0]}

# One closing line for both runners: counts from the TRX files and from CTest's summary.
python3 - "$results" <<'PY'
import glob, re, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
passed = failed = skipped = 0
for f in glob.glob(d + "/*.trx"):
    c = ET.parse(f).getroot().find(".//{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
log = open(d + "/ctest.log", errors="replace").read()
m = re.search(r"(\d+)% tests passed, (\d+) tests failed out of (\d+)", log)
if m:
    cf, ct = int(m.group(2)), int(m.group(3))
    passed += ct - cf; failed += cf
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
[ "$dotnet_rc" -eq 0 ] && [ "$ctest_rc" -eq 0 ]
