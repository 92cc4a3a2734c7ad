#!/usr/bin/python3
"""Reference CLIP preprocessing (HF CLIPProcessor, slow PIL path) and the reference data the Java tests check.

Preprocessing, step by step as transformers does it (load_image + CLIPImageProcessor.preprocess):
  1. PIL.Image.open, PIL.ImageOps.exif_transpose, .convert("RGB")   (transformers.image_utils.load_image;
     alpha is dropped, not composited; multi-frame GIF/TIFF: the first frame)
  2. shorter side to 224: get_resize_output_image_size(default_to_square=False), then
     img.resize((w, h), resample=BICUBIC, reducing_gap=None)            (PIL's antialiased bicubic, uint8 in/out)
  3. centre crop 224x224, top = (h - 224) // 2, left = (w - 224) // 2  (transformers.image_transforms.center_crop)
  4. float64 * (1/255) -> float32, (x - mean) / std in float32, HWC -> CHW  (rescale + normalize)
PIL's limits stay at their defaults: Image.MAX_IMAGE_PIXELS (a decompression bomb is an error) and
ImageFile.LOAD_TRUNCATED_IMAGES = False (a truncated file is an error).

Usable on its own to (re)write reference data for an exported model directory:
  /usr/bin/python3 scripts/clip_reference.py --model-dir src/test/resources/clip-small --images ../shared/images
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image, ImageOps

CROP_SIZE = 224
SHORTEST_EDGE = 224
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
BATCH_CHECK_SIZE = 8
BATCH_CHECK_MIN_COSINE = 0.99999

PREPROCESSING = (
    "HF CLIPProcessor slow PIL path: PIL.Image.open; ImageOps.exif_transpose; convert('RGB') (alpha dropped, "
    "first frame of multi-frame files); resize so the shorter side is 224, long side int(224 * long / short), "
    "Image.BICUBIC with reducing_gap=None (antialiased, uint8 in and out); centre crop 224x224 with "
    "top=(h-224)//2, left=(w-224)//2; float64 x/255 -> float32; (x - mean) / std with mean "
    f"{CLIP_MEAN} std {CLIP_STD}; CHW. PIL defaults kept: MAX_IMAGE_PIXELS (bombs rejected), "
    "LOAD_TRUNCATED_IMAGES=False (truncated files rejected)."
)


class ImageInfo(dict):
    """What the reference learned about one file on the way to its tensor (goes into reference.json)."""


def load_rgb(path):
    """transformers.image_utils.load_image for a local file: open, EXIF orientation, RGB."""
    image = Image.open(path)
    info = ImageInfo(
        source_format=image.format,
        source_mode=image.mode,
        original_size=list(image.size),
        frames=getattr(image, "n_frames", 1),
        exif_orientation=image.getexif().get(0x0112),
    )
    transposed = ImageOps.exif_transpose(image)
    # exif_transpose returns a copy even when it does nothing; compare what a person would see.
    info["exif_transposed"] = list(transposed.size) != list(image.size) or info["exif_orientation"] not in (None, 1)
    info["oriented_size"] = list(transposed.size)
    return transposed.convert("RGB"), info


def resize_output_size(width, height, shortest_edge=SHORTEST_EDGE):
    """transformers' get_resize_output_image_size(default_to_square=False), as (width, height)."""
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = shortest_edge, int(shortest_edge * long / short)
    return (new_short, new_long) if width <= height else (new_long, new_short)


def resize_shorter_side(rgb):
    return rgb.resize(resize_output_size(*rgb.size), resample=Image.BICUBIC, reducing_gap=None)


def center_crop(pixels, size=CROP_SIZE):
    """transformers.image_transforms.center_crop on an HWC array no smaller than the crop (true after resize)."""
    height, width = pixels.shape[:2]
    top, left = (height - size) // 2, (width - size) // 2
    return pixels[top:top + size, left:left + size]


