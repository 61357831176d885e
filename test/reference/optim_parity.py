"""PyTorch side of test/torch-optim.test.ts: applies torch.optim to given parameters with given
per-step gradients and writes the final parameters.

usage: optim_parity.py <in.safetensors> <out.safetensors>
input: p.<i> initial parameters, g.<step>.<i> gradients; metadata 'spec' = JSON list of runs
       {name, type, groups: [{params: [i...], ...hyper-parameters}], steps, clip?}
output: <run>.p.<i> final parameters, <run>.norm.<step> clip norms
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

tensors, meta = st_io.load(sys.argv[1])
spec = json.loads(meta["spec"])
out = {}
for run in spec:
    n = len([k for k in tensors if k.startswith("p.")])
    params = [torch.nn.Parameter(tensors[f"p.{i}"].clone()) for i in range(n)]
    groups = []
    for g in run["groups"]:
        group = {"params": [params[i] for i in g["params"]]}
        for k, v in g.items():
            if k == "params":
                continue
            key = {"weightDecay": "weight_decay"}.get(k, k)
            group[key] = tuple(v) if k == "betas" else v
        groups.append(group)
    cls = {"Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW, "SGD": torch.optim.SGD}[run["type"]]
    opt = cls(groups, lr=run["groups"][0].get("lr", 1e-3))
    for step in range(run["steps"]):
        for i, p in enumerate(params):
            key = f"g.{step}.{i}"
            p.grad = tensors[key].clone() if key in tensors else None
        if run.get("clip"):
            norm = torch.nn.utils.clip_grad_norm_(params, run["clip"])
            out[f"{run['name']}.norm.{step}"] = norm.reshape(1)
        opt.step()
    for i, p in enumerate(params):
        out[f"{run['name']}.p.{i}"] = p.detach()
st_io.save(sys.argv[2], out)
