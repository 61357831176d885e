"""PyTorch side of the adaptation parity tests: builds AdaptDT, injects the method named in the input's
metadata with its config (module adapt_<name>.py), loads every parameter by name, computes the loss and
the gradients of the trainable parameters, writes them back.

usage: adapt_parity.py <in.safetensors> <out.safetensors>
metadata: config (model), method, method_config (JSON), trainable (JSON list of names)
"""
import importlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adapt_model import AdaptDT  # noqa: E402
import st_io  # noqa: E402

torch.set_num_threads(1)
tensors, meta = st_io.load(sys.argv[1])
model = AdaptDT(json.loads(meta["config"]))
method = importlib.import_module("adapt_" + meta["method"].replace("-", "_"))
method.inject(model, json.loads(meta["method_config"]))
params = {k[len("param."):]: v for k, v in tensors.items() if k.startswith("param.")}
model.load_state_dict(params, strict=True)
trainable = set(json.loads(meta["trainable"]))
for name, p in model.named_parameters():
    p.requires_grad_(name in trainable)
batch = [tensors[k] for k in ("states", "actionTokens", "returnsToGo", "rewards", "timesteps")]
batch.append(tensors["attentionMask"].bool())
task_ids = tensors.get("taskIds")
loss = model.loss(batch, tensors["actionMask"], task_ids=task_ids)
loss.backward()
out = {"loss": loss.detach().reshape(1)}
for name, p in model.named_parameters():
    if name in trainable:
        out["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
st_io.save(sys.argv[2], out, {"names": json.dumps(sorted(n for n, _ in model.named_parameters()))})
