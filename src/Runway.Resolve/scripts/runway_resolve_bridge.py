"""Runway Plugins <-> DaVinci Resolve bridge (Python 3, runs inside Resolve or as an external script).

Three actions on the current timeline:
  list    print the video clips (track, record range, name, media path)
  render  export the timeline as OTIO, run `runway timeline render` on the chosen clips, import the results into the
          media pool and place them on a new video track above the originals, at the same record frames
  look    export a learned look as a .cube into Resolve's LUT folder, refresh the LUT list, set it on the clips' node

What to do comes from, in order: the JSON file named by RUNWAY_RESOLVE_REQUEST; RUNWAY_ACTION and its RUNWAY_*
variables; the UIManager dialog (Resolve Studio); otherwise the clip list and usage are printed.

Resolve's scripting calls report failure by returning None/False, never by raising, so every call goes through
_call(), which turns a failed return into BridgeError naming the call. Nothing touches the project until every
check that can be done up front has passed (effect known, CLI ran, every result file present); if a later step
still fails, what was already added is removed again where the API allows and the report says what remains.
"""
import fnmatch
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

MARKER_COLOURS = ("Blue", "Cyan", "Green", "Yellow", "Red", "Pink", "Purple", "Fuchsia", "Rose", "Lavender", "Sky",
                  "Mint", "Lemon", "Sand", "Cocoa", "Cream")
# OTIO marker colours (what `runway timeline render --markers` takes) for Resolve's marker colours that have one.
# Clips under markers of the other Resolve colours are chosen here and passed by name instead.
OTIO_MARKER_COLOURS = {"Blue": "BLUE", "Cyan": "CYAN", "Green": "GREEN", "Yellow": "YELLOW", "Red": "RED",
                       "Pink": "PINK", "Purple": "PURPLE", "Fuchsia": "MAGENTA"}
# Statuses of `runway timeline render --json` clips whose output is usable.
_DONE = ("rendered", "cached")
# Exit code of `runway timeline render` when some clips failed; the --json summary is still printed.
_SOME_CLIPS_FAILED = 3
_SEQUENCE = re.compile(r"%0?(\d*)d")
_NUMBERED = re.compile(r"^(.*?)(\d+)(\.[A-Za-z0-9]+)$")


class BridgeError(Exception):
    """A step failed; the message names the Resolve call or the command that failed."""


class Cancelled(Exception):
    """The user closed the dialog without running anything."""


# ---------------------------------------------------------------------------------------------------------------- calls

def _call(obj, owner, method, *args, allow_empty=False):
    """Calls obj.method(*args); a None/False (or, unless allow_empty, empty list) return raises BridgeError."""
    fn = getattr(obj, method, None)
    if fn is None:
        raise BridgeError("%s.%s is not available in this Resolve version" % (owner, method))
    result = fn(*args)
    if result is None or result is False or (not allow_empty and isinstance(result, (list, dict)) and not result):
        raise BridgeError("%s.%s(%s) failed (returned %r)" % (owner, method, _fmt_args(args), result))
    return result


def _fmt_args(args):
    out = []
    for a in args:
        if isinstance(a, str):
            out.append(repr(a))
        elif isinstance(a, (int, float)):
            out.append(str(a))
        elif isinstance(a, list):
            out.append("[%d item(s)]" % len(a))
        elif isinstance(a, dict):
            out.append("{...}")
        else:
            out.append("<%s>" % type(a).__name__)
    return ", ".join(out)


def get_resolve(given=None):
    """The `resolve` object: the one Resolve defines for menu scripts, else DaVinciResolveScript.scriptapp("Resolve")."""
    if given is not None:
        return given
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "resolve", None) is not None:
        return main.resolve
    api = os.environ.get("RESOLVE_SCRIPT_API") or _default_script_api()
    modules = os.path.join(api, "Modules")
    if os.path.isdir(modules) and modules not in sys.path:
        sys.path.append(modules)
    try:
        import DaVinciResolveScript as dvr  # noqa: N813  (Blackmagic's module name)
    except ImportError as e:
        raise BridgeError("cannot import DaVinciResolveScript (%s): run this from Workspace > Scripts inside Resolve, or "
                          "set RESOLVE_SCRIPT_API and RESOLVE_SCRIPT_LIB; external scripting needs Resolve Studio with "
                          "Preferences > System > General > External scripting = Local" % e)
    resolve = dvr.scriptapp("Resolve")
    if resolve is None:
        raise BridgeError('DaVinciResolveScript.scriptapp("Resolve") returned None: is Resolve running, with external '
                          "scripting enabled (Preferences > System > General)?")
    return resolve


