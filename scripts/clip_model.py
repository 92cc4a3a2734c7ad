#!/usr/bin/python3
"""CLIP ViT image encoder in plain torch, exported as TorchScript for the Java worker (DJL).

The module tree and parameter names are those of Hugging Face `CLIPVisionModelWithProjection`
(transformers' modeling_clip.py), so the real `openai/clip-vit-base-patch32` weights load by name
with a strict state_dict load. The only behavioural difference from HF is that `forward` returns
the L2-normalised projected embedding (what HF users compute as
`f = model.get_image_features(...); f / f.norm(dim=-1, keepdim=True)`), because that is the vector
the worker stores.

Uses only torch, PIL and numpy (Debian's python3-torch 1.13 / python3-pil), no transformers.
Run with /usr/bin/python3: the `python3` first on PATH may be a pyenv without torch.

Examples:
  scripts/clip_model.py --small --out src/test/resources/clip-small --reference ../shared/images
  scripts/clip_model.py --full-size-random --out /tmp/clip-full
  scripts/clip_model.py --hf-weights /path/to/clip-vit-base-patch32 --out /var/lib/cis-worker/model
"""
import argparse
import copy
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass

import torch
from torch import nn

DEFAULT_SEED = 0


@dataclass
class VisionConfig:
    width: int
    layers: int
    heads: int
    mlp: int
    patch: int
    image_size: int
    projection: int
    layer_norm_eps: float = 1e-5

    @property
    def num_positions(self):
        return (self.image_size // self.patch) ** 2 + 1


# Test configuration committed under src/test/resources: small enough for a few MB, same architecture.
SMALL = VisionConfig(width=64, layers=2, heads=2, mlp=256, patch=32, image_size=224, projection=512)
# ViT-B/32, the shape of openai/clip-vit-base-patch32's vision tower.
VIT_B_32 = VisionConfig(width=768, layers=12, heads=12, mlp=3072, patch=32, image_size=224, projection=512)


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def linear(layer, x):
    """layer(x) in the layer's weight dtype, handed back in x's: in the bf16 export (mixed_bf16) the Linear layers
    hold bf16 weights and run in bf16 while everything around them stays float32; in float32 both casts are no-ops."""
    return layer(x.to(layer.weight.dtype)).to(x.dtype)


class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_dim = cfg.width
        self.class_embedding = nn.Parameter(torch.zeros(cfg.width))
        self.patch_embedding = nn.Conv2d(3, cfg.width, kernel_size=cfg.patch, stride=cfg.patch, bias=False)
        self.position_embedding = nn.Embedding(cfg.num_positions, cfg.width)
        # Not persistent, as in current transformers; old checkpoints that still carry it are handled on load.
        self.register_buffer("position_ids", torch.arange(cfg.num_positions).expand((1, -1)), persistent=False)

    def forward(self, pixel_values):
        batch_size = pixel_values.shape[0]
        patch_embeds = self.patch_embedding(pixel_values.to(dtype=self.patch_embedding.weight.dtype))
        patch_embeds = patch_embeds.flatten(2).transpose(1, 2)
        class_embeds = self.class_embedding.expand(batch_size, 1, -1)
        embeddings = torch.cat([class_embeds, patch_embeds], dim=1)
        return embeddings + self.position_embedding(self.position_ids)


class CLIPAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_dim = cfg.width
        self.num_heads = cfg.heads
        self.head_dim = cfg.width // cfg.heads
        if self.head_dim * self.num_heads != self.embed_dim:
            raise ValueError(f"width {cfg.width} is not divisible by heads {cfg.heads}")
        self.scale = self.head_dim ** -0.5
        self.k_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.v_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.q_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.out_proj = nn.Linear(self.embed_dim, self.embed_dim)

    def _heads(self, x):
        # [B, T, C] -> [B, H, T, D]; -1 for T keeps the traced graph free of baked-in sizes.
        return x.reshape(x.shape[0], -1, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, hidden_states):
        queries = self._heads(linear(self.q_proj, hidden_states))
        keys = self._heads(linear(self.k_proj, hidden_states))
        values = self._heads(linear(self.v_proj, hidden_states))
        # HF eager attention: scores * scale, softmax in float32, back to the working dtype.
        attn_weights = torch.matmul(queries, keys.transpose(-1, -2)) * self.scale
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(queries.dtype)
        attn_output = torch.matmul(attn_weights, values).transpose(1, 2)
        attn_output = attn_output.reshape(hidden_states.shape[0], -1, self.embed_dim)
        return linear(self.out_proj, attn_output)


class CLIPMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc1 = nn.Linear(cfg.width, cfg.mlp)
        self.fc2 = nn.Linear(cfg.mlp, cfg.width)

    def forward(self, hidden_states):
        return linear(self.fc2, quick_gelu(linear(self.fc1, hidden_states)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self_attn = CLIPAttention(cfg)
        self.layer_norm1 = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)
        self.mlp = CLIPMLP(cfg)
        self.layer_norm2 = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)

    def forward(self, hidden_states):
        hidden_states = hidden_states + self.self_attn(self.layer_norm1(hidden_states))
        return hidden_states + self.mlp(self.layer_norm2(hidden_states))


class CLIPEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(cfg) for _ in range(cfg.layers)])

    def forward(self, hidden_states):
        for layer in self.layers:
            hidden_states = layer(hidden_states)
        return hidden_states


class CLIPVisionTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = CLIPVisionEmbeddings(cfg)
        self.pre_layrnorm = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)  # sic: HF's spelling
        self.encoder = CLIPEncoder(cfg)
        self.post_layernorm = nn.LayerNorm(cfg.width, eps=cfg.layer_norm_eps)

    def forward(self, pixel_values):
        hidden_states = self.pre_layrnorm(self.embeddings(pixel_values))
        last_hidden_state = self.encoder(hidden_states)
        return self.post_layernorm(last_hidden_state[:, 0, :])  # pooled output: the class token


class CLIPVisionModelWithProjection(nn.Module):
    """Same state_dict keys as HF's class of this name; forward returns the L2-normalised embedding."""

    def __init__(self, cfg):
        super().__init__()
        self.vision_model = CLIPVisionTransformer(cfg)
        self.visual_projection = nn.Linear(cfg.width, cfg.projection, bias=False)

    def forward(self, pixel_values):
        image_embeds = self.visual_projection(self.vision_model(pixel_values))
        # float32 before normalising, so a bf16 variant still hands back float32 unit vectors.
        image_embeds = image_embeds.float()
        return image_embeds / image_embeds.norm(p=2, dim=-1, keepdim=True)



# --- random initialisation -------------------------------------------------------------------------------

# HF's init (CLIPPreTrainedModel._init_weights) with two gains on top. With HF's scales alone, a random
# CLIP barely looks at the image: q/k are so small that attention is a near-uniform average, and the
# attention output is small next to the constant class embedding in the residual stream, so every photo
# lands on almost the same vector (measured on ../shared/images with the small config: mean pairwise
# cosine 0.91, max 0.998, and a non-antialiased resize still scores >= 0.9999 on most photos), which
# would make a cosine >= 0.9999 parity test meaningless. Doubling the q/k std makes attention
# content-dependent; tripling the v/out std lets what attention gathers outweigh the class embedding.
# Measured then: mean pairwise cosine ~0.05, max ~0.95; a naive resize or a 1-pixel crop shift falls
# below 0.9999, while +-1/255 on 10% of the pixels (rounding-level differences) stays above 0.99998.
# clip_reference.py recomputes these figures into reference.json on every run.
QK_GAIN = 2.0
VO_GAIN = 3.0


def init_random(model, cfg, factor=1.0, initializer_range=0.02):
    emb = model.vision_model.embeddings
    nn.init.normal_(emb.class_embedding, std=cfg.width ** -0.5 * factor)
    nn.init.normal_(emb.patch_embedding.weight, std=initializer_range * factor)
    nn.init.normal_(emb.position_embedding.weight, std=initializer_range * factor)
    in_proj_std = cfg.width ** -0.5 * (2 * cfg.layers) ** -0.5 * factor
    out_proj_std = cfg.width ** -0.5 * factor
    fc_std = (2 * cfg.width) ** -0.5 * factor
    for layer in model.vision_model.encoder.layers:
        attn = layer.self_attn
        nn.init.normal_(attn.q_proj.weight, std=in_proj_std * QK_GAIN)
        nn.init.normal_(attn.k_proj.weight, std=in_proj_std * QK_GAIN)
        nn.init.normal_(attn.v_proj.weight, std=in_proj_std * VO_GAIN)
        nn.init.normal_(attn.out_proj.weight, std=out_proj_std * VO_GAIN)
        nn.init.normal_(layer.mlp.fc1.weight, std=fc_std)
        nn.init.normal_(layer.mlp.fc2.weight, std=in_proj_std)
    nn.init.normal_(model.visual_projection.weight, std=cfg.width ** -0.5 * factor)
    for module in model.modules():
        if isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)


