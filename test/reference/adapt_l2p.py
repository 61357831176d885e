"""L2P reference (l2m-spec.md sections 3-4): keys `adapt.keys` and a prompt pool `adapt.prompt` with a leading
pool axis; each window gets the prompts of its top-k keys (adapt_pool.py) concatenated along the length,
best first. form prompt: [pool, P, d] soft tokens; prefix: [pool, P, L', 2, d] per-layer keys/values (axis 3:
key, value); ptuning-v2: [pool, P, L', d] deep prompts. Dropout on the gathered prompts."""
import torch
import torch.nn as nn

from adapt_pool import KeyPool


class L2P(KeyPool):
    def __init__(self, c, cfg):
        super().__init__(c["dModel"], cfg, cfg["topK"])
        d, n = c["dModel"], c["nLayer"]
        self.n, self.H, self.form = n, c["nHead"], cfg["form"]
        layers = cfg.get("layers") or "all"
        self.layers = list(range(n)) if layers == "all" else [l % n for l in layers]
        P, R, L = cfg["length"], cfg["pool"], len(self.layers)
        shape = {"prompt": (R, P, d), "prefix": (R, P, L, 2, d), "ptuning-v2": (R, P, L, d)}[self.form]
        self.prompt = nn.Parameter(torch.empty(*shape).uniform_(-1, 1))
        self.dropout = nn.Dropout(cfg["dropout"])

    def modulate(self, E, attention_mask, task_ids, T):
        idx, aux = self.select(E, attention_mask, task_ids, T)
        B, k = idx.shape
        g = self.prompt[idx]  # [B, k, P, ...]
        g = self.dropout(g.reshape(B, k * g.shape[2], *g.shape[3:]))
        out = {"aux_loss": aux}
        if self.form == "prompt":
            out["prompt"] = g
        elif self.form == "prefix":
            heads = lambda t: t.reshape(B, t.shape[1], self.H, -1).transpose(1, 2)  # noqa: E731
            prefix = [None] * self.n
            for j, l in enumerate(self.layers):
                prefix[l] = (heads(g[:, :, j, 0]), heads(g[:, :, j, 1]))
            out["prefix"] = prefix
        else:
            deep = [None] * self.n
            for j, l in enumerate(self.layers):
                deep[l] = g[:, :, j]
            out["layer_prompts"] = deep
        return out


def inject(model, cfg):
    model.adapt = L2P(model.c, cfg)
    model.modulator = model.adapt.modulate
