#!/usr/bin/env python3
"""Checks an exported model and our reference preprocessing against Hugging Face transformers itself.

For every image PIL can open under --images: transformers' load_image + CLIPImageProcessor (the slow PIL
path) must give the same pixel_values as scripts/clip_reference.py, and CLIPModel.get_image_features
(L2-normalised) must give the same vector as our TorchScript model.pt. Needs transformers, which is not
installable on the project's machines (no PyPI): there it prints why it skipped and exits 0.

  python3 scripts/check_against_transformers.py --model-dir DIR --hf-model HF_DIR_OR_NAME --images ../shared/images
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clip_reference  # noqa: E402

MAX_PIXEL_DIFFERENCE = 1e-5  # normalised units; both sides run the same PIL code, so expect ~0
DEFAULT_MIN_COSINE = 0.9999


def image_features(model, pixel_values):
    output = model.get_image_features(pixel_values=pixel_values)
    if not torch.is_tensor(output):  # some transformers versions return a model output object
        embeds = getattr(output, "image_embeds", None)
        output = embeds if embeds is not None else output.pooler_output
    return torch.nn.functional.normalize(output.float(), dim=-1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", required=True, help="directory with our model.pt")
    parser.add_argument("--model-file", default="model.pt", help="file in --model-dir to check (default model.pt)")
    parser.add_argument("--hf-model", required=True, help="HF model directory (config + weights) or hub name")
    parser.add_argument("--images", required=True, help="images directory (walked recursively)")
    parser.add_argument("--min-cosine", type=float, default=DEFAULT_MIN_COSINE,
                        help=f"lowest acceptable cosine (default {DEFAULT_MIN_COSINE}; a bf16 export needs ~0.999)")
    args = parser.parse_args(argv)
    try:
        from transformers import CLIPImageProcessor, CLIPModel
        from transformers.image_utils import load_image
    except ImportError as error:
        print(f"self-check skipped: transformers is not importable here ({error})")
        return 0

    processor = CLIPImageProcessor.from_pretrained(args.hf_model)  # the slow (PIL) image processor
    hf_model = CLIPModel.from_pretrained(args.hf_model, torch_dtype=torch.float32).eval()
    ours = torch.jit.load(os.path.join(args.model_dir, args.model_file)).eval()

    failures, checked = [], 0
    for relative in clip_reference.list_images(args.images):
        path = os.path.join(args.images, relative)
        try:
            crop, _ = clip_reference.preprocess(path)
        except Exception as error:
            print(f"  {relative:36s} not decodable by PIL ({clip_reference.error_class(error)}), skipped")
            continue
        ours_pixels = torch.from_numpy(clip_reference.normalize(crop))[None]
        hf_pixels = processor(images=load_image(path), return_tensors="pt")["pixel_values"].float()
        pixel_difference = float((hf_pixels - ours_pixels).abs().max())
        with torch.no_grad():
            expected = image_features(hf_model, hf_pixels)
            actual = ours(ours_pixels)
        cosine = float(torch.nn.functional.cosine_similarity(expected.double(), actual.double()).min())
        checked += 1
        ok = pixel_difference <= MAX_PIXEL_DIFFERENCE and cosine >= args.min_cosine
        print(f"  {relative:36s} max pixel diff {pixel_difference:.2e}  cosine {cosine:.7f}  {'ok' if ok else 'FAIL'}")
        if not ok:
            failures.append(relative)
    print(f"self-check against transformers: {checked - len(failures)} of {checked} images agree")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
