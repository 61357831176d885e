"""L2M-(IA)3 reference (l2m-spec.md section 4): keys `adapt.keys` and the (IA)3 layers of adapt_ia3.py with a
pool axis of `pool` rows (+1 identity row with pre-training keys); each window uses the row of its top-1 key."""
from adapt_ia3 import inject_ia3
from adapt_pool import KeyPool


def inject(model, cfg):
    model.adapt = KeyPool(model.c["dModel"], cfg, 1)
    rows = cfg["pool"] + (1 if cfg.get("pretrainKeys") else 0)
    inject_ia3(model, {"k": cfg["k"], "v": cfg["v"], "ffn": cfg["ffn"], "embeddings": False, "layers": cfg["layers"]}, rows)

    def modulate(E, attention_mask, task_ids, T):
        idx, aux = model.adapt.select(E, attention_mask, task_ids, T)
        return {"rows": idx[:, 0], "aux_loss": aux}

    model.modulator = modulate
