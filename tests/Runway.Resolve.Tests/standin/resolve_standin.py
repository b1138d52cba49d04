"""STAND-IN for DaVinci Resolve's scripting `resolve` object -- not Resolve, and not Blackmagic code.

Resolve cannot run on the test machines, so the bridge's tests run it against this stand-in. It implements only the
calls the bridge uses, with the argument and return conventions of Resolve's scripting API as documented in
shared/reference/resolve-and-luts.md: failures return None or False (never raise), indexes are 1-based, recordFrame
and GetStart() are absolute timeline frames, marker frameIds are relative to the timeline start, AppendToTimeline's
endFrame is exclusive, SetLUT only succeeds for a LUT file present in the LUT folder at the last RefreshLUTList().

A scenario (JSON) describes the project; every call is recorded as {"call": "Owner.Method", "args": [...]} and the
record is written to scenario["log"] when the process exits. scenario["fail"] lists "Owner.Method" names that return
their failure value (None or False) instead of working, to drive the bridge's failure paths.

Scenario keys: timeline {name, start_frame, fps, markers {frameId: {color, duration, name, note, customData}},
tracks [[{name, start, end, left_offset, right_offset, file, markers}]], current [track, index]}, otio (file copied on
Timeline.Export), lut_dir, version (major; below 19 there is no GetNodeGraph), no_project, no_timeline, fail, log,
dialog {widget ID: value, ..., "click": "Run"|"Cancel"} -- with it, resolve.Fusion().UIManager and a `bmd` with
UIDispatcher exist (as in Resolve Studio) and the "user" fills the widgets and clicks when the script runs its loop.
"""
import atexit
import json
import os
import shutil

CALLS = []
_FAIL = set()


def _record(owner, method, args):
    CALLS.append({"call": "%s.%s" % (owner, method), "args": [_plain(a) for a in args]})
    return "%s.%s" % (owner, method) in _FAIL


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, MediaPoolItem):
        return "<MediaPoolItem %s>" % value.name
    if isinstance(value, TimelineItem):
        return "<TimelineItem %s>" % value.name
    return "<%s>" % type(value).__name__


class MediaPoolItem(object):
    def __init__(self, name, path, frames):
        self.name, self.path, self.frames = name, path, frames

    def GetName(self):
        _record("MediaPoolItem", "GetName", ())
        return self.name

    def GetClipProperty(self, key=None):
        if _record("MediaPoolItem", "GetClipProperty", (key,)):
            return None
        props = {"File Path": self.path, "Frames": str(self.frames), "FPS": "24", "Resolution": "1920x1080"}
        return props.get(key, "") if key else props


class Graph(object):
    def __init__(self, item):
        self.item = item

    def GetNumNodes(self):
        _record("Graph", "GetNumNodes", ())
        return self.item.nodes

    def SetLUT(self, node_index, path):
        if _record("Graph", "SetLUT", (node_index, path)):
            return False
        return self.item._set_lut(node_index, path)


class TimelineItem(object):
    def __init__(self, timeline, spec, mpi=None):
        self.timeline = timeline
        self.name = spec["name"]
        self.start, self.end = int(spec["start"]), int(spec["end"])
        self.left, self.right = int(spec.get("left_offset", 0)), int(spec.get("right_offset", 0))
        self.markers = {int(k): v for k, v in spec.get("markers", {}).items()}
        self.mpi = mpi or MediaPoolItem(self.name, spec.get("file", ""), self.end - self.start)
        self.nodes = 1
        self.luts = {}
        self.source = spec.get("source")
        if timeline.resolve.version >= 19:
            self.GetNodeGraph = self._get_node_graph

    def GetName(self):
        _record("TimelineItem", "GetName", ())
        return self.name

    def GetStart(self):
        _record("TimelineItem", "GetStart", ())
        return self.start

    def GetEnd(self):
        _record("TimelineItem", "GetEnd", ())
        return self.end

    def GetDuration(self):
        _record("TimelineItem", "GetDuration", ())
        return self.end - self.start

    def GetLeftOffset(self):
        _record("TimelineItem", "GetLeftOffset", ())
        return self.left

    def GetRightOffset(self):
        _record("TimelineItem", "GetRightOffset", ())
        return self.right

    def GetMediaPoolItem(self):
        if _record("TimelineItem", "GetMediaPoolItem", ()):
            return None
        return self.mpi

    def GetMarkers(self):
        _record("TimelineItem", "GetMarkers", ())
        return dict(self.markers)

    def _get_node_graph(self, layer=None):
        if _record("TimelineItem", "GetNodeGraph", () if layer is None else (layer,)):
            return None
        return Graph(self)

    def SetLUT(self, node_index, path):
        if _record("TimelineItem", "SetLUT", (node_index, path)):
            return False
        return self._set_lut(node_index, path)

    def _set_lut(self, node_index, path):
        if not (1 <= int(node_index) <= self.nodes):
            return False
        if os.path.abspath(path) not in self.timeline.resolve.discovered_luts:
            return False
        self.luts[int(node_index)] = path
        return True