def _default_script_api():
    if sys.platform.startswith("win"):
        return os.path.join(os.environ.get("PROGRAMDATA", r"C:\ProgramData"),
                            "Blackmagic Design", "DaVinci Resolve", "Support", "Developer", "Scripting")
    if sys.platform == "darwin":
        return "/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Scripting"
    return "/opt/resolve/Developer/Scripting"


def default_lut_dir():
    """Resolve's LUT folder on this OS (RUNWAY_RESOLVE_LUT_DIR overrides)."""
    if os.environ.get("RUNWAY_RESOLVE_LUT_DIR"):
        return os.environ["RUNWAY_RESOLVE_LUT_DIR"]
    if sys.platform.startswith("win"):
        return os.path.join(os.environ.get("PROGRAMDATA", r"C:\ProgramData"),
                            "Blackmagic Design", "DaVinci Resolve", "Support", "LUT")
    if sys.platform == "darwin":
        return "/Library/Application Support/Blackmagic Design/DaVinci Resolve/LUT"
    return "/opt/resolve/LUT"


# ------------------------------------------------------------------------------------------------------------ the CLI

def runway_command():
    """How to start `runway`: RUNWAY_CLI (a shell-quoted command), else bridge.json written by the installer, else PATH."""
    if os.environ.get("RUNWAY_CLI"):
        return shlex.split(os.environ["RUNWAY_CLI"])
    config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bridge.json")
    if os.path.isfile(config):
        with open(config, encoding="utf-8") as f:
            command = json.load(f).get("runway")
        if command:
            return list(command)
    return ["runway"]


def run_runway(args, log, accept=(0,)):
    """Runs the CLI; returns stdout. An exit code outside accept raises BridgeError with the CLI's own message."""
    command = runway_command() + list(args)
    log("$ " + " ".join(shlex.quote(a) for a in command))
    try:
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    except OSError as e:
        raise BridgeError("cannot start runway (%s): %s; set RUNWAY_CLI or reinstall with `runway resolve install`"
                          % (command[0], e))
    if proc.returncode not in accept:
        detail = (proc.stderr or proc.stdout or "").strip()
        raise BridgeError("runway %s exited with %d: %s" % (args[0] if args else "", proc.returncode, detail))
    return proc.stdout


