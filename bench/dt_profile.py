"""PyTorch side of bench/dt-profile.ts: profiles the same update (test/reference/dt_model.py, with the l2m side's dropout,
the scale as a division) with torch.autograd.profiler, phase by phase, and prints its events as
torch.profiler's rows: self time by (context, name), the context being the outermost event, or for
backward work "Node <- outermost forward operator" (linked by sequence number). Times are scaled from
wall to this thread's CPU time. Prints JSON {rounds, phases: {name: {cpuMs, ops}}}, summed over rounds."""
import json
import os
import sys
import time
from collections import defaultdict

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dt_batch import random_batch  # noqa: E402
from dt_model import DT  # noqa: E402

ENGINE = "autograd::engine::evaluate_function: "


def outermost(e):
    while e.cpu_parent is not None:
        e = e.cpu_parent
    return e


def rows(prof, scale, acc):
    events = sorted(prof.function_events, key=lambda e: e.time_range.start)
    forward_of = {}
    for e in events:
        top = outermost(e)
        if not top.name.startswith(ENGINE) and e.sequence_nr >= 0:
            forward_of[e.sequence_nr] = top.name
    for e in events:
        top = outermost(e)
        if top.name.startswith(ENGINE):
            seq = top.sequence_nr
            if seq < 0:
                seq = next((c.sequence_nr for c in top.cpu_children if c.sequence_nr >= 0), -1)
            context = top.name[len(ENGINE):] + (" <- " + forward_of[seq] if seq in forward_of else "")
        else:
            context = top.name
        row = acc[(context, e.name)]
        row[0] += e.self_cpu_time_total / 1000 * scale
        row[1] += 1


cfg, batch, rounds, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = DT(cfg, dropout=cfg["dropout"])  # the same dropout as the l2m side: same work
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
x, mask = random_batch(cfg, batch)


def step():
    opt.step()
    opt.zero_grad(set_to_none=True)


phases = {
    "forward+backward": lambda: model.loss(x, mask).backward(),
    "clip": lambda: torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25),
    "AdamW step": step,
}
for _ in range(2):
    for fn in phases.values():
        fn()
out = {name: {"cpuMs": 0.0, "acc": defaultdict(lambda: [0.0, 0])} for name in phases}
for _ in range(rounds):
    for name, fn in phases.items():
        with torch.autograd.profiler.profile() as prof:
            w0, c0 = time.perf_counter(), time.thread_time()
            fn()
            wall, cpu = time.perf_counter() - w0, time.thread_time() - c0
        out[name]["cpuMs"] += cpu * 1000
        rows(prof, cpu / wall, out[name]["acc"])
print(json.dumps({
    "rounds": rounds,
    "phases": {
        name: {"cpuMs": p["cpuMs"], "ops": [{"context": c, "name": n, "selfMs": v[0], "calls": v[1]} for (c, n), v in p["acc"].items()]}
        for name, p in out.items()
    },
}))
