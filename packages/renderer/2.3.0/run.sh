#!/usr/bin/env bash
# Renders one frame range: run.sh <scene> <first> <last>
set -euo pipefail
echo "renderer 2.3.0: scene=$1 frames=$2-$3"