def _json_from(stdout, what):
    text = stdout.strip()
    try:
        return json.loads(text)
    except ValueError:
        # Progress lines may precede the summary; the summary is the last line that parses.
        for line in reversed(text.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                try:
                    return json.loads(line)
                except ValueError:
                    pass
    raise BridgeError("%s did not print a JSON summary; got: %s" % (what, text[-400:]))


def list_effects(log):
    """The visible effects from `runway effects --json` as [{id, label, ...}]."""
    data = _json_from(run_runway(["effects", "--json"], log), "runway effects --json")
    effects = data.get("effects", data) if isinstance(data, dict) else data
    return [e for e in effects if not e.get("hidden")]


def resolve_effect(name, effects):
    """Effect id for a full id (com.runwayml.inpaint) or short name (inpaint)."""
    for e in effects:
        if name in (e.get("id"), e.get("id", "").rsplit(".", 1)[-1]):
            return e["id"]
    raise BridgeError("unknown effect '%s'; known: %s" % (name, ", ".join(e.get("id", "?") for e in effects)))


# ------------------------------------------------------------------------------------------------------- the timeline

class Context(object):
    """The project, timeline and media pool the actions work on."""

    def __init__(self, resolve):
        self.resolve = resolve
        manager = _call(resolve, "Resolve", "GetProjectManager")
        self.project = _call(manager, "ProjectManager", "GetCurrentProject")
        self.timeline = _call(self.project, "Project", "GetCurrentTimeline")
        self.media_pool = _call(self.project, "Project", "GetMediaPool")


def timeline_clips(ctx):
    """Every video item as a dict: track (1-based), index in track, item, name, start, end (exclusive), duration."""
    clips = []
    count = _call(ctx.timeline, "Timeline", "GetTrackCount", "video", allow_empty=True)
    for track in range(1, int(count) + 1):
        items = _call(ctx.timeline, "Timeline", "GetItemListInTrack", "video", track, allow_empty=True)
        for index, item in enumerate(items):
            start = _call(item, "TimelineItem", "GetStart", allow_empty=True)
            end = _call(item, "TimelineItem", "GetEnd", allow_empty=True)
            clips.append({"track": track, "index": index, "item": item, "name": item.GetName() or "",
                          "start": int(start), "end": int(end), "duration": int(end) - int(start)})
    return clips


def media_path(item):
    mpi = item.GetMediaPoolItem()
    if mpi is None:
        return ""
    return mpi.GetClipProperty("File Path") or ""


def _marker_spans(ctx, colour):
    """Absolute [start, end) frame spans of timeline markers of a colour (frameId is relative to the timeline start)."""
    origin = int(_call(ctx.timeline, "Timeline", "GetStartFrame", allow_empty=True))
    markers = ctx.timeline.GetMarkers() or {}
    spans = []
    for frame, m in markers.items():
        if str(m.get("color", "")).lower() == colour.lower():
            start = origin + int(float(frame))
            spans.append((start, start + max(1, int(m.get("duration", 1)))))
    return spans


def select_clips(ctx, clips, request):
    """The clips the request names: by name patterns, under markers of a colour, the current clip, or all."""
    if request.get("clips"):
        patterns = request["clips"]
        # Case-insensitive * and ? like `runway timeline render --clips`.
        chosen = [c for c in clips if any(fnmatch.fnmatchcase(c["name"].lower(), p.lower()) for p in patterns)]
        what = "named %s" % ", ".join(patterns)
    elif request.get("markers"):
        colour = request["markers"]
        spans = _marker_spans(ctx, colour)
        chosen = []
        for c in clips:
            on_clip = any(str(m.get("color", "")).lower() == colour.lower() for m in (c["item"].GetMarkers() or {}).values())
            if on_clip or any(s < c["end"] and e > c["start"] for s, e in spans):
                chosen.append(c)
        what = "under %s markers" % colour
    elif request.get("selection", "current") == "current":
        current = ctx.timeline.GetCurrentVideoItem() if hasattr(ctx.timeline, "GetCurrentVideoItem") else None
        if current is None:
            raise BridgeError("Timeline.GetCurrentVideoItem() returned None: put the playhead over a clip, or choose "
                              "clips by name or marker colour")
        # Each call hands out a new proxy object, so the item is recognised by place and name; the clip under the
        # playhead that Resolve reports is the topmost one.
        key = (int(current.GetStart()), int(current.GetEnd()), current.GetName() or "")
        same = [c for c in clips if (c["start"], c["end"], c["name"]) == key]
        chosen = same[-1:]
        what = "the current clip"
    else:
        chosen = list(clips)
        what = "all clips"
    if not chosen:
        raise BridgeError("no clips %s on timeline '%s'" % (what, ctx.timeline.GetName()))
    return chosen


# ----------------------------------------------------------------------------------------------------------- requests

def read_request(env=None):
    """The request from RUNWAY_RESOLVE_REQUEST (JSON file) or RUNWAY_* variables; None when neither is set."""
    env = os.environ if env is None else env
    path = env.get("RUNWAY_RESOLVE_REQUEST")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                request = json.load(f)
        except (OSError, ValueError) as e:
            raise BridgeError("cannot read request file %s: %s" % (path, e))
        if not isinstance(request, dict):
            raise BridgeError("request file %s must hold a JSON object" % path)
    elif env.get("RUNWAY_ACTION"):
        request = {"action": env["RUNWAY_ACTION"]}
        for key, var in (("effect", "RUNWAY_EFFECT"), ("preset", "RUNWAY_PRESET"), ("markers", "RUNWAY_MARKERS"),
                         ("look", "RUNWAY_LOOK"), ("selection", "RUNWAY_SELECTION"), ("work_dir", "RUNWAY_WORK_DIR")):
            if env.get(var):
                request[key] = env[var]
        if env.get("RUNWAY_CLIPS"):
            request["clips"] = [p.strip() for p in env["RUNWAY_CLIPS"].split(",") if p.strip()]
        if env.get("RUNWAY_SET"):
            request["set"] = [p.strip() for p in env["RUNWAY_SET"].split(";") if p.strip()]
        if env.get("RUNWAY_LUT_NODE"):
            request["node"] = env["RUNWAY_LUT_NODE"]
    else:
        return None
    return _validated(request)


def _validated(request):
    action = request.get("action")
    if action not in ("list", "render", "look"):
        raise BridgeError("request action must be list, render or look (got %r)" % (action,))
    if isinstance(request.get("clips"), str):
        request["clips"] = [request["clips"]]
    values = request.get("set") or []
    if isinstance(values, dict):
        values = ["%s=%s" % (k, v) for k, v in values.items()]
    for v in values:
        if "=" not in v:
            raise BridgeError("--set value %r is not name=value" % v)
    request["set"] = values
    colour = request.get("markers")
    if colour and colour.lower() not in [c.lower() for c in MARKER_COLOURS]:
        raise BridgeError("marker colour %r is not one of Resolve's: %s" % (colour, ", ".join(MARKER_COLOURS)))
    if action == "render" and not request.get("effect"):
        raise BridgeError("a render request needs an effect (runway effects lists them)")
    try:
        request["node"] = int(request.get("node", 1))
    except (TypeError, ValueError):
        raise BridgeError("LUT node %r is not a number (nodes count from 1)" % (request.get("node"),))
    if request["node"] < 1:
        raise BridgeError("LUT node %d: nodes count from 1" % request["node"])
    if action == "look" and not request.get("look"):
        raise BridgeError("a look request needs a look (a name from `runway looks list` or a .cube path)")
    return request


# ------------------------------------------------------------------------------------------------------------ actions

def action_list(ctx, request, log):
    clips = timeline_clips(ctx)
    log("timeline '%s': %d video clip(s)" % (ctx.timeline.GetName(), len(clips)))
    for c in clips:
        log("  V%d  %8d-%-8d  %s  %s" % (c["track"], c["start"], c["end"], c["name"], media_path(c["item"])))
    return {"action": "list", "clips": [{k: c[k] for k in ("track", "name", "start", "end")} for c in clips]}


def _work_dir(ctx, request):
    base = request.get("work_dir") or os.path.join(os.path.expanduser("~"), ".local", "share", "runway", "resolve")
    os.makedirs(base, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", ctx.timeline.GetName() or "timeline")
    return tempfile.mkdtemp(prefix="%s-%s-" % (name, time.strftime("%Y%m%d-%H%M%S")), dir=base)


def _import_spec(output):
    """ImportMedia argument for one result: a file, or a printf-style image sequence with its first/last frame."""
    m = _SEQUENCE.search(output)
    if m:
        head, tail = output[:m.start()], output[m.end():]
        frames = []
        for path in glob.glob(glob.escape(head) + "*" + glob.escape(tail)):
            middle = path[len(head):len(path) - len(tail)]
            if middle.isdigit():
                frames.append(int(middle))
        if not frames:
            raise BridgeError("result sequence %s has no frames on disk" % output)
        frames.sort()
        return {"FilePath": output, "StartIndex": frames[0], "EndIndex": frames[-1]}, len(frames)
    if os.path.isdir(output):
        # `runway timeline render` writes each clip's frames into its own folder as <name>.<frame>.<ext>.
        groups = {}
        for f in os.listdir(output):
            m = _NUMBERED.match(f)
            if m and not f.startswith("."):
                groups.setdefault((m.group(1), len(m.group(2)), m.group(3)), []).append(int(m.group(2)))
        if len(groups) != 1:
            raise BridgeError("result folder %s holds %s; expected one numbered image sequence"
                              % (output, "no frames" if not groups else "%d sequences" % len(groups)))
        (prefix, width, ext), frames = next(iter(groups.items()))
        frames.sort()
        if frames[-1] - frames[0] + 1 != len(frames):
            raise BridgeError("result sequence in %s has gaps (%d files for frames %d-%d)" % (output, len(frames), frames[0], frames[-1]))
        pattern = os.path.join(output, "%s%%0%dd%s" % (prefix, width, ext))
        return {"FilePath": pattern, "StartIndex": frames[0], "EndIndex": frames[-1]}, len(frames)
    if not os.path.isfile(output):
        raise BridgeError("result %s does not exist" % output)
    return output, None


def action_render(ctx, request, log):
    effects = list_effects(log)
    effect = resolve_effect(request["effect"], effects)
    clips = timeline_clips(ctx)
    chosen = select_clips(ctx, clips, request)
    log("rendering %s on %d clip(s): %s" % (effect, len(chosen), ", ".join(c["name"] for c in chosen)))

    work = _work_dir(ctx, request)
    exported = os.path.join(work, "timeline.otio")
    _call(ctx.timeline, "Timeline", "Export", exported, ctx.resolve.EXPORT_OTIO, ctx.resolve.EXPORT_NONE)
    if not os.path.isfile(exported):
        raise BridgeError("Timeline.Export reported success but %s was not written" % exported)

    summaries = []
    colour = request.get("markers")
    if colour and colour.capitalize() in OTIO_MARKER_COLOURS:
        runs = [["--markers", OTIO_MARKER_COLOURS[colour.capitalize()]]]
    else:
        # `--clips` takes one pattern per run: one run per chosen name (unchanged clips come from runway's cache).
        runs = [["--clips", name] for name in sorted(set(c["name"] for c in chosen))]
    for n, selection in enumerate(runs, 1):
        args = ["timeline", "render", exported, "--effect", effect]
        for value in request["set"]:
            args += ["--set", value]
        if request.get("preset"):
            args += ["--preset", request["preset"]]
        args += selection
        args += ["--output-dir", os.path.join(work, "renders"), "--out", os.path.join(work, "rendered-%d.otio" % n), "--json"]
        summaries.append(_json_from(run_runway(args, log, accept=(0, _SOME_CLIPS_FAILED)), "runway timeline render"))

    # Pair each result with a timeline item before touching the project, so a mismatch changes nothing. With
    # --markers runway made the choice; its clips are looked up among all of the timeline's.
    pending = list(clips if runs[0][0] == "--markers" else chosen)
    placements, failed = [], []
    for clip in [c for summary in summaries for c in summary.get("clips", [])]:
        status = str(clip.get("status", "")).lower()
        if status not in _DONE or not clip.get("output"):
            failed.append("%s: %s%s" % (clip.get("name"), status or "no status",
                                        (" (%s)" % clip["error"]) if clip.get("error") else ""))
            continue
        match = next((c for c in pending if c["name"] == clip.get("name")
                      and clip.get("track") in (None, c["track"])), None)
        if match is None:
            raise BridgeError("runway rendered '%s' (V%s), which is not a chosen clip of this timeline; nothing imported"
                              % (clip.get("name"), clip.get("track", "?")))
        pending.remove(match)
        spec, frames = _import_spec(clip["output"])
        needed = match["duration"]
        if frames is not None and frames < needed:
            raise BridgeError("result %s has %d frame(s) but clip '%s' needs %d; nothing imported"
                              % (clip["output"], frames, match["name"], needed))
        placements.append((match, clip, spec, frames))
    if failed:
        raise BridgeError("runway timeline render did not finish %d clip(s): %s; nothing imported (results so far in %s)"
                          % (len(failed), "; ".join(failed), work))
    if not placements:
        raise BridgeError("runway timeline render produced no results; nothing imported")

    imported, track = [], None
    try:
        for match, clip, spec, frames in placements:
            items = _call(ctx.media_pool, "MediaPool", "ImportMedia", [spec])
            imported.append(items[0])
        before = int(_call(ctx.timeline, "Timeline", "GetTrackCount", "video", allow_empty=True))
        _call(ctx.timeline, "Timeline", "AddTrack", "video")
        track = int(_call(ctx.timeline, "Timeline", "GetTrackCount", "video", allow_empty=True))
        if track != before + 1:
            raise BridgeError("Timeline.AddTrack('video') returned True but the video track count went %d -> %d"
                              % (before, track))
        infos = []
        for (match, clip, spec, frames), mpi in zip(placements, imported):
            # The bridge asks for no handles, so a result starts at the clip's first shown frame (a transition's
            # extra frames would shift it; see the README). endFrame is exclusive (the item lasts endFrame -
            # startFrame frames) and recordFrame is an absolute timeline frame, like GetStart().
            infos.append({"mediaPoolItem": mpi, "startFrame": 0, "endFrame": match["duration"],
                          "trackIndex": track, "recordFrame": match["start"]})
        appended = _call(ctx.media_pool, "MediaPool", "AppendToTimeline", infos)
        if len(appended) != len(infos):
            raise BridgeError("MediaPool.AppendToTimeline placed %d of %d clips" % (len(appended), len(infos)))
    except BridgeError as e:
        raise BridgeError("%s; %s" % (e, _undo(ctx, imported, track, log)))

    for (match, clip, spec, frames) in placements:
        log("  %s -> V%d at %d: %s" % (match["name"], track, match["start"], clip["output"]))
    return {"action": "render", "effect": effect, "track": track, "work_dir": work, "timelines_out": [x.get("out") for x in summaries],
            "clips": [{"name": m["name"], "output": c["output"], "recordFrame": m["start"]} for m, c, _, _ in placements]}


def _undo(ctx, imported, track, log):
    """Removes what a failed render added; returns a sentence saying what was undone and what is left."""
    notes = []
    if track is not None:
        ok = hasattr(ctx.timeline, "DeleteTrack") and ctx.timeline.DeleteTrack("video", track)
        notes.append("removed the new track V%d" % track if ok else "Timeline.DeleteTrack failed: remove V%d by hand" % track)
    if imported:
        ok = hasattr(ctx.media_pool, "DeleteClips") and ctx.media_pool.DeleteClips(imported)
        notes.append("removed %d imported clip(s) from the media pool" % len(imported) if ok
                     else "MediaPool.DeleteClips failed: %d imported clip(s) remain in the media pool" % len(imported))
    return "; ".join(notes) if notes else "nothing was added to the project"


def action_look(ctx, request, log):
    clips = timeline_clips(ctx)
    chosen = select_clips(ctx, clips, request)
    node = request["node"]
    lut_dir = request.get("lut_dir") or default_lut_dir()
    target_dir = os.path.join(lut_dir, "Runway")
    try:
        os.makedirs(target_dir, exist_ok=True)
    except OSError as e:
        raise BridgeError("cannot create %s (%s); Resolve's LUT folder must be writable (or set RUNWAY_RESOLVE_LUT_DIR)"
                          % (target_dir, e))
    base = os.path.splitext(os.path.basename(request["look"]))[0]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", base) or "look"
    cube = os.path.join(target_dir, name + ".cube")
    # Written under a temporary name and renamed, so Resolve never lists half a LUT.
    partial = os.path.join(target_dir, ".%s.%d.tmp.cube" % (name, os.getpid()))
    try:
        run_runway(["looks", "export", "--look", request["look"], "--output", partial, "--dialect", "resolve",
                    "--size", str(int(request.get("size", 33)))], log)
        if not os.path.isfile(partial):
            raise BridgeError("runway looks export exited 0 but wrote no %s" % partial)
        os.replace(partial, cube)
    finally:
        if os.path.exists(partial):
            os.remove(partial)

    _call(ctx.project, "Project", "RefreshLUTList")
    applied, failures = [], []
    for c in chosen:
        item = c["item"]
        graph = item.GetNodeGraph() if hasattr(item, "GetNodeGraph") else None
        target, owner = (graph, "Graph") if graph is not None else (item, "TimelineItem")
        try:
            _call(target, owner, "SetLUT", node, cube)
            applied.append(c["name"])
        except BridgeError as e:
            failures.append("%s: %s" % (c["name"], e))
    if failures:
        raise BridgeError("LUT %s set on %d of %d clip(s); failed: %s" % (cube, len(applied), len(chosen), "; ".join(failures)))
    log("look %s -> %s, set on node %d of: %s" % (request["look"], cube, node, ", ".join(applied)))
    return {"action": "look", "lut": cube, "node": node, "clips": applied}


ACTIONS = {"list": action_list, "render": action_render, "look": action_look}


# ----------------------------------------------------------------------------------------------------------------- UI

def dialog_request(resolve, script_globals, log):
    """Asks for the request with Resolve's UIManager (Studio); None when there is no UIManager; Cancelled on cancel."""
    fusion = script_globals.get("fusion") or (resolve.Fusion() if hasattr(resolve, "Fusion") else None)
    ui = getattr(fusion, "UIManager", None) if fusion is not None else None
    bmd = script_globals.get("bmd")
    if ui is None or bmd is None or not hasattr(bmd, "UIDispatcher"):
        return None
    effects = list_effects(log)
    disp = bmd.UIDispatcher(ui)
    win = disp.AddWindow({"ID": "RunwayWin", "WindowTitle": "Runway Plugins", "Geometry": [200, 200, 460, 260]}, [
        ui.VGroup([
            ui.HGroup([ui.Label({"Text": "Action"}), ui.ComboBox({"ID": "Action"})]),
            ui.HGroup([ui.Label({"Text": "Effect"}), ui.ComboBox({"ID": "Effect"})]),
            ui.HGroup([ui.Label({"Text": "Preset"}), ui.LineEdit({"ID": "Preset", "PlaceholderText": "optional"})]),
            ui.HGroup([ui.Label({"Text": "Params"}), ui.LineEdit({"ID": "Set", "PlaceholderText": "name=value; ..."})]),
            ui.HGroup([ui.Label({"Text": "Clips"}), ui.ComboBox({"ID": "Selection"})]),
            ui.HGroup([ui.Label({"Text": "Look"}), ui.LineEdit({"ID": "Look", "PlaceholderText": "look name or .cube"})]),
            ui.HGroup([ui.Button({"ID": "Run", "Text": "Run"}), ui.Button({"ID": "Cancel", "Text": "Cancel"})]),
        ]),
    ])
    items = win.GetItems()
    for a in ("render", "look", "list"):
        items["Action"].AddItem(a)
    for e in effects:
        items["Effect"].AddItem(e["id"])
    choices = ["current clip", "all clips"] + ["markers: " + c for c in MARKER_COLOURS]
    for c in choices:
        items["Selection"].AddItem(c)
    answer = {}

    def on_run(ev):
        answer["action"] = items["Action"].CurrentText
        answer["effect"] = items["Effect"].CurrentText
        answer["preset"] = items["Preset"].Text
        answer["set"] = [p.strip() for p in items["Set"].Text.split(";") if p.strip()]
        answer["look"] = items["Look"].Text
        sel = items["Selection"].CurrentText
        if sel.startswith("markers: "):
            answer["markers"] = sel[len("markers: "):]
        else:
            answer["selection"] = "current" if sel == "current clip" else "all"
        disp.ExitLoop()

    win.On.Run.Clicked = on_run
    win.On.Cancel.Clicked = lambda ev: disp.ExitLoop()
    win.On.RunwayWin.Close = lambda ev: disp.ExitLoop()
    win.Show()
    disp.RunLoop()
    win.Hide()
    if not answer:
        raise Cancelled()
    return _validated({k: v for k, v in answer.items() if v not in ("", None)})


USAGE = """Runway Plugins: nothing to do. Set what to run with either
  RUNWAY_RESOLVE_REQUEST=/path/request.json  {"action": "render", "effect": "inpaint", "preset": "...",
                                              "set": ["radius=8"], "markers": "Blue" | "clips": ["A*"] | "selection": "all"}
  RUNWAY_ACTION=render|look|list with RUNWAY_EFFECT, RUNWAY_PRESET, RUNWAY_SET="a=1;b=2", RUNWAY_MARKERS=Blue,
      RUNWAY_CLIPS="name,pattern*", RUNWAY_SELECTION=current|all, RUNWAY_LOOK=name-or-cube, RUNWAY_LUT_NODE=1
or run it from Resolve Studio for the dialog."""


def main(resolve=None, script_globals=None, env=None, log=None):
    """Runs one request; returns the exit code (0 done, 1 a step failed, 2 nothing asked: clips listed with usage).

    resolve and script_globals are what Resolve defines for a menu script (resolve, fusion, bmd); both may be None
    for an external script, which then connects through DaVinciResolveScript.
    """
    log = log or (lambda s: print(s, flush=True))
    env = os.environ if env is None else env
    script_globals = script_globals or {}
    try:
        request = read_request(env)
        resolve = get_resolve(resolve)
        if request is None:
            request = dialog_request(resolve, script_globals, log)
        if request is None:
            log(USAGE)
            request = {"action": "list"}
            code = 2
        else:
            code = 0
        ctx = Context(resolve)
        result = ACTIONS[request["action"]](ctx, request, log)
        if env.get("RUNWAY_RESOLVE_RESULT"):
            with open(env["RUNWAY_RESOLVE_RESULT"], "w", encoding="utf-8") as f:
                json.dump(result, f, indent=2)
        return code
    except Cancelled:
        log("Runway Plugins: cancelled; nothing changed")
        return 0
    except BridgeError as e:
        log("Runway Plugins: FAILED: %s" % e)
        return 1