class Timeline(object):
    def __init__(self, resolve, spec):
        self.resolve = resolve
        self.name = spec.get("name", "Timeline 1")
        self.start_frame = int(spec.get("start_frame", 86400))
        self.fps = spec.get("fps", 24)
        self.markers = {int(k): v for k, v in spec.get("markers", {}).items()}
        self.tracks = [[TimelineItem(self, c) for c in track] for track in spec.get("tracks", [[]])]
        current = spec.get("current")
        self.current = self.tracks[current[0] - 1][current[1]] if current else None

    def GetName(self):
        _record("Timeline", "GetName", ())
        return self.name

    def GetStartFrame(self):
        _record("Timeline", "GetStartFrame", ())
        return self.start_frame

    def GetStartTimecode(self):
        _record("Timeline", "GetStartTimecode", ())
        return "01:00:00:00"

    def GetSetting(self, name=None):
        _record("Timeline", "GetSetting", (name,))
        settings = {"timelineFrameRate": str(self.fps)}
        return settings.get(name, "") if name else settings

    def GetTrackCount(self, track_type):
        _record("Timeline", "GetTrackCount", (track_type,))
        return len(self.tracks) if track_type == "video" else 0

    def GetItemListInTrack(self, track_type, index):
        if _record("Timeline", "GetItemListInTrack", (track_type, index)):
            return None
        if track_type != "video" or not (1 <= index <= len(self.tracks)):
            return None
        return list(self.tracks[index - 1])

    def GetCurrentVideoItem(self):
        _record("Timeline", "GetCurrentVideoItem", ())
        return self.current

    def GetMarkers(self):
        _record("Timeline", "GetMarkers", ())
        return dict(self.markers)

    def AddMarker(self, frame_id, color, name, note, duration, custom_data=""):
        if _record("Timeline", "AddMarker", (frame_id, color, name, note, duration, custom_data)) or frame_id in self.markers:
            return False
        self.markers[int(frame_id)] = {"color": color, "name": name, "note": note, "duration": duration,
                                       "customData": custom_data}
        return True

    def AddTrack(self, track_type, sub_track_type=None):
        if _record("Timeline", "AddTrack", (track_type,) if sub_track_type is None else (track_type, sub_track_type)):
            return False
        if track_type != "video":
            return False
        self.tracks.append([])
        return True

    def DeleteTrack(self, track_type, index):
        if _record("Timeline", "DeleteTrack", (track_type, index)):
            return False
        if track_type != "video" or not (1 <= index <= len(self.tracks)):
            return False
        del self.tracks[index - 1]
        return True

    def Export(self, path, export_type, export_subtype=None):
        if _record("Timeline", "Export", (path, export_type, export_subtype)):
            return False
        if export_type != Resolve.EXPORT_OTIO or export_subtype != Resolve.EXPORT_NONE:
            return False
        source = self.resolve.scenario.get("otio")
        if not source or not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            return False
        shutil.copyfile(source, path)
        return True


