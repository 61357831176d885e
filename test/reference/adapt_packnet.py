"""PackNet reference layout for the parity harness: PackNet adds no computation to the forward pass,
only per-entry owners (uint8, initially task 0) of every Linear weight and, with `embeddings: pack`,
every Embedding table, under `adapt.owner.<weight name>` (frozen nn.Parameters in nested modules so
that they load with `load_state_dict` and appear among `named_parameters`)."""
import torch
import torch.nn as nn

from adapt_ewc import nested_parameter


def inject(model, cfg):
    kinds = (nn.Linear, nn.Embedding) if cfg.get("embeddings", "pack") == "pack" else (nn.Linear,)
    weights = [(name + ".weight" if name else "weight", m.weight) for name, m in model.named_modules() if isinstance(m, kinds)]
    adapt = nn.Module()
    for n, w in weights:
        nested_parameter(adapt, "owner." + n, torch.zeros(w.shape, dtype=torch.uint8))
    model.adapt = adapt
