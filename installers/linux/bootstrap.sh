#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine needs to build and run Runway Plugins:
# the C++ toolchain for the OFX shim, the GTK runtime OpenCvSharp4's Linux binary links against, and the .NET 10 SDK.
set -euo pipefail

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in g++ cmake make binutils nlohmann-json3-dev pkg-config; do have_pkg "$p" || need_apt+=("$p"); done
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# libgtk-3-0 was renamed libgtk-3-0t64 in newer releases (Debian 13, Ubuntu 24.04).
if ! have_pkg libgtk-3-0 && ! have_pkg libgtk-3-0t64; then need_apt+=(gtk3); fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "bootstrap: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  pkgs=()
  for p in "${need_apt[@]}"; do
    if [ "$p" = gtk3 ]; then
      if apt-cache show libgtk-3-0t64 >/dev/null 2>&1; then pkgs+=(libgtk-3-0t64); else pkgs+=(libgtk-3-0); fi
    else
      pkgs+=("$p")
    fi
  done
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "bootstrap: installing the .NET 10 SDK from the distribution's packages"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dotnet-sdk-10.0 >/dev/null || {
    echo "bootstrap: no .NET 10 SDK package in this distribution's repositories; install dotnet-sdk-10.0 and re-run." >&2
    exit 1
  }
fi
