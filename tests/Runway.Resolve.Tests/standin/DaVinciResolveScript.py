"""STAND-IN for Blackmagic's DaVinciResolveScript module (external scripting), for the bridge's tests only:
scriptapp("Resolve") answers the stand-in built from the scenario named by RUNWAY_STANDIN_SCENARIO, or None (as the
real module does when Resolve is not running) when that variable is unset."""
import os

import resolve_standin


def scriptapp(name):
    path = os.environ.get("RUNWAY_STANDIN_SCENARIO")
    if name != "Resolve" or not path:
        return None
    return resolve_standin.from_scenario(path)