def normalize(crop_uint8):
    """rescale(1/255) then normalize, as CLIPImageProcessor does; returns float32 CHW."""
    scaled = (crop_uint8.astype(np.float64) * (1 / 255)).astype(np.float32)
    mean = np.array(CLIP_MEAN, dtype=np.float32)
    std = np.array(CLIP_STD, dtype=np.float32)
    return ((scaled - mean) / std).transpose(2, 0, 1).copy()


def preprocess(path):
    """Returns (224x224x3 uint8 crop, info). Raises whatever PIL raises for undecodable input."""
    rgb, info = load_rgb(path)
    resized = resize_shorter_side(rgb)
    info["resized_size"] = list(resized.size)
    crop = center_crop(np.asarray(resized))
    return np.ascontiguousarray(crop), info


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_images(images_dir):
    """Every file under images_dir (formats/ included), sorted, except the README."""
    found = []
    for root, dirs, files in os.walk(images_dir):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(".md"):
                continue
            found.append(os.path.relpath(os.path.join(root, name), images_dir).replace(os.sep, "/"))
    return found


def tensor_png_name(relative_path):
    return "tensors/" + relative_path.replace("/", "__") + ".png"


def error_class(error):
    module = type(error).__module__
    return type(error).__name__ if module == "builtins" else f"{module}.{type(error).__name__}"


def describe_error(error, images_dir):
    message = str(error).replace(os.path.abspath(images_dir) + os.sep, "").replace(images_dir.rstrip("/") + "/", "")
    return f"{error_class(error)}: {message}"


def embed(model, pixel_values):
    with torch.no_grad():
        return model(torch.from_numpy(np.stack(pixel_values))).numpy()


def cosine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def float32_list(vector):
    # 9 significant digits round-trip a float32 exactly and keep the JSON small.
    return [float(f"{v:.9g}") for v in np.asarray(vector, dtype=np.float32)]


# --- how much the thresholds mean -------------------------------------------------------------------------

def naive_bicubic_resize(rgb):
    """A resize that does NOT antialias (like Java's own bicubic scaling): what the fidelity test must catch."""
    width, height = resize_output_size(*rgb.size)
    pixels = torch.from_numpy(np.asarray(rgb).astype(np.float32)).permute(2, 0, 1)[None]
    resized = torch.nn.functional.interpolate(pixels, size=(height, width), mode="bicubic", align_corners=False)
    return resized.round().clamp(0, 255)[0].permute(1, 2, 0).numpy().astype(np.uint8)


def shifted_crop(resized):
    """The crop one pixel further along the long side (wrapped round when the image is exactly 224 wide)."""
    height, width = resized.shape[:2]
    top, left = (height - CROP_SIZE) // 2, (width - CROP_SIZE) // 2
    if width > CROP_SIZE and left + 1 + CROP_SIZE <= width:
        return resized[top:top + CROP_SIZE, left + 1:left + 1 + CROP_SIZE]
    if height > CROP_SIZE and top + 1 + CROP_SIZE <= height:
        return resized[top + 1:top + 1 + CROP_SIZE, left:left + CROP_SIZE]
    return np.roll(center_crop(resized), 1, axis=1)


def rounding_noise(crop, fraction, seed):
    """+-1 (in 0..255) on a random `fraction` of the values: what rounding differences look like."""
    rng = np.random.default_rng(seed)
    step = rng.choice(np.array([-1, 1]), size=crop.shape) * (rng.random(crop.shape) < fraction)
    return np.clip(crop.astype(np.int16) + step, 0, 255).astype(np.uint8)


SENSITIVITY_CASES = {
    "naive_bicubic_resize": "torch bicubic resize: no antialiasing, a = -0.75 (PIL: antialiased, a = -0.5)",
    "crop_shifted_1px": "centre crop moved one pixel along the long side",
    "channels_bgr": "red and blue swapped",
    "rounding_noise_10pct": "+-1/255 on a random 10% of the values (rounding-level difference)",
    "rounding_noise_all": "+-1/255 on every value",
}


