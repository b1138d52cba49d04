#!/usr/bin/env bash
# Builds everything into out/: the C# solution, runwayd and runway, libRunwayClient.so (NativeAOT),
# effects.json from the C# effect definitions, the OFX shim and bundle, and the conformance host.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/out"
config="${RUNWAY_BUILD_CONFIG:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

"$root/installers/linux/bootstrap.sh"
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "dotnet build ($config)"
dotnet build "$root/Runway.Plugins.sln" -c "$config" -v quiet -nologo

step "publish runwayd, runway and runway-bench"
dotnet publish "$root/src/Runway.Daemon" -c "$config" --no-self-contained -o "$out/daemon" -v quiet -nologo
dotnet publish "$root/src/Runway.Cli" -c "$config" --no-self-contained -o "$out/cli" -v quiet -nologo
dotnet publish "$root/src/Runway.Benchmarks" -c "$config" --no-self-contained -o "$out/bench" -v quiet -nologo

step "publish libRunwayClient.so (NativeAOT)"
dotnet publish "$root/src/Runway.Client.Native" -c "$config" -o "$out/native" -v quiet -nologo
cp "$out/native/RunwayClient.so" "$out/native/libRunwayClient.so"

step "effects.json from the C# definitions"
dotnet "$out/cli/runway.dll" effects --json > "$out/effects.json"

step "OFX shim, bundle and conformance host (CMake)"
cmake -S "$root/ofx-shim" -B "$out/cmake" -DCMAKE_BUILD_TYPE="$config" \
  -DRUNWAY_EFFECTS_JSON="$out/effects.json" \
  -DRUNWAY_CLIENT_LIB="$out/native/libRunwayClient.so" \
  -DRUNWAY_DAEMON_PATH="$out/daemon/runwayd.dll" >/dev/null
cmake --build "$out/cmake" -j"$(nproc)"
rm -rf "$out/bundle" && mkdir -p "$out/bundle"
cp -r "$out/cmake/plugins/Runway.ofx.bundle" "$out/bundle/"

echo
echo "built: $out/bundle/Runway.ofx.bundle, $out/daemon/runwayd.dll, $out/cli/runway.dll"
