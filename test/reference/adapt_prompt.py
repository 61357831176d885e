"""Prompt tuning reference (l2m-spec.md section 3: `dummy.yaml`, length 25, U(-1, 1); input-level soft
tokens when `n_layer` is None): `adapt.prompt` [1, P, d] is repeated for every window and placed before
it (adapt_model.py adds wpe[0] to it and cuts its positions off before the head). Dropout on the
repeated prompt, as the original's Prompt base."""
import torch
import torch.nn as nn


class SoftPrompt(nn.Module):
    def __init__(self, d, cfg):
        super().__init__()
        self.prompt = nn.Parameter(torch.empty(1, cfg["length"], d).uniform_(-1, 1))
        self.dropout = nn.Dropout(cfg["dropout"])

    def modulate(self, E, attention_mask, task_ids, T):
        B = E.shape[0]
        return {"prompt": self.dropout(self.prompt.repeat(B, 1, 1))}


def inject(model, cfg):
    model.adapt = SoftPrompt(model.c["dModel"], cfg)
    model.modulator = model.adapt.modulate
