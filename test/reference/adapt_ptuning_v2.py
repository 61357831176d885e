"""P-tuning v2 reference (l2m-spec.md section 3: a non-prefix `n_layer` gives deep prompts prepended at
every layer, MultiPromptDTGPT2Model): `adapt.prompt` [1, P, L', d]; layer slot j's prompt [B, P, d] goes to
adapt_model.py's block_forward, which makes that block's keys and values from it (ln_1, c_attn), the only
thing the window's tokens see of prompt positions prepended at that block's input."""
import torch
import torch.nn as nn


class DeepPrompt(nn.Module):
    def __init__(self, c, cfg):
        super().__init__()
        self.n = c["nLayer"]
        self.layers = list(range(self.n)) if cfg["layers"] == "all" else [l % self.n for l in cfg["layers"]]
        self.prompt = nn.Parameter(torch.empty(1, cfg["length"], len(self.layers), c["dModel"]).uniform_(-1, 1))
        self.dropout = nn.Dropout(cfg["dropout"])

    def modulate(self, E, attention_mask, task_ids, T):
        B = E.shape[0]
        deep = self.dropout(self.prompt.repeat(B, 1, 1, 1))
        per_layer = [None] * self.n
        for j, l in enumerate(self.layers):
            per_layer[l] = deep[:, :, j]
        return {"layer_prompts": per_layer}


def inject(model, cfg):
    model.adapt = DeepPrompt(model.c, cfg)
    model.modulator = model.adapt.modulate
