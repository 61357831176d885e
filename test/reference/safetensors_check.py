"""Checks a safetensors file written by the TypeScript side and writes one for it to read.

usage: safetensors_check.py <ours.safetensors> <expected.json> <theirs.safetensors>
Reads <ours> with an independent parser (the `safetensors` package when installed, else st_io),
compares every tensor with expected.json ({name: {dtype, shape, values}}), prints "ok" or fails;
then writes <theirs> with known values for the reverse check.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

path, expected_path, out_path = sys.argv[1:4]
try:
    from safetensors.torch import load_file  # type: ignore

    tensors = load_file(path)
    reader = "safetensors"
except ImportError:
    tensors, _ = st_io.load(path)
    reader = "st_io"
expected = json.load(open(expected_path))
assert set(tensors) == set(expected), f"keys {sorted(tensors)} vs {sorted(expected)}"
for name, e in expected.items():
    t = tensors[name]
    assert str(t.dtype) == "torch." + e["dtype"], f"{name}: dtype {t.dtype} vs {e['dtype']}"
    assert list(t.shape) == e["shape"], f"{name}: shape {list(t.shape)} vs {e['shape']}"
    want = torch.tensor(e["values"], dtype=t.dtype).reshape(e["shape"])
    assert torch.equal(t, want), f"{name}: values {t.flatten().tolist()} vs {e['values']}"
st_io.save(
    out_path,
    {
        "w": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4,
        "ids": torch.tensor([[1, -2]], dtype=torch.int64),
        "flags": torch.tensor([True, False]),
        "half": torch.tensor([1.5, -2.0], dtype=torch.float16),
        "empty": torch.zeros(0, 3, dtype=torch.float64),
    },
    {"writer": "python"},
)
print("ok", reader)
