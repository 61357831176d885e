"""PyTorch side of test/torch-pytorch-parity.test.ts: loads weights and a batch written by the
TypeScript test, runs forward + backward in float32, writes the loss and every gradient.

usage: gpt_parity.py <in.safetensors> <out.safetensors>   (config in the input's metadata)
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_model import GPT  # noqa: E402
import st_io  # noqa: E402

torch.set_num_threads(1)
tensors, meta = st_io.load(sys.argv[1])
cfg = json.loads(meta["config"])
model = GPT(cfg["vocabSize"], cfg["blockSize"], cfg["nLayer"], cfg["nHead"], cfg["nEmbd"], cfg["mlpHidden"])
weights = {k[len("param."):]: v for k, v in tensors.items() if k.startswith("param.")}
model.load_state_dict(weights, strict=True)
model.train()
_, loss = model(tensors["idx"], tensors["targets"])
loss.backward()
out = {"loss": loss.detach().reshape(1)}
for name, p in model.named_parameters():
    out["grad." + name] = p.grad
st_io.save(sys.argv[2], out, {"names": json.dumps([n for n, _ in model.named_parameters()])})
