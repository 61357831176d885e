"""Prefix tuning reference (l2m-spec.md section 3: `prefix=True` gives per-layer key/value prefixes, the
original's past_key_values; optional MLP re-parameterisation "hidden/2, Tanh").

The prompt embedding `adapt.prompt` is repeated for every window, then (with `reparametrize`) goes
through `adapt.mlp` = Linear(E, E // reduction), Tanh, Linear(E // reduction, 2 * L' * d), E = 2 * L' * d
(`embedding: kv`, the original's width) or d (`embedding: model`). The result, read as
[B, P, 2 * L', H, hd] and permuted to [2 * L', B, H, P, hd], gives layer slot j its key (2j) and value (2j + 1).
Without re-parameterisation `adapt.prompt` is [1, P, L', 2, d] directly.
"""
import torch
import torch.nn as nn


def chosen_layers(n, layers):
    return list(range(n)) if layers == "all" else [l % n for l in layers]


class Prefix(nn.Module):
    def __init__(self, c, cfg):
        super().__init__()
        d, n_layers = c["dModel"], c["nLayer"]
        self.d, self.H, self.n = d, c["nHead"], n_layers
        self.layers = chosen_layers(n_layers, cfg["layers"])
        L = len(self.layers)
        P = cfg["length"]
        self.reparam = cfg["reparametrize"]
        if self.reparam:
            E = 2 * L * d if cfg["embedding"] == "kv" else d
            hidden = E // cfg["reduction"]
            self.prompt = nn.Parameter(torch.empty(1, P, E).uniform_(-1, 1))
            self.mlp = nn.Sequential(nn.Linear(E, hidden), nn.Tanh(), nn.Linear(hidden, 2 * L * d))
        else:
            self.prompt = nn.Parameter(torch.empty(1, P, L, 2, d).uniform_(-1, 1))
        self.dropout = nn.Dropout(cfg["dropout"])

    def modulate(self, E, attention_mask, task_ids, T):
        B = E.shape[0]
        L, H, hd = len(self.layers), self.H, self.d // self.H
        raw = self.prompt.repeat(B, *([1] * (self.prompt.dim() - 1)))
        if self.reparam:
            raw = self.mlp(raw)  # [B, P, 2 L d]
        P = raw.shape[1]
        kv = raw.reshape(B, P, 2 * L, H, hd).permute(2, 0, 3, 1, 4)  # [2L, B, H, P, hd]
        kv = self.dropout(kv)
        prefix = [None] * self.n
        for j, l in enumerate(self.layers):
            prefix[l] = (kv[2 * j], kv[2 * j + 1])
        return {"prefix": prefix}


def inject(model, cfg):
    model.adapt = Prefix(model.c, cfg)
    model.modulator = model.adapt.modulate
