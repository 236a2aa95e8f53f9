# The scientific variant's guest check (build.sh --variant scientific, run with -c): numpy and
# pandas import as built-in modules and their common paths work. Prints one line per check.
import io
import sys

import numpy as np
import pandas as pd

print("numpy", np.__version__, "pandas", pd.__version__)
assert type(np._core._multiarray_umath).__name__ == "module"
assert "numpy._core._multiarray_umath" in sys.builtin_module_names

a = np.arange(12, dtype=np.float64).reshape(3, 4)
b = np.ones((4, 2))
m = a @ b
assert m.tolist() == [[6.0, 6.0], [22.0, 22.0], [38.0, 38.0]], m
print("matmul", m.tolist())

# A C method declaring other parameters than CPython passes traps in wasm
# (scientific/numpy-method-signatures.patch, found by scientific/check-method-signatures.py).
import copy
assert copy.copy(np.float64(1.5)) == 1.5 and copy.copy(np.int8(3)) == 3
from numpy._core._multiarray_umath import _array_converter, _get_castingimpl
assert _get_castingimpl(type(np.dtype("f8")), type(np.dtype("i8"))) is not None
assert _array_converter(1.0, np.ones(2)).scalar_input == (True, False)

x = np.random.default_rng().normal(size=5)
assert x.shape == (5,) and np.isfinite(x).all()
print("rng normal", x.round(3).tolist())
# The legacy RandomState path (mtrand's own distributions, renamed for the static link).
legacy = np.random.RandomState(0).poisson(3.0, size=4)
assert legacy.dtype.kind == "i" and (legacy >= 0).all(), legacy
print("legacy poisson", legacy.tolist(), "binomial", np.random.binomial(10, 0.5, size=3).tolist())

inv = np.linalg.inv(np.array([[2.0, 1.0], [1.0, 3.0]]))
assert np.allclose(inv @ [[2.0, 1.0], [1.0, 3.0]], np.eye(2))
print("linalg.inv ok; fft", np.fft.fft([1, 0, 0, 0]).real.tolist())

df = pd.DataFrame({"k": ["a", "b", "a", "b", "c"], "v": [1.0, 2.0, 3.0, 4.0, 5.0]})
g = df.groupby("k")["v"].mean()
assert g.to_dict() == {"a": 2.0, "b": 3.0, "c": 5.0}, g
print("groupby mean", g.to_dict())

csv = pd.read_csv(io.StringIO("date,city,temp\n2024-01-01,Paris,3.5\n2024-01-02,Oslo,-4\n"
                              "2024-01-03,Paris,5.0\n2024-01-10,Oslo,-2.5\n"),
                  parse_dates=["date"])
assert list(csv.columns) == ["date", "city", "temp"] and len(csv) == 4
assert str(csv["date"].dtype).startswith("datetime64"), csv.dtypes
d = csv.describe()
assert d.loc["count", "temp"] == 4 and abs(d.loc["mean", "temp"] - 0.5) < 1e-12, d
print("read_csv + describe:")
print(d.to_string())

weekly = csv.set_index("date")["temp"].resample("W").mean()
assert len(weekly) == 2 and weekly.iloc[0] == (3.5 - 4 + 5.0) / 3, weekly
print("resample W mean", [round(v, 3) for v in weekly.tolist()])
print("scientific check ok")
