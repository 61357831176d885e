"""PyTorch side of bench/adapt-train.ts: the same LoRA update (test/reference AdaptDT + adapt_lora.py, rank 8,
alpha 16, Q, V and FFN), the same batch shape, AdamW over the LoRA factors; prints JSON {seconds_per_update}."""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dt_batch import random_batch  # noqa: E402
from adapt_model import AdaptDT  # noqa: E402
import adapt_lora  # noqa: E402

cfg, batch, steps, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = AdaptDT(cfg, dropout=cfg["dropout"])  # the same dropout as the l2m side: same work
for p in model.parameters():
    p.requires_grad_(False)
adapt_lora.inject(model, {"rank": 8, "alpha": 16, "q": True, "k": False, "v": True, "ffn": True, "layers": "all"})
for n, p in model.named_parameters():
    if "lora_" in n:
        torch.nn.init.uniform_(p, -0.01, 0.01)
params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
x, mask = random_batch(cfg, batch)
model.train()
times = []
for i in range(steps + 3):
    t = time.perf_counter()
    loss = model.loss(x, mask)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 0.25)
    opt.step()
    opt.zero_grad(set_to_none=True)
    if i >= 3:
        times.append(time.perf_counter() - t)
print(json.dumps({"seconds_per_update": statistics.median(times)}))
