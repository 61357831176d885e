"""LoRA reference (l2m-spec.md section 3-4): Q and V of the fused c_attn (K optional) and the FFN's residual
low-rank map on the c_fc output, u + s * (u A B). Factors carry a leading pool axis (rows)."""
import torch
import torch.nn as nn

from adapt_model import rows_of


class LoraAttention(nn.Module):
    def __init__(self, base, model, slices, rank, scale, rows):
        super().__init__()
        self.weight, self.bias = base.weight, base.bias
        self.model, self.slices, self.scale = [model], slices, scale
        d_in, d = base.weight.shape[1], base.weight.shape[0] // 3
        for s in "qkv":
            if slices[s]:
                setattr(self, "lora_A_" + s, nn.Parameter(torch.zeros(rows, d_in, rank)))
                setattr(self, "lora_B_" + s, nn.Parameter(torch.zeros(rows, rank, d)))

    def forward(self, x):
        y = torch.nn.functional.linear(x, self.weight, self.bias)
        d = y.shape[-1] // 3
        r = rows_of(self.model[0], x.shape[0])
        parts = []
        for i, s in enumerate("qkv"):
            part = y[..., i * d:(i + 1) * d]
            if self.slices[s]:
                A, B = getattr(self, "lora_A_" + s)[r], getattr(self, "lora_B_" + s)[r]
                part = part + self.scale * torch.bmm(torch.bmm(x, A), B)
            parts.append(part)
        return torch.cat(parts, -1)


class LoraResidual(nn.Module):
    def __init__(self, base, model, rank, scale, rows):
        super().__init__()
        self.weight, self.bias = base.weight, base.bias
        self.model, self.scale = [model], scale
        d = base.weight.shape[0]
        self.lora_A = nn.Parameter(torch.zeros(rows, d, rank))
        self.lora_B = nn.Parameter(torch.zeros(rows, rank, d))

    def forward(self, x):
        u = torch.nn.functional.linear(x, self.weight, self.bias)
        r = rows_of(self.model[0], x.shape[0])
        return u + self.scale * torch.bmm(torch.bmm(u, self.lora_A[r]), self.lora_B[r])


def layers_of(model, layers):
    n = len(model.blocks)
    return list(range(n)) if layers == "all" else [l % n for l in layers]


def inject_lora(model, cfg, rows=1):
    scale = cfg["alpha"] / cfg["rank"]
    for l in layers_of(model, cfg["layers"]):
        blk = model.blocks[l]
        if cfg["q"] or cfg["k"] or cfg["v"]:
            blk.attn.c_attn = LoraAttention(blk.attn.c_attn, model, {s: cfg[s] for s in "qkv"}, cfg["rank"], scale, rows)
        if cfg["ffn"]:
            blk.mlp.c_fc = LoraResidual(blk.mlp.c_fc, model, cfg["rank"], scale, rows)


def inject(model, cfg):
    inject_lora(model, cfg)