def random_model(cfg, seed):
    torch.manual_seed(seed)
    model = CLIPVisionModelWithProjection(cfg)
    init_random(model, cfg)
    return model.eval()


# --- real weights ----------------------------------------------------------------------------------------

class WeightsError(Exception):
    pass


def find_weights_file(path):
    if os.path.isfile(path):
        return path
    if os.path.isdir(path):
        candidate = os.path.join(path, "pytorch_model.bin")
        if os.path.isfile(candidate):
            return candidate
        present = sorted(os.listdir(path))
        raise WeightsError(f"{path} has no pytorch_model.bin (found: {', '.join(present) or 'nothing'}); "
                           "download pytorch_model.bin from the model repository (model.safetensors is not read)")
    raise WeightsError(f"{path}: no such file or directory")


def read_hf_vision_config(weights_file):
    """config.json beside the weights, if any: the only place the number of heads is written down."""
    config_path = os.path.join(os.path.dirname(os.path.abspath(weights_file)), "config.json")
    if not os.path.isfile(config_path):
        return {}
    with open(config_path) as f:
        config = json.load(f)
    return config.get("vision_config", config)


def load_hf_weights(path):
    """Returns (model, cfg, info) for a HF CLIPModel or CLIPVisionModelWithProjection checkpoint."""
    weights_file = find_weights_file(path)
    try:
        state = torch.load(weights_file, map_location="cpu", weights_only=True)
    except TypeError:  # torch older than 1.13 has no weights_only
        state = torch.load(weights_file, map_location="cpu")
    if not isinstance(state, dict):
        raise WeightsError(f"{weights_file}: expected a state_dict, got {type(state).__name__}")
    vision = {k: v for k, v in state.items() if k.startswith(("vision_model.", "visual_projection."))}
    if not vision:
        sample = ", ".join(sorted(state)[:5])
        raise WeightsError(f"{weights_file}: no vision_model.* / visual_projection.* keys (first keys: {sample})")

    # Older transformers saved this buffer; it must be the identity 0..N-1 or the checkpoint is not CLIP's.
    position_ids = vision.pop("vision_model.embeddings.position_ids", None)
    if position_ids is not None and not torch.equal(position_ids.flatten().long(),
                                                    torch.arange(position_ids.numel())):
        raise WeightsError("vision_model.embeddings.position_ids is not 0..N-1; unsupported checkpoint")

    def shape(key):
        if key not in vision:
            raise WeightsError(f"{weights_file}: missing key {key}")
        return tuple(vision[key].shape)

    hf_config = read_hf_vision_config(weights_file)
    width = shape("vision_model.embeddings.class_embedding")[0]
    patch = shape("vision_model.embeddings.patch_embedding.weight")[-1]
    num_positions = shape("vision_model.embeddings.position_embedding.weight")[0]
    grid = math.isqrt(num_positions - 1)
    layers = len({k.split(".")[3] for k in vision if k.startswith("vision_model.encoder.layers.")})
    # Every OpenAI CLIP vision tower uses 64-dim heads; config.json, when present, says so explicitly.
    heads = int(hf_config.get("num_attention_heads", width // 64))
    activation = hf_config.get("hidden_act", "quick_gelu")
    if activation != "quick_gelu":
        raise WeightsError(f"hidden_act {activation!r} is not supported (this encoder implements quick_gelu)")
    cfg = VisionConfig(
        width=width, layers=layers, heads=heads,
        mlp=shape("vision_model.encoder.layers.0.mlp.fc1.weight")[0],
        patch=patch, image_size=grid * patch,
        projection=shape("visual_projection.weight")[0],
        layer_norm_eps=float(hf_config.get("layer_norm_eps", 1e-5)),
    )
    if grid * grid != num_positions - 1 or ("image_size" in hf_config and hf_config["image_size"] != cfg.image_size):
        raise WeightsError(f"position embeddings ({num_positions}) do not match a square grid of {patch}px patches")

    model = CLIPVisionModelWithProjection(cfg)
    # strict in effect: any missing or unexpected key fails, with both lists in one message.
    missing, unexpected = model.load_state_dict({k: v.float() for k, v in vision.items()}, strict=False)
    if missing or unexpected:
        raise WeightsError(f"{weights_file} does not match CLIPVisionModelWithProjection({cfg}): "
                           f"missing keys {missing}, unexpected keys {unexpected}")
    ignored = set(state) - set(vision) - {"vision_model.embeddings.position_ids"}
    info = {"weights_file": os.path.basename(weights_file), "weights_sha256": sha256_file(weights_file),
            "ignored_key_prefixes": sorted({key.split(".")[0] for key in ignored})}
    return model.eval(), cfg, info


# --- export ------------------------------------------------------------------------------------------------

def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def mixed_bf16(model):
    """The bf16 export: a copy whose transformer Linear layers (q/k/v/out_proj, fc1/fc2: nearly all the FLOPs) hold
    bf16 weights and run in bf16 (see linear), while the patch and position embeddings, every LayerNorm, the
    residual stream, QuickGELU, the attention scores, softmax and weighted sum (50 tokens: a few per cent of the
    FLOPs) and the final projection + normalisation stay float32.

    Measured on ../shared/images (23 decodable files, small test model, Debian's torch 1.13): min cosine to the fp32
    model 0.999983 at batch 1 and 8, against 0.99991 with the attention and MLP blocks wholly in bf16 and 0.9931 with
    the whole model cast (the residual stream and LayerNorms in bf16 too, the export before this one), whose rounding
    adds up over the layers."""
    mixed = copy.deepcopy(model).eval()
    for layer in mixed.vision_model.encoder.layers:
        for projection in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj,
                           layer.self_attn.out_proj, layer.mlp.fc1, layer.mlp.fc2):
            projection.to(torch.bfloat16)
    return mixed


def example_batch(cfg, batch_size, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch_size, 3, cfg.image_size, cfg.image_size, generator=generator)


def min_cosine(a, b):
    return float(nn.functional.cosine_similarity(a.double(), b.double(), dim=-1).min())


def trace_and_save(model, cfg, path):
    """Traces with batch 2, has the tracer re-check batches 1 and 8, saves, and checks the reloaded file."""
    trace_input = example_batch(cfg, 2, 1)
    other_batches = [(example_batch(cfg, 1, 2),), (example_batch(cfg, 8, 3),)]
    with torch.no_grad():
        traced = torch.jit.trace(model, trace_input, check_trace=True, check_inputs=other_batches)
    torch.jit.save(traced, path)
    reloaded = torch.jit.load(path)
    for (batch,) in other_batches:
        with torch.no_grad():
            expected, actual = model(batch), reloaded(batch)
        if actual.shape != (batch.shape[0], cfg.projection) or actual.dtype != torch.float32:
            raise AssertionError(f"saved model returns {tuple(actual.shape)} {actual.dtype} for batch {batch.shape[0]}")
        worst = float((expected - actual).abs().max())
        if worst > 1e-5:
            raise AssertionError(f"saved model differs from eager by {worst} at batch {batch.shape[0]}")
    return reloaded


def time_per_image(model, cfg, batch_size, repeats):
    batch = example_batch(cfg, batch_size, 4)
    with torch.no_grad():
        model(batch)  # warm-up: TorchScript profiles and optimises on the first calls
        model(batch)
        start = time.perf_counter()
        for _ in range(repeats):
            model(batch)
    return (time.perf_counter() - start) / (repeats * batch_size)


def export(model, cfg, out_dir, model_name, source, seed, bf16, extra, stem="model"):
    """Writes out_dir/<stem>.pt and its metadata out_dir/<stem>.json (the worker reads the json beside the file)."""
    os.makedirs(out_dir, exist_ok=True)
    model_path = os.path.join(out_dir, stem + ".pt")
    extra = dict(extra)
    dtype = "float32"
    fp32_model = model
    if bf16:
        model = mixed_bf16(fp32_model)
        dtype = "bfloat16"
        extra["precision"] = ("bf16 weights and matmuls in the transformer's Linear layers; float32 embeddings, "
                              "LayerNorms, residual stream, attention softmax and projection (see mixed_bf16)")
    traced = trace_and_save(model, cfg, model_path)
    if bf16:
        batch = example_batch(cfg, 8, 5)
        with torch.no_grad():
            extra["bf16_min_cosine_to_fp32_on_random_input"] = round(min_cosine(fp32_model(batch), traced(batch)), 6)
    meta = {
        "model_name": model_name,
        "dimension": cfg.projection,
        "image_size": cfg.image_size,
        "width": cfg.width,
        "layers": cfg.layers,
        "heads": cfg.heads,
        "mlp": cfg.mlp,
        "patch": cfg.patch,
        "seed": seed,
        "dtype": dtype,
        "source": source,
        "output": "L2-normalised image embedding, float32 [N, dimension]; input float32 [N, 3, image_size, image_size]",
        "sha256": sha256_file(model_path),
        "torch_version": torch.__version__,
        **extra,
    }
    with open(os.path.join(out_dir, stem + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    return traced, meta


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--small", action="store_true", help="small random test model (committed under test resources)")
    source.add_argument("--full-size-random", action="store_true", help="ViT-B/32-sized random model, for benchmarks")
    source.add_argument("--hf-weights", metavar="PATH", help="pytorch_model.bin of a HF CLIP model, or its directory")
    parser.add_argument("--out", required=True, metavar="DIR", help="writes DIR/model.pt and DIR/model.json (and model-bf16.pt/.json)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random init seed (default {DEFAULT_SEED})")
    parser.add_argument("--bf16", action="store_true",
                        help="model.pt itself the bf16 export (see mixed_bf16; input and output float32), and no separate bf16 export")
    parser.add_argument("--no-bf16-export", action="store_true",
                        help="do not write model-bf16.pt/model-bf16.json beside model.pt (written by default: the "
                             "worker's MODEL_PRECISION=auto loads it on CPUs with AMX)")
    parser.add_argument("--model-name", help="name written to model.json (defaults depend on the source)")
    parser.add_argument("--reference", metavar="IMAGES_DIR",
                        help="also write reference.json and tensors/ for every image under IMAGES_DIR")
    parser.add_argument("--timing", action="store_true", help="print per-image CPU time at batch 1 and 8")
    parser.add_argument("--threads", type=int,
                        help="torch intra-op threads (default: torch's own; Debian's torch 1.13 starts with 1)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    started = time.perf_counter()
    extra = {}
    if args.hf_weights:
        model, cfg, info = load_hf_weights(args.hf_weights)
        seed, source = None, "hf-weights"
        name = args.model_name or "openai/clip-vit-base-patch32"
        extra.update(info)
    else:
        cfg = SMALL if args.small else VIT_B_32
        seed, source = args.seed, "random-small" if args.small else "random-full-size"
        model = random_model(cfg, seed)
        name = args.model_name or ("cis-test/clip-vit-small-random" if args.small
                                   else "cis-test/clip-vit-base-patch32-random")
        extra["init"] = f"HF CLIP init scales, q/k std x{QK_GAIN}, v/out std x{VO_GAIN} (see init_random)"
    traced, meta = export(model, cfg, args.out, name, source, seed, args.bf16, extra)
    size = os.path.getsize(os.path.join(args.out, "model.pt"))
    print(f"wrote {args.out}/model.pt ({size / 1e6:.2f} MB, sha256 {meta['sha256'][:16]}...) and model.json "
          f"[{name}, {cfg}] in {time.perf_counter() - started:.1f} s")
    if not args.bf16 and not args.no_bf16_export:
        # The same weights in bf16 beside the fp32 file: what the worker loads by default on CPUs with AMX.
        _, bf16_meta = export(model, cfg, args.out, name, source, seed, True, extra, stem="model-bf16")
        print(f"wrote {args.out}/model-bf16.pt (sha256 {bf16_meta['sha256'][:16]}..., min cosine to fp32 on random "
              f"input {bf16_meta['bf16_min_cosine_to_fp32_on_random_input']}) and model-bf16.json")
    if args.timing:
        for batch_size, repeats in ((1, 20), (8, 5)):
            print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: batch {batch_size}: "
                  f"{time_per_image(traced, cfg, batch_size, repeats) * 1000:.1f} ms per image")
    if args.reference:
        import clip_reference
        clip_reference.write_reference(args.out, args.reference, check_discrimination=args.small)
    print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except WeightsError as error:
        sys.exit(f"error: {error}")
