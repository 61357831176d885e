"""PyTorch side of bench/gpt.ts: the same GPT model, training step (batch 32, Adam) and batch-1
inference, timed the same way. Prints one JSON line.

usage: gpt.py <json config>   (threads are set by the caller through the config and OPENBLAS_NUM_THREADS)
"""
import json
import os
import statistics
import sys
import time

cfg = json.loads(sys.argv[1])
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "reference"))
from gpt_model import GPT  # noqa: E402

torch.set_num_threads(cfg["intraOpThreads"])
torch.manual_seed(0)
m = cfg["model"]
model = GPT(m["vocabSize"], m["blockSize"], m["nLayer"], m["nHead"], m["nEmbd"], m["mlpHidden"], m["dropout"])
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
idx = torch.randint(0, m["vocabSize"], (cfg["batch"], m["blockSize"]))
targets = torch.randint(0, m["vocabSize"], (cfg["batch"], m["blockSize"]))


def train_step():
    opt.zero_grad(set_to_none=True)
    _, loss = model(idx, targets)
    loss.backward()
    opt.step()
    return loss.item()


def timed(fn, warmup, n):
    """Median wall-clock seconds per call, and mean process CPU seconds per call (all threads)."""
    for _ in range(warmup):
        fn()
    times = []
    c0 = time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), (time.process_time() - c0) / n


model.train()
train, train_cpu = timed(train_step, cfg["warmup"], cfg["trainSteps"])
model.eval()
one = idx[:1]


def infer():
    with torch.no_grad():
        logits, _ = model(one)
    return logits


infer1, infer1_cpu = timed(infer, cfg["warmup"] * 3, cfg["inferSteps"])
print(json.dumps({"train": train, "infer1": infer1, "trainCpu": train_cpu, "infer1Cpu": infer1_cpu, "params": sum(p.numel() for p in model.parameters()), "threads": torch.get_num_threads(), "torch": torch.__version__}))
