"""Writes a quality-control summary of a render job's output directory."""
import json
import pathlib
import sys

frames = sorted(pathlib.Path(sys.argv[1]).glob("frame_*.png"))
print(json.dumps({"frames": len(frames), "first": frames[0].name if frames else None}))
