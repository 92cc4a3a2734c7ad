#!/usr/bin/python3
"""Self-test of scripts/clip_model.py that needs no download: /usr/bin/python3 scripts/clip_model_selftest.py

- the encoder agrees with an independent formulation (torch's own multi-head attention);
- a checkpoint shaped like openai/clip-vit-base-patch32's pytorch_model.bin (a whole CLIPModel: text tower,
  logit_scale, the old persistent position_ids buffer) loads by name and gives the same vectors;
- missing or unexpected vision keys, and a directory without pytorch_model.bin, fail with clear messages;
- the exported TorchScript works at batch 1 and 8, in float32 and bfloat16.
"""
import json
import os
import sys
import tempfile

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clip_model as cm  # noqa: E402

CFG = cm.VisionConfig(width=64, layers=2, heads=4, mlp=128, patch=32, image_size=224, projection=512)


def independent_forward(model, pixel_values):
    """The same network written with torch's multi_head_attention_forward instead of our CLIPAttention."""
    vm = model.vision_model
    emb = vm.embeddings
    x = F.conv2d(pixel_values, emb.patch_embedding.weight, stride=CFG.patch).flatten(2).permute(2, 0, 1)  # T,B,C
    cls = emb.class_embedding.view(1, 1, -1).expand(1, x.shape[1], -1)
    x = torch.cat([cls, x]) + emb.position_embedding.weight[:, None, :]
    x = F.layer_norm(x, (CFG.width,), vm.pre_layrnorm.weight, vm.pre_layrnorm.bias, 1e-5)
    for layer in vm.encoder.layers:
        a = layer.self_attn
        h = F.layer_norm(x, (CFG.width,), layer.layer_norm1.weight, layer.layer_norm1.bias, 1e-5)
        h, _ = F.multi_head_attention_forward(
            h, h, h, CFG.width, CFG.heads,
            torch.cat([a.q_proj.weight, a.k_proj.weight, a.v_proj.weight]),
            torch.cat([a.q_proj.bias, a.k_proj.bias, a.v_proj.bias]),
            None, None, False, 0.0, a.out_proj.weight, a.out_proj.bias, training=False, need_weights=False)
        x = x + h
        h = F.layer_norm(x, (CFG.width,), layer.layer_norm2.weight, layer.layer_norm2.bias, 1e-5)
        h = F.linear(h, layer.mlp.fc1.weight, layer.mlp.fc1.bias)
        h = h * torch.sigmoid(1.702 * h)
        x = x + F.linear(h, layer.mlp.fc2.weight, layer.mlp.fc2.bias)
    pooled = F.layer_norm(x[0], (CFG.width,), vm.post_layernorm.weight, vm.post_layernorm.bias, 1e-5)
    return F.normalize(pooled @ model.visual_projection.weight.T, dim=-1)


