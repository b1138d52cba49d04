"""FAKE `runway` CLI for the Resolve bridge's tests (not the real CLI): appends its argv to $FAKE_RUNWAY_LOG and
answers the three commands the bridge runs, so the tests exercise the bridge's own logic.

  effects --json          a two-effect catalogue
  timeline render ...     writes --out (a copy of the input .otio), one folder of numbered PNGs per --clips name (or
                          per name in $FAKE_RUNWAY_CLIPS for --markers) with $FAKE_RUNWAY_FRAMES frames (default
                          96) in --output-dir, and prints the --json summary in the real command's shape (exit 3
                          when a clip failed, as the real command does)
  looks export ...        writes a tiny 2^3 .cube to --output
$FAKE_RUNWAY_MODE: "exit" (fail with exit 4), "clip-failed" (second clip reports status failed), "missing" (first
clip's output not written), "short" (10 frames per clip), "garbage" (no JSON summary)."""
import json
import os
import shutil
import sys

argv = sys.argv[1:]
with open(os.environ["FAKE_RUNWAY_LOG"], "a", encoding="utf-8") as f:
    f.write(json.dumps(argv) + "\n")
mode = os.environ.get("FAKE_RUNWAY_MODE", "")


def values(flag):
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


if argv[:2] == ["effects", "--json"]:
    print(json.dumps({"schemaVersion": 1, "effects": [{"id": "com.runwayml.inpaint", "label": "Inpaint"},
                                                      {"id": "com.runwayml.learned-look", "label": "Learned look"}]}))
elif argv[:2] == ["timeline", "render"]:
    if mode == "exit":
        sys.stderr.write("runway: daemon not reachable\n")
        sys.exit(4)
    if mode == "garbage":
        print("rendering...")
        sys.exit(0)
    out_dir, out = values("--output-dir")[0], values("--out")[0]
    os.makedirs(out_dir, exist_ok=True)
    shutil.copyfile(argv[2], out)
    names = values("--clips") or [n for n in os.environ.get("FAKE_RUNWAY_CLIPS", "").split(",") if n]
    frames = 10 if mode == "short" else int(os.environ.get("FAKE_RUNWAY_FRAMES", "96"))
    clips = []
    for i, name in enumerate(names):
        # Like the real command: one folder per clip, files numbered by media frame (here from 1001).
        failed = mode == "clip-failed" and i == 1
        folder = os.path.join(out_dir, "%s-0123456789ab" % name)
        os.makedirs(folder, exist_ok=True)
        if not (mode == "missing" and i == 0) and not failed:
            for n in range(1001, 1001 + frames):
                open(os.path.join(folder, "%s.%04d.png" % (name, n)), "wb").close()
        clips.append({"number": i + 1, "name": name, "track": 1, "status": "failed" if failed else "rendered",
                      "output": None if failed else folder, "start": 1001, "frames": frames, "rate": 24.0,
                      "key": "0123456789abcdef", "engine": "fake", "notes": [],
                      "error": "daemon: cancelled" if failed else None})
    print(json.dumps({"input": argv[2], "out": out, "effect": values("--effect")[0], "outputDir": out_dir,
                      "rendered": sum(c["status"] == "rendered" for c in clips), "cached": 0,
                      "failed": sum(c["status"] == "failed" for c in clips), "seconds": 0.1, "clips": clips}, indent=2))
    if any(c["status"] == "failed" for c in clips):
        sys.exit(3)
elif argv[:2] == ["looks", "export"]:
    with open(values("--output")[0], "w", encoding="utf-8") as f:
        f.write("# fake look\nLUT_3D_SIZE 2\n" + "".join("%d %d %d\n" % (r, g, b) for b in (0, 1) for g in (0, 1) for r in (0, 1)))
else:
    sys.stderr.write("fake runway: unexpected command %r\n" % argv)
    sys.exit(64)
