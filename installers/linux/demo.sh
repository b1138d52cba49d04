#!/usr/bin/env bash
# The main job on built-in defaults: build everything, start runwayd, make the sample shot, remove the boom mic from
# it through the real OFX bundle (loaded by the project's conformance host, exactly as a host loads it), and write the
# outputs and a before/after contact sheet to out/demo/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/out"
"$root/installers/linux/build.sh"

export RUNWAY_DAEMON_PATH="$out/daemon/runwayd.dll"
runway() { dotnet "$out/cli/runway.dll" "$@"; }
demo="$out/demo"
rm -rf "$demo"; mkdir -p "$demo/output"

echo; echo "== start runwayd"
runway daemon start
runway daemon status

echo; echo "== sample shot"
runway demo sample --output "$demo/input"

echo; echo "== inpaint through Runway.ofx (conformance host)"
"$out/cmake/ofx-host/ofx-host" render --plugin-path "$out/bundle" --effect com.runwayml.inpaint \
  --input "$demo/input/frames" --mask "$demo/input/masks" \
  --set radius=8 --set dilate=6 --set feather=4 --output "$demo/output"

echo; echo "== contact sheet"
runway demo contact-sheet --before "$demo/input/frames" --mask "$demo/input/masks" \
  --after "$demo/output" --output "$demo/contact-sheet.png"
echo
echo "outputs: $demo/output/  contact sheet: $demo/contact-sheet.png"
echo "runwayd keeps running for other hosts; stop it with: dotnet $out/cli/runway.dll daemon stop"
