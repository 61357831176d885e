"""PyTorch side of bench/dt-train.ts: the same Decision Transformer (test/reference/dt_model.py), the same
batch shape, AdamW; prints JSON {seconds_per_update} (median over steps)."""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dt_batch import random_batch  # noqa: E402
from dt_model import DT  # noqa: E402

cfg, batch, steps, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
device = sys.argv[5] if len(sys.argv) > 5 else "cpu"
precision = sys.argv[6] if len(sys.argv) > 6 else "fp32"  # fp32 | bf16 | fp16 (autocast; fp16 with a GradScaler)
torch.set_num_threads(threads)
torch.manual_seed(0)
model = DT(cfg, dropout=cfg["dropout"]).to(device)  # the same dropout as the l2m side: same work
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
x, mask = random_batch(cfg, batch)
x, mask = [t.to(device) for t in x], mask.to(device)
device_type = "cuda" if device.startswith("cuda") else "cpu"
amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
scaler = torch.cuda.amp.GradScaler() if precision == "fp16" else None
times = []
for i in range(steps + 3):
    t = time.perf_counter()
    with torch.autocast(device_type, dtype=amp_dtype, enabled=amp_dtype is not None):
        loss = model.loss(x, mask)
    (scaler.scale(loss) if scaler else loss).backward()
    loss.item()  # as the l2m step, which reads the loss every update
    if scaler:
        scaler.unscale_(opt)
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    if scaler:
        scaler.step(opt)
        scaler.update()
    else:
        opt.step()
    opt.zero_grad(set_to_none=True)
    if device_type == "cuda":
        torch.cuda.synchronize()
    if i >= 3:
        times.append(time.perf_counter() - t)
print(json.dumps({"seconds_per_update": statistics.median(times)}))