class MediaPool(object):
    def __init__(self, resolve):
        self.resolve = resolve
        self.clips = []

    def ImportMedia(self, items):
        if _record("MediaPool", "ImportMedia", (items,)):
            return None
        imported = []
        for item in items:
            if isinstance(item, dict):
                pattern, first, last = item.get("FilePath"), item.get("StartIndex"), item.get("EndIndex")
                if pattern is None or first is None or last is None:
                    return None
                paths = [pattern % i for i in range(int(first), int(last) + 1)]
                if not all(os.path.isfile(p) for p in paths):
                    continue
                imported.append(MediaPoolItem(os.path.basename(pattern), pattern, len(paths)))
            elif os.path.isfile(item):
                imported.append(MediaPoolItem(os.path.basename(item), item, 1))
        self.clips.extend(imported)
        # Resolve answers a list of what it could import, which is empty when nothing could be.
        return imported

    def DeleteClips(self, clips):
        if _record("MediaPool", "DeleteClips", (clips,)):
            return False
        for c in clips:
            if c not in self.clips:
                return False
            self.clips.remove(c)
        return True

    def AppendToTimeline(self, infos):
        if _record("MediaPool", "AppendToTimeline", (infos,)):
            return None
        timeline = self.resolve.project.timeline
        placed = []
        for info in infos:
            mpi = info.get("mediaPoolItem")
            if not isinstance(info, dict) or mpi not in self.clips:
                return None
            track = int(info.get("trackIndex", 1))
            if not (1 <= track <= len(timeline.tracks)):
                return None
            start, end = int(info["startFrame"]), int(info["endFrame"])
            if end <= start or end > mpi.frames:
                return None
            record = int(info.get("recordFrame", timeline.start_frame))
            item = TimelineItem(timeline, {"name": mpi.name, "start": record, "end": record + (end - start)}, mpi)
            timeline.tracks[track - 1].append(item)
            placed.append(item)
        return placed


class Project(object):
    def __init__(self, resolve, scenario):
        self.resolve = resolve
        self.timeline = None if scenario.get("no_timeline") else Timeline(resolve, scenario.get("timeline", {}))
        self.media_pool = MediaPool(resolve)

    def GetName(self):
        _record("Project", "GetName", ())
        return "Stand-in project"

    def GetCurrentTimeline(self):
        if _record("Project", "GetCurrentTimeline", ()):
            return None
        return self.timeline

    def GetMediaPool(self):
        if _record("Project", "GetMediaPool", ()):
            return None
        return self.media_pool

    def RefreshLUTList(self):
        if _record("Project", "RefreshLUTList", ()):
            return False
        found = set()
        for root, _, files in os.walk(self.resolve.scenario.get("lut_dir", "/nonexistent")):
            found.update(os.path.abspath(os.path.join(root, f)) for f in files if f.lower().endswith(".cube"))
        self.resolve.discovered_luts = found
        return True


class ProjectManager(object):
    def __init__(self, resolve):
        self.resolve = resolve

    def GetCurrentProject(self):
        if _record("ProjectManager", "GetCurrentProject", ()):
            return None
        return self.resolve.project


class Widget(object):
    """A UIManager widget: ComboBox (AddItem, CurrentText), LineEdit (Text), Label, Button."""

    def __init__(self, kind, props):
        self.kind, self.props = kind, dict(props)
        self.ID = props.get("ID")
        self.Text = props.get("Text", "")
        self.items = []
        self.CurrentText = ""

    def AddItem(self, text):
        _record("UI.%s" % self.kind, "AddItem", (text,))
        self.items.append(text)
        if len(self.items) == 1:
            self.CurrentText = text


class UIManager(object):
    def __init__(self):
        self.widgets = []

    def _widget(self, kind, props):
        w = Widget(kind, props)
        self.widgets.append(w)
        return w

    def VGroup(self, children):
        return {"VGroup": children}

    def HGroup(self, children):
        return {"HGroup": children}

    def Label(self, props):
        return self._widget("Label", props)

    def ComboBox(self, props):
        return self._widget("ComboBox", props)

    def LineEdit(self, props):
        return self._widget("LineEdit", props)

    def Button(self, props):
        return self._widget("Button", props)


class _Events(object):
    """win.On.<ID>.<Event> = handler, as Fusion's UI dispatches events."""

    def __init__(self):
        self.__dict__["handlers"] = {}

    def __getattr__(self, widget_id):
        events = self.handlers.setdefault(widget_id, _Handlers())
        return events


class _Handlers(object):
    pass


