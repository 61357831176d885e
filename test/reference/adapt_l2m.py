"""L2M (LoRA pool) reference (l2m-spec.md section 4): keys `adapt.keys` and the LoRA layers of adapt_lora.py
with a pool axis of `pool` rows (+1 identity row with pre-training keys); each window uses the row of its
top-1 key (adapt_pool.py)."""
from adapt_lora import inject_lora
from adapt_pool import KeyPool


def inject(model, cfg):
    model.adapt = KeyPool(model.c["dModel"], cfg, 1)
    rows = cfg["pool"] + (1 if cfg.get("pretrainKeys") else 0)
    inject_lora(model, {k: cfg[k] for k in ("rank", "alpha", "q", "k", "v", "ffn", "layers")}, rows)

    def modulate(E, attention_mask, task_ids, T):
        idx, aux = model.adapt.select(E, attention_mask, task_ids, T)
        return {"rows": idx[:, 0], "aux_loss": aux}

    model.modulator = modulate
