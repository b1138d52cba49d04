"""Runway Plugins for DaVinci Resolve (Workspace > Scripts > Utility > Runway Plugins).

Renders a Runway effect over clips of the current timeline and places the results on a new video track above the
originals, or applies a learned look as a LUT. The work is done by runway_resolve_bridge, installed beside this file
by `runway resolve install`; this entry only finds it and hands over the `resolve` object Resolve defines.
"""
import os
import sys

# Filled in by `runway resolve install`; Resolve does not always define __file__ for menu scripts.
_INSTALLED_BRIDGE_DIR = r"@RUNWAY_BRIDGE_DIR@"


def _bridge_dirs():
    yield os.environ.get("RUNWAY_RESOLVE_BRIDGE_DIR", "")
    if not _INSTALLED_BRIDGE_DIR.startswith("@"):
        yield _INSTALLED_BRIDGE_DIR
    here = globals().get("__file__")
    if here:
        scripts = os.path.dirname(os.path.dirname(os.path.abspath(here)))
        yield os.path.join(scripts, "Runway")
        yield os.path.dirname(os.path.abspath(here))


for _dir in _bridge_dirs():
    if _dir and os.path.isfile(os.path.join(_dir, "runway_resolve_bridge.py")):
        if _dir not in sys.path:
            sys.path.insert(0, _dir)
        break

import runway_resolve_bridge  # noqa: E402  (path set up above)

_code = runway_resolve_bridge.main(globals().get("resolve"), globals())
# Inside Resolve the Console shows the outcome and raising SystemExit into the host's interpreter helps no one; run
# from a shell, the exit status carries it.
if _code and globals().get("resolve") is None:
    sys.exit(_code)
