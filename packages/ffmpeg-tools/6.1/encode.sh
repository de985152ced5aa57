#!/usr/bin/env bash
# Encodes rendered frames into a video: encode.sh <frames-dir> <out.mp4>
set -euo pipefail
ffmpeg -y -framerate 24 -i "$1/frame_%05d.png" -c:v libx264 -pix_fmt yuv420p "$2"