class Window(object):
    def __init__(self, ui, props):
        self.ui, self.props = ui, props
        self.On = _Events()

    def GetItems(self):
        return {w.ID: w for w in self.ui.widgets if w.ID}

    def Show(self):
        _record("UI.Window", "Show", ())

    def Hide(self):
        _record("UI.Window", "Hide", ())


class Dispatcher(object):
    """bmd.UIDispatcher(ui): RunLoop plays the scenario's "dialog" as the user, then returns once ExitLoop is called."""

    def __init__(self, ui, answers):
        self.ui, self.answers, self.window, self.running = ui, answers, None, False

    def AddWindow(self, props, children):
        _record("UI.Dispatcher", "AddWindow", (props.get("ID"),))
        self.window = Window(self.ui, props)
        return self.window

    def RunLoop(self):
        _record("UI.Dispatcher", "RunLoop", ())
        self.running = True
        items = self.window.GetItems()
        for key, value in self.answers.items():
            if key == "click":
                continue
            w = items[key]
            if w.kind == "ComboBox":
                if value not in w.items:
                    raise AssertionError("stand-in dialog: %r is not an item of %s (%r)" % (value, key, w.items))
                w.CurrentText = value
            else:
                w.Text = value
        handler = getattr(self.window.On.handlers.get(self.answers.get("click", "Run"), _Handlers()), "Clicked", None)
        if handler is None:
            raise AssertionError("stand-in dialog: no Clicked handler for %s" % self.answers.get("click", "Run"))
        handler({"who": self.answers.get("click", "Run")})
        if self.running:
            raise AssertionError("stand-in dialog: the handler did not call ExitLoop")

    def ExitLoop(self):
        _record("UI.Dispatcher", "ExitLoop", ())
        self.running = False


class Fusion(object):
    def __init__(self):
        self.UIManager = UIManager()


class Bmd(object):
    """The `bmd` global of Resolve Studio scripts (only UIDispatcher)."""

    def __init__(self, answers):
        self.answers = answers

    def UIDispatcher(self, ui):
        return Dispatcher(ui, self.answers)


class Resolve(object):
    """The stand-in `resolve`. Constants are opaque values, as in Resolve; the bridge passes them through."""
    EXPORT_OTIO = 29
    EXPORT_NONE = 0

    def __init__(self, scenario):
        self.scenario = scenario
        self.version = int(scenario.get("version", 20))
        self.discovered_luts = set()
        self.project = None if scenario.get("no_project") else Project(self, scenario)
        if "dialog" in scenario:
            self._fusion = Fusion()
            self.Fusion = self._get_fusion

    def _get_fusion(self):
        _record("Resolve", "Fusion", ())
        return self._fusion

    def script_globals(self):
        """What Resolve defines for a menu script besides `resolve`: fusion and bmd (Studio, with the dialog)."""
        if "dialog" not in self.scenario:
            return {}
        return {"fusion": self._fusion, "bmd": Bmd(self.scenario["dialog"])}

    def GetProjectManager(self):
        if _record("Resolve", "GetProjectManager", ()):
            return None
        return ProjectManager(self)

    def GetVersionString(self):
        _record("Resolve", "GetVersionString", ())
        return "%d.0.0.0 (stand-in)" % self.version

    def state(self):
        """What the project looks like now (written next to the call log)."""
        if self.project is None or self.project.timeline is None:
            return {}
        tl = self.project.timeline
        return {
            "tracks": [[{"name": i.name, "start": i.start, "end": i.end, "file": i.mpi.path, "luts": i.luts}
                        for i in track] for track in tl.tracks],
            "media_pool": [{"name": c.name, "path": c.path, "frames": c.frames} for c in self.project.media_pool.clips],
        }


def from_scenario(path):
    """A stand-in built from a scenario file; the call log and final state are written when the process exits."""
    with open(path, encoding="utf-8") as f:
        scenario = json.load(f)
    _FAIL.clear()
    _FAIL.update(scenario.get("fail", []))
    resolve = Resolve(scenario)
    if scenario.get("log"):
        def write():
            with open(scenario["log"], "w", encoding="utf-8") as f:
                json.dump({"calls": CALLS, "state": resolve.state()}, f, indent=1)
        atexit.register(write)
    return resolve
