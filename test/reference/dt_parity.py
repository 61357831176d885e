"""PyTorch side of test/model-parity.test.ts: loads weights and a batch written by the TypeScript test,
computes the Decision Transformer loss and gradients with dt_model.py, writes them back.

usage: dt_parity.py <in.safetensors> <out.safetensors>   (config, optionally autocast and device, in the input's metadata)
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dt_model import DT  # noqa: E402
import st_io  # noqa: E402

torch.set_num_threads(1)
tensors, meta = st_io.load(sys.argv[1])
# meta["device"]: where to compute (default cpu; test/gpu.test.ts runs it on cuda).
device = meta.get("device", "cpu")
model = DT(json.loads(meta["config"]))
model.load_state_dict({k[len("param."):]: v for k, v in tensors.items() if k.startswith("param.")}, strict=True)
model.to(device)
batch = [tensors[k].to(device) for k in ("states", "actionTokens", "returnsToGo", "rewards", "timesteps")]
batch.append(tensors["attentionMask"].bool().to(device))
# meta["autocast"] = "bfloat16" / "float16": the loss under autocast (mixed precision tests).
amp = {"bfloat16": torch.bfloat16, "float16": torch.float16}.get(meta.get("autocast", ""))
with torch.autocast("cuda" if device.startswith("cuda") else "cpu", dtype=amp, enabled=amp is not None):
    loss = model.loss(batch, tensors["actionMask"].to(device))
loss.backward()
out = {"loss": loss.detach().float().reshape(1).cpu()}
for name, p in model.named_parameters():
    out["grad." + name] = (p.grad if p.grad is not None else torch.zeros_like(p)).cpu()
st_io.save(sys.argv[2], out, {"names": json.dumps([n for n, _ in model.named_parameters()])})
