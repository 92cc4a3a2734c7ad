#!/usr/bin/python3
"""PIL's antialiased bicubic resize of 8-bit images, written out plainly: the spec to port to Java.

`Image.resize(size, Image.BICUBIC, reducing_gap=None)` on an RGB (or L) image, as Pillow's
libImaging/Resample.c computes it:
  - separable: a horizontal pass first (only when the width changes), then a vertical pass (only when the
    height changes); the intermediate image is 8-bit, so each pass rounds and clamps to 0..255;
  - for output index i: scale = in/out, filterscale = max(scale, 1) (antialiasing: the kernel widens when
    downscaling), support = 2 * filterscale, center = (i + 0.5) * scale,
    taps x in [max(int(center - support + 0.5), 0), min(int(center + support + 0.5), in)),
    weight(x) = cubic((x - center + 0.5) / filterscale) with Keys' cubic, a = -0.5, normalised to sum 1;
  - weights become 22-bit fixed point, rounded half away from zero; the sum starts at 1 << 21 (rounding)
    and the result is (sum >> 22) clamped to 0..255.
Running this file checks the spec against PIL itself, bit for bit, on every image PIL decodes:
  /usr/bin/python3 scripts/pil_bicubic_reference.py ../shared/images
"""
import math
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clip_reference  # noqa: E402

PRECISION_BITS = 32 - 8 - 2


def cubic(x, a=-0.5):
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    if x < 2.0:
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return 0.0


def fixed_point(weight):
    scaled = weight * (1 << PRECISION_BITS)
    return math.trunc(scaled - 0.5) if weight < 0 else math.trunc(scaled + 0.5)


def taps(in_size, out_size):
    """For each output index: (first input index, fixed-point weights)."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 2.0 * filterscale
    result = []
    for i in range(out_size):
        center = (i + 0.5) * scale
        first = max(int(center - support + 0.5), 0)
        last = min(int(center + support + 0.5), in_size)
        weights = [cubic((x - center + 0.5) / filterscale) for x in range(first, last)]
        total = sum(weights)
        result.append((first, [fixed_point(w / total) if total else 0 for w in weights]))
    return result


def resample_axis(pixels, out_size, axis):
    source = np.moveaxis(pixels, axis, 0).astype(np.int64)
    out = np.empty((out_size,) + source.shape[1:], dtype=np.int64)
    for i, (first, weights) in enumerate(taps(source.shape[0], out_size)):
        total = np.full(source.shape[1:], 1 << (PRECISION_BITS - 1), dtype=np.int64)
        for j, weight in enumerate(weights):
            total += source[first + j] * weight
        out[i] = np.clip(total >> PRECISION_BITS, 0, 255)
    return np.moveaxis(out, 0, axis).astype(np.uint8)


def resize(pixels, width, height):
    """pixels: HxW or HxWxC uint8. Same result as PIL's BICUBIC resize with reducing_gap=None."""
    if width != pixels.shape[1]:
        pixels = resample_axis(pixels, width, 1)
    if height != pixels.shape[0]:
        pixels = resample_axis(pixels, height, 0)
    return pixels


def main(images_dir):
    worst = 0
    for relative in clip_reference.list_images(images_dir):
        try:
            rgb, _ = clip_reference.load_rgb(os.path.join(images_dir, relative))
        except Exception:
            continue
        size = clip_reference.resize_output_size(*rgb.size)
        ours = resize(np.asarray(rgb), *size)
        pil = np.asarray(rgb.resize(size, resample=Image.BICUBIC, reducing_gap=None))
        difference = int(np.abs(ours.astype(int) - pil.astype(int)).max())
        worst = max(worst, difference)
        print(f"  {relative:36s} {str(list(rgb.size)):13s} -> {str(list(size)):13s} max difference {difference}")
    print(f"worst difference from PIL: {worst}")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/images"))
