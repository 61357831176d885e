"""Houlsby adapter reference (l2m-spec.md section 3): after the attention output projection and after the MLP
output projection of each chosen block, before the residual add: y + up(swish(down(y))). (The residual
dropout the original applies before the adapter is off in these tests.)"""
import torch.nn as nn
import torch.nn.functional as F


class AdaptedProj(nn.Module):
    def __init__(self, base, bottleneck):
        super().__init__()
        self.weight, self.bias = base.weight, base.bias
        d = base.weight.shape[0]
        self.adapter_down = nn.Linear(d, bottleneck)
        self.adapter_up = nn.Linear(bottleneck, d)

    def forward(self, x):
        y = F.linear(x, self.weight, self.bias)
        return y + self.adapter_up(F.silu(self.adapter_down(y)))


def inject(model, cfg):
    d = model.c["dModel"]
    m = cfg.get("bottleneck") or max(1, int(d // cfg["reductionFactor"]))
    n = len(model.blocks)
    layers = range(n) if cfg["layers"] == "all" else [l % n for l in cfg["layers"]]
    for l in layers:
        blk = model.blocks[l]
        if cfg["attention"]:
            blk.attn.c_proj = AdaptedProj(blk.attn.c_proj, m)
        if cfg["ffn"]:
            blk.mlp.c_proj = AdaptedProj(blk.mlp.c_proj, m)
