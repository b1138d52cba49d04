"""Runs a Resolve menu script the way Resolve does -- with `resolve` predefined -- but against the STAND-IN
(resolve_standin.py), for the bridge's tests.  Usage: run_in_standin.py <scenario.json> <script.py>"""
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resolve_standin  # noqa: E402

scenario, script = sys.argv[1], sys.argv[2]
code = 0
try:
    resolve = resolve_standin.from_scenario(scenario)
    # The menu script leaves its outcome in _code (it does not exit inside Resolve); it becomes this exit status.
    code = runpy.run_path(script, init_globals=dict(resolve.script_globals(), resolve=resolve), run_name="__main__").get("_code", 0)
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
sys.exit(code)
