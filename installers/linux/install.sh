#!/usr/bin/env bash
# Per-user install on Linux: the OFX bundle, runwayd (as a systemd --user service) and the runway CLI.
#   install.sh            install (builds first if out/ is missing)
#   install.sh --uninstall
# The bundle goes to ~/.local/share/runway/OFX/Plugins; hosts find it through OFX_PLUGIN_PATH, which this script adds
# to ~/.config/environment.d (systemd sessions) — system-wide /usr/OFX/Plugins needs root, so pass --system for that.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/out"
share="$HOME/.local/share/runway"
plugins="$share/OFX/Plugins"
envd="$HOME/.config/environment.d/runway.conf"
unit="$HOME/.config/systemd/user/runwayd.service"

if [ "${1:-}" = "--uninstall" ]; then
  systemctl --user disable --now runwayd.service 2>/dev/null || true
  rm -rf "$share" "$unit" "$envd" "$HOME/.local/bin/runway"
  [ -d /usr/OFX/Plugins/Runway.ofx.bundle ] && echo "also remove /usr/OFX/Plugins/Runway.ofx.bundle (root) if you installed with --system"
  echo "runway uninstalled"
  exit 0
fi

[ -d "$out/bundle/Runway.ofx.bundle" ] || "$root/installers/linux/build.sh"
mkdir -p "$plugins" "$share" "$HOME/.local/bin" "$(dirname "$unit")" "$(dirname "$envd")"
rm -rf "$plugins/Runway.ofx.bundle" "$share/daemon" "$share/cli"
cp -r "$out/bundle/Runway.ofx.bundle" "$plugins/"
cp -r "$out/daemon" "$share/daemon"
cp -r "$out/cli" "$share/cli"
cp "$root/README.md" "$share/README.md"
printf '#!/bin/sh\nexec dotnet "%s/cli/runway.dll" "$@"\n' "$share" > "$HOME/.local/bin/runway"
chmod +x "$HOME/.local/bin/runway"
echo "OFX_PLUGIN_PATH=$plugins\${OFX_PLUGIN_PATH:+:\$OFX_PLUGIN_PATH}" > "$envd"
cp "$root/installers/linux/runwayd.service" "$unit"
if [ "${1:-}" = "--system" ]; then
  sudo mkdir -p /usr/OFX/Plugins && sudo cp -r "$out/bundle/Runway.ofx.bundle" /usr/OFX/Plugins/
fi
if systemctl --user daemon-reload 2>/dev/null; then
  systemctl --user enable --now runwayd.service && echo "runwayd enabled as a systemd --user service"
else
  echo "no systemd user session: the plugin starts runwayd on first use"
fi
echo "installed: bundle in $plugins, daemon in $share/daemon, CLI ~/.local/bin/runway"
