#!/usr/bin/env bash
# Exports the production image encoder (openai/clip-vit-base-patch32's vision tower + projection) as the
# TorchScript model.pt + model.json the worker loads from MODEL_PATH, and beside them the same weights in bf16
# (model-bf16.pt + model-bf16.json), which the worker's default MODEL_PRECISION=auto loads on CPUs with AMX.
# scripts/install.sh --model OUT/model.pt installs all four.
#
# Run it on a machine with internet access and pip (the project's own machines have neither the model hub
# nor PyPI). Once per machine:
#     python3 -m pip install torch pillow numpy huggingface_hub    # add `transformers` for the self-check
# Then, from the repository root:
#     scripts/export-production-model.sh --out build/clip-vit-base-patch32
# and copy the output directory to the worker host (e.g. /var/lib/cis-worker/model). model.json and
# model-bf16.json hold the SHA-256s to configure (comma-separated MODEL_SHA256) for the worker's start-up check.
#
# Options:
#   --out DIR           where model.pt, model.json, model-bf16.pt and model-bf16.json go
#                       (default: build/clip-vit-base-patch32)
#   --weights PATH      use an already downloaded pytorch_model.bin (or a directory holding it and config.json)
#                       instead of downloading
#   --revision REV      model repository revision (branch, tag or commit) to download (default: main)
#   --download-dir DIR  where downloaded files go (default: build/hf/clip-vit-base-patch32)
#   --bf16              make model.pt itself the bfloat16 variant (input cast to bf16, output float32), with no
#                       separate bf16 export; the default writes both
#   --python PY         Python interpreter with torch + pillow (default: $PYTHON or python3)
#   --images DIR        images for the self-check (default: ../shared/images beside the repository)
#   --no-check          skip the self-check against transformers
#
# The self-check (scripts/check_against_transformers.py) runs when `transformers` is importable: for every
# sample image, transformers' CLIPImageProcessor + CLIPModel.get_image_features (L2-normalised) must match our
# preprocessing and our model.pt (cosine >= 0.9999; 0.999 for --bf16) and model-bf16.pt (0.999). Without
# transformers it says so and is skipped.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL_ID="openai/clip-vit-base-patch32"
OUT="$REPO_ROOT/build/clip-vit-base-patch32"
DOWNLOAD_DIR="$REPO_ROOT/build/hf/clip-vit-base-patch32"
WEIGHTS=""
REVISION="main"
PYTHON_BIN="${PYTHON:-python3}"
IMAGES="$REPO_ROOT/../shared/images"
CHECK=1
EXPORT_FLAGS=()
MIN_COSINE=0.9999

die() { echo "export-production-model: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --weights) WEIGHTS="$2"; shift 2 ;;
    --revision) REVISION="$2"; shift 2 ;;
    --download-dir) DOWNLOAD_DIR="$2"; shift 2 ;;
    --bf16) EXPORT_FLAGS+=(--bf16); MIN_COSINE=0.999; shift ;;
    --python) PYTHON_BIN="$2"; shift 2 ;;
    --images) IMAGES="$2"; shift 2 ;;
    --no-check) CHECK=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

"$PYTHON_BIN" -c 'import torch, PIL, numpy' 2>/dev/null \
  || die "$PYTHON_BIN cannot import torch, PIL and numpy: python3 -m pip install torch pillow numpy (or use --python)"

if [[ -z "$WEIGHTS" ]]; then
  "$PYTHON_BIN" -c 'import huggingface_hub' 2>/dev/null \
    || die "downloading needs huggingface_hub: python3 -m pip install huggingface_hub (or pass --weights PATH)"
  echo "downloading $MODEL_ID@$REVISION into $DOWNLOAD_DIR"
  # preprocessor_config.json is only for the self-check (transformers reads the processor settings from it).
  "$PYTHON_BIN" - "$MODEL_ID" "$REVISION" "$DOWNLOAD_DIR" <<'PY'
import sys
from huggingface_hub import hf_hub_download
model_id, revision, directory = sys.argv[1:]
for name in ("pytorch_model.bin", "config.json", "preprocessor_config.json"):
    print(hf_hub_download(repo_id=model_id, filename=name, revision=revision, local_dir=directory))
PY
  WEIGHTS="$DOWNLOAD_DIR"
fi

"$PYTHON_BIN" "$REPO_ROOT/scripts/clip_model.py" --hf-weights "$WEIGHTS" --out "$OUT" \
  --model-name "$MODEL_ID" "${EXPORT_FLAGS[@]+"${EXPORT_FLAGS[@]}"}"

if [[ "$CHECK" == 1 ]]; then
  HF_MODEL="$WEIGHTS"
  [[ -f "$HF_MODEL" ]] && HF_MODEL="$(dirname "$HF_MODEL")"
  if [[ ! -d "$IMAGES" ]]; then
    echo "self-check skipped: no images at $IMAGES (use --images DIR)"
  elif [[ ! -f "$HF_MODEL/config.json" ]]; then
    echo "self-check skipped: $HF_MODEL has no config.json for transformers to load the model with"
  else
    "$PYTHON_BIN" "$REPO_ROOT/scripts/check_against_transformers.py" \
      --model-dir "$OUT" --hf-model "$HF_MODEL" --images "$IMAGES" --min-cosine "$MIN_COSINE"
    if [[ -f "$OUT/model-bf16.pt" ]]; then
      "$PYTHON_BIN" "$REPO_ROOT/scripts/check_against_transformers.py" --model-file model-bf16.pt \
        --model-dir "$OUT" --hf-model "$HF_MODEL" --images "$IMAGES" --min-cosine 0.999
    fi
  fi
fi

echo "exported $OUT/model.pt; model.json:"
cat "$OUT/model.json"
if [[ -f "$OUT/model-bf16.pt" ]]; then
  echo "and the bf16 export $OUT/model-bf16.pt; model-bf16.json:"
  cat "$OUT/model-bf16.json"
fi
