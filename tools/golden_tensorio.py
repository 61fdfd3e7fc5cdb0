#!/usr/bin/env python3
"""Golden NPY and safetensors files written by numpy and the `safetensors` package.

Run from the package root with the reference venv:

  ~/.cache/detkit-refenv/bin/python tools/golden_tensorio.py

Writes tiny files under fixtures/golden/tensorio/ and `expected.json`, which lists for
every file its dtype, shape and values (flattened in C order; floats as `float.hex` strings
so no decimal round trip blurs a bit), so the Swift tests check both that detkit reads what the
reference wrote and that detkit writes the same bytes.
"""
import json, math, pathlib

import numpy as np
from numpy.lib import format as npformat

try:
    import torch
    from safetensors.torch import save_file as torch_save
except ImportError:  # pragma: no cover
    torch = None
from safetensors.numpy import save_file as numpy_save

out = pathlib.Path("fixtures/golden/tensorio")
out.mkdir(parents=True, exist_ok=True)
expected = {"npy": {}, "safetensors": {}}


def values(a):
    flat = np.asarray(a).reshape(-1)
    result = []
    for v in flat.tolist():
        if isinstance(v, float):
            result.append(float.hex(v))
        elif isinstance(v, bool):
            result.append(v)
        else:
            result.append(int(v))
    return result


def npy(name, array, version=None, dtype_name=None):
    path = out / name
    with open(path, "wb") as f:
        npformat.write_array(f, array, version=version, allow_pickle=False)
    back = np.load(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array, equal_nan=array.dtype.kind == "f")
    raw = path.read_bytes()
    expected["npy"][name] = {
        "dtype": dtype_name,
        "shape": list(array.shape),
        "version": [raw[6], raw[7]],
        "values": values(array),
    }


rng = np.random.default_rng(20261129)
npy("v1_f4.npy", rng.standard_normal((2, 3)).astype("<f4"), dtype_name="float32")
npy("v2_f4.npy", np.arange(12, dtype="<f4").reshape(3, 4) / 8, version=(2, 0), dtype_name="float32")
npy("v3_i4.npy", np.array([[-7, 0, 2**31 - 1], [-(2**31), 5, 6]], dtype="<i4"), version=(3, 0), dtype_name="int32")
npy("be_f8.npy", np.array([1.5, -0.0, 1e300, math.pi, math.inf, math.nan], dtype=">f8"), dtype_name="float64")
npy("be_i8.npy", np.array([[1, -2], [2**62, -(2**63)]], dtype=">i8"), dtype_name="int64")
npy("i8.npy", np.array([0, -1, 2**63 - 1, -(2**63), 123456789012], dtype="<i8"), dtype_name="int64")
npy("u1.npy", np.array([[0, 1, 127], [128, 254, 255]], dtype="|u1"), dtype_name="uint8")
npy("b1.npy", np.array([True, False, False, True, True], dtype="|b1"), dtype_name="bool")
# float16: normals, subnormals (2^-24 is the smallest), the largest finite, +-inf, NaN, -0.
npy(
    "f2.npy",
    np.array([1.0, -2.5, 65504.0, 2.0**-24, 3 * 2.0**-24, 2.0**-14, -0.0, math.inf, -math.inf, math.nan, 0.1], dtype="<f2"),
    dtype_name="float16",
)
npy("be_f2.npy", np.array([0.333, -1024.0, 6.0e-5], dtype=">f2"), dtype_name="float16")
npy("scalar_f8.npy", np.array(2.75, dtype="<f8"), dtype_name="float64")
npy("empty_0x4_f4.npy", np.zeros((0, 4), dtype="<f4"), dtype_name="float32")
# Rank 36 makes magic + length field + header text + newline exactly 192 bytes; numpy then
# still pads a full 64 spaces (its padlen is 64 - x % 64, never 0).
npy("aligned_header_u1.npy", np.full([1] * 36, 9, dtype="|u1"), dtype_name="uint8")
assert (out / "aligned_header_u1.npy").stat().st_size == 256 + 1

# float16 rounding: numpy rounds float32 -> float16 to nearest even; record inputs and bits.
inputs = np.array(
    [0.1, 1 + 2.0**-11, 1 + 3 * 2.0**-11, 65519.0, 65520.0, 2.0**-25, 2.0**-25 * 1.0000001,
     3 * 2.0**-26, 1e-8, -1e-8, 70000.0, 1.0 / 3.0, 2.0**-15 + 2.0**-25],
    dtype=np.float32,
)
with np.errstate(over="ignore"):
    narrowed = inputs.astype(np.float16)
expected["float16_rounding"] = {
    "float32_bits": [int(b) for b in inputs.view(np.uint32)],
    "float16_bits": [int(b) for b in narrowed.view(np.uint16)],  # 70000 -> inf on purpose
}

tensors = {
    "weight": rng.standard_normal((2, 3)).astype(np.float32),
    "bias": np.array([0.5, -0.25], dtype=np.float64),
    "labels": np.array([3, -1, 7], dtype=np.int64),
    "ids": np.array([[1, 2], [3, -4]], dtype=np.int32),
    "pixels": np.array([0, 255, 17], dtype=np.uint8),
    "mask": np.array([True, False, True], dtype=np.bool_),
    "half": np.array([1.0, -0.5, 65504.0, 2.0**-24], dtype=np.float16),
    "empty": np.zeros((0, 4), dtype=np.float32),
}
numpy_save(tensors, str(out / "numpy_all.safetensors"))
expected["safetensors"]["numpy_all.safetensors"] = {
    "metadata": {},
    "tensors": {
        k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": values(v)} for k, v in tensors.items()
    },
}
numpy_save({"x": np.array([[1.0, 2.0]], dtype=np.float32)}, str(out / "metadata.safetensors"), metadata={"format": "pt"})
expected["safetensors"]["metadata.safetensors"] = {
    "metadata": {"format": "pt"},
    "tensors": {"x": {"dtype": "float32", "shape": [1, 2], "values": [float.hex(1.0), float.hex(2.0)]}},
}

if torch is not None:
    bf = torch.tensor([1.0, -3.140625, 1e30, 2.0**-130, 0.1], dtype=torch.float32)
    bf16 = bf.to(torch.bfloat16)
    torch_save({"bf16": bf16, "scalar": torch.tensor(7, dtype=torch.int64)}, str(out / "torch_bf16.safetensors"))
    expected["safetensors"]["torch_bf16.safetensors"] = {
        "metadata": {},
        "tensors": {
            "bf16": {"dtype": "bfloat16", "shape": [5], "values": values(bf16.float().numpy())},
            "scalar": {"dtype": "int64", "shape": [], "values": [7]},
        },
    }
    # bfloat16 rounding as torch does it, on inputs that hit ties and NaN.
    inputs = torch.tensor(
        [0.1, 1 + 2.0**-8, 1 + 3 * 2.0**-8, 3.4e38, -2.0**-133, 1.0 / 3.0], dtype=torch.float32
    )
    expected["bfloat16_rounding"] = {
        "float32_bits": [int(b) for b in inputs.numpy().view(np.uint32)],
        "bfloat16_bits": [int(b) & 0xFFFF for b in inputs.to(torch.bfloat16).view(torch.int16).tolist()],
    }

(out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
total = sum(p.stat().st_size for p in out.iterdir())
print(f"golden_tensorio: {len(list(out.iterdir()))} files, {total} bytes in {out}")
