"""Minimal safetensors reader/writer in pure Python + torch (the `safetensors` package is optional).

Independent of the TypeScript implementation: it follows the published format (8-byte little-endian
header length, JSON header with dtype/shape/data_offsets, raw little-endian bytes).
"""
import json
import struct

import torch

DTYPES = {
    "F32": torch.float32,
    "F64": torch.float64,
    "I64": torch.int64,
    "I32": torch.int32,
    "U8": torch.uint8,
    "BOOL": torch.bool,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
}
CODES = {v: k for k, v in DTYPES.items()}


def load(path):
    """Returns (tensors: dict name -> tensor, metadata: dict)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        raw = bytearray(data[base + begin : base + end])
        dtype = DTYPES[e["dtype"]]
        if len(raw) == 0:
            t = torch.empty(e["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(raw, dtype=dtype).reshape(e["shape"]).clone()
        out[name] = t
    return out, meta


def save(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        b = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