def sensitivity_inputs(rgb, crop, seed):
    resized = np.asarray(resize_shorter_side(rgb))
    return {
        "naive_bicubic_resize": center_crop(naive_bicubic_resize(rgb)),
        "crop_shifted_1px": shifted_crop(resized),
        "channels_bgr": crop[:, :, ::-1],
        "rounding_noise_10pct": rounding_noise(crop, 0.10, seed),
        "rounding_noise_all": rounding_noise(crop, 1.0, seed),
    }


def summary(values):
    values = np.asarray(values, dtype=np.float64)
    return {"min": round(float(values.min()), 7), "median": round(float(np.median(values)), 7),
            "max": round(float(values.max()), 7)}


# --- reference data ---------------------------------------------------------------------------------------

def write_reference(model_dir, images_dir, check_discrimination=False):
    """Writes model_dir/reference.json and model_dir/tensors/*.png for every file under images_dir."""
    started = time.perf_counter()
    with open(os.path.join(model_dir, "model.json")) as f:
        model_meta = json.load(f)
    model = torch.jit.load(os.path.join(model_dir, "model.pt")).eval()
    tensors_dir = os.path.join(model_dir, "tensors")
    os.makedirs(tensors_dir, exist_ok=True)
    for stale in os.listdir(tensors_dir):
        os.remove(os.path.join(tensors_dir, stale))

    entries, pixel_values = [], {}
    for index, relative in enumerate(list_images(images_dir)):
        path = os.path.join(images_dir, relative)
        entry = {"file": relative, "sha256": sha256_file(path)}
        try:
            crop, info = preprocess(path)
        except Exception as error:  # the reference records whatever PIL refuses, exactly as PIL words it
            entry["error_class"] = error_class(error)
            entry["error"] = describe_error(error, images_dir)
            entries.append(entry)
            print(f"  {relative:34s} error: {entry['error']}")
            continue
        entry.update(info)
        width, height = info["resized_size"]
        entry["crop_offset"] = [(width - CROP_SIZE) // 2, (height - CROP_SIZE) // 2]
        entry["tensor_png"] = tensor_png_name(relative)
        png_path = os.path.join(model_dir, entry["tensor_png"])
        Image.fromarray(crop, "RGB").save(png_path, format="PNG", optimize=True)
        if not np.array_equal(np.asarray(Image.open(png_path).convert("RGB")), crop):
            raise AssertionError(f"{png_path} does not hold the crop losslessly")
        pixel_values[relative] = normalize(crop)
        entry["embedding"] = float32_list(embed(model, [pixel_values[relative]])[0])

        rgb, _ = load_rgb(path)
        variants = sensitivity_inputs(rgb, crop, seed=index)
        variant_embeddings = embed(model, [normalize(v) for v in variants.values()])
        entry["sensitivity"] = {name: round(cosine(entry["embedding"], vector), 7)
                                for name, vector in zip(variants, variant_embeddings)}
        entries.append(entry)
        print(f"  {relative:34s} {info['source_mode']:5s} {str(info['original_size']):13s} -> "
              f"{str(info['resized_size']):13s} exif_transposed={info['exif_transposed']}")

    decoded = [e for e in entries if "embedding" in e]

    # The same images as one batch of 8 must give the vectors each gave alone.
    batch_files = [e["file"] for e in decoded[:BATCH_CHECK_SIZE]]
    batch_vectors = embed(model, [pixel_values[f] for f in batch_files])
    batch_cosines = [cosine(e["embedding"], v) for e, v in zip(decoded, batch_vectors)]
    if min(batch_cosines) < BATCH_CHECK_MIN_COSINE:
        raise AssertionError(f"batch of {BATCH_CHECK_SIZE} vs batch of 1: min cosine {min(batch_cosines)}")
    batch_check = {"batch_size": len(batch_files), "files": batch_files,
                   "min_cosine_to_single": round(min(batch_cosines), 9),
                   "embeddings": [float32_list(v) for v in batch_vectors]}

    # Distinct photos must get distinct vectors, or a cosine test could not tell a right tensor from a wrong one.
    photos = [e for e in decoded if "/" not in e["file"]]
    matrix = np.array([e["embedding"] for e in photos], dtype=np.float64)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    cosines = matrix @ matrix.T
    off_diagonal = cosines[~np.eye(len(photos), dtype=bool)]
    most_alike = np.unravel_index(np.where(np.eye(len(photos), dtype=bool), -2, cosines).argmax(), cosines.shape)
    discrimination = {
        "files": [e["file"] for e in photos],
        "mean_off_diagonal_cosine": round(float(off_diagonal.mean()), 6),
        "max_off_diagonal_cosine": round(float(off_diagonal.max()), 6),
        "min_off_diagonal_cosine": round(float(off_diagonal.min()), 6),
        "most_alike": [photos[most_alike[0]]["file"], photos[most_alike[1]]["file"]],
        "cosine_matrix": [[round(float(c), 4) for c in row] for row in cosines],
    }
    sensitivity = {
        "description": "cosine of each image's reference vector to the vector of a deliberately altered tensor",
        "cases": {name: {"what": what, **summary([e["sensitivity"][name] for e in decoded])}
                  for name, what in SENSITIVITY_CASES.items()},
    }

    reference = {
        "model": model_meta,
        "preprocessing": PREPROCESSING,
        "image_size": CROP_SIZE,
        "mean": list(CLIP_MEAN),
        "std": list(CLIP_STD),
        "images_dir": "../shared/images (file paths are relative to it)",
        "versions": {"torch": torch.__version__, "pillow": Image.__version__, "numpy": np.__version__,
                     "python": sys.version.split()[0]},
        "images": entries,
        "batch_check": batch_check,
        "discrimination": discrimination,
        "sensitivity": sensitivity,
    }
    with open(os.path.join(model_dir, "reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")

    print(f"reference: {len(decoded)} images embedded, {len(entries) - len(decoded)} refused by PIL, "
          f"{time.perf_counter() - started:.1f} s")
    print(f"batch of {len(batch_files)} vs batch of 1: min cosine {batch_check['min_cosine_to_single']:.9f}")
    print(f"photos ({len(photos)}): pairwise cosine mean {discrimination['mean_off_diagonal_cosine']:.4f}, "
          f"max {discrimination['max_off_diagonal_cosine']:.4f} {discrimination['most_alike']}, "
          f"min {discrimination['min_off_diagonal_cosine']:.4f}")
    for name, case in sensitivity["cases"].items():
        print(f"  {name:22s} cosine min {case['min']:.7f} median {case['median']:.7f} max {case['max']:.7f}")
    if check_discrimination:
        check_thresholds_are_meaningful(discrimination, sensitivity["cases"])
    return reference


def check_thresholds_are_meaningful(discrimination, cases):
    """For the committed test model: the fidelity tests' cosine >= 0.9999 must separate right from wrong."""
    problems = []
    if discrimination["mean_off_diagonal_cosine"] >= 0.5 or discrimination["max_off_diagonal_cosine"] >= 0.98:
        problems.append(f"photos are too alike: {discrimination['mean_off_diagonal_cosine']} mean, "
                        f"{discrimination['max_off_diagonal_cosine']} max")
    for name in ("naive_bicubic_resize", "crop_shifted_1px", "channels_bgr"):
        if cases[name]["median"] >= 0.9999:
            problems.append(f"{name} is not caught by cosine >= 0.9999 (median {cases[name]['median']})")
    if cases["rounding_noise_10pct"]["min"] < 0.9999:
        problems.append(f"rounding-level noise already fails cosine >= 0.9999 ({cases['rounding_noise_10pct']})")
    if problems:
        raise AssertionError("the model cannot support the parity tests: " + "; ".join(problems))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", required=True, help="directory with model.pt and model.json")
    parser.add_argument("--images", required=True, help="images directory (walked recursively)")
    parser.add_argument("--check-discrimination", action="store_true",
                        help="fail unless the model separates the photos and the sensitivity cases")
    args = parser.parse_args(argv)
    write_reference(args.model_dir, args.images, args.check_discrimination)


if __name__ == "__main__":
    main()