def fake_clip_checkpoint(model, directory, mutate=None):
    """A whole-CLIPModel state_dict, as the hub's pytorch_model.bin holds, plus its config.json."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["vision_model.embeddings.position_ids"] = torch.arange(CFG.num_positions).expand((1, -1))
    state["text_model.embeddings.position_ids"] = torch.arange(77).expand((1, -1))
    state["text_model.embeddings.token_embedding.weight"] = torch.randn(10, 32)
    state["text_projection.weight"] = torch.randn(512, 32)
    state["logit_scale"] = torch.tensor(2.6592)
    if mutate:
        mutate(state)
    torch.save(state, os.path.join(directory, "pytorch_model.bin"))
    config = {"vision_config": {"hidden_size": CFG.width, "num_attention_heads": CFG.heads,
                                "hidden_act": "quick_gelu", "image_size": CFG.image_size, "patch_size": CFG.patch}}
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f)


def expect_error(path, fragment):
    try:
        cm.load_hf_weights(path)
    except cm.WeightsError as error:
        assert fragment in str(error), f"error {error!r} does not mention {fragment!r}"
        print(f"ok: refused as expected: {str(error)[:150]}")
        return
    raise AssertionError(f"{path} loaded but should have failed with {fragment!r}")


def main():
    torch.manual_seed(0)
    original = cm.CLIPVisionModelWithProjection(CFG)
    cm.init_random(original, CFG)
    original.eval()
    pixels = cm.example_batch(CFG, 3, 0)
    with torch.no_grad():
        ours, theirs = original(pixels), independent_forward(original, pixels)
    assert (ours - theirs).abs().max() < 1e-5, f"independent formulation differs by {(ours - theirs).abs().max()}"
    print(f"ok: matches torch's multi-head attention formulation (max diff {(ours - theirs).abs().max():.2e})")

    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "good")
        os.makedirs(good)
        fake_clip_checkpoint(original, good)
        loaded, cfg, info = cm.load_hf_weights(good)
        assert cfg == CFG, f"inferred {cfg}, expected {CFG}"
        with torch.no_grad():
            assert torch.equal(loaded(pixels), ours), "loaded weights give different vectors"
        print(f"ok: CLIPModel checkpoint loads by name, config inferred {cfg}, ignored {info['ignored_key_prefixes']}")

        out = os.path.join(tmp, "exported")
        cm.main(["--hf-weights", os.path.join(good, "pytorch_model.bin"), "--out", out, "--model-name", "test/x"])
        with open(os.path.join(out, "model.json")) as f:
            meta = json.load(f)
        assert meta["model_name"] == "test/x" and meta["dimension"] == 512 and meta["heads"] == CFG.heads
        assert meta["sha256"] == cm.sha256_file(os.path.join(out, "model.pt"))
        traced = torch.jit.load(os.path.join(out, "model.pt"))
        for batch in (1, 8):
            x = cm.example_batch(CFG, batch, batch)
            with torch.no_grad():
                assert (traced(x) - original(x)).abs().max() < 1e-5, f"exported model differs at batch {batch}"
        print("ok: exported TorchScript equals the eager model at batch 1 and 8")

        out16 = os.path.join(tmp, "bf16")
        cm.main(["--hf-weights", good, "--out", out16, "--bf16"])
        traced16 = torch.jit.load(os.path.join(out16, "model.pt"))
        with torch.no_grad():
            vectors16 = traced16(pixels)
        assert vectors16.dtype == torch.float32 and vectors16.shape == (3, 512)
        cosine = float(F.cosine_similarity(vectors16, ours).min())
        assert cosine > 0.99, f"bf16 cosine to fp32 {cosine}"
        print(f"ok: bf16 export returns float32 [3, 512], min cosine to fp32 {cosine:.5f}")

        for name, mutate, fragment in [
            ("missing", lambda s: s.pop("vision_model.encoder.layers.1.mlp.fc2.bias"), "missing keys"),
            ("unexpected", lambda s: s.update({"vision_model.encoder.layers.0.self_attn.rope.weight": torch.ones(1)}),
             "unexpected keys"),
            ("bad-position-ids", lambda s: s.update({"vision_model.embeddings.position_ids": torch.zeros(1, 50)}),
             "position_ids"),
            ("text-only", lambda s: [s.pop(k) for k in list(s) if k.startswith(("vision_model", "visual_"))],
             "no vision_model"),
        ]:
            directory = os.path.join(tmp, name)
            os.makedirs(directory)
            fake_clip_checkpoint(original, directory, mutate)
            expect_error(directory, fragment)

        only_safetensors = os.path.join(tmp, "safetensors")
        os.makedirs(only_safetensors)
        open(os.path.join(only_safetensors, "model.safetensors"), "wb").close()
        expect_error(only_safetensors, "no pytorch_model.bin")
        expect_error(os.path.join(tmp, "nowhere"), "no such file")
    print("all self-tests passed")


if __name__ == "__main__":
    main()
