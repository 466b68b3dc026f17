"""How the model's hot functions are compiled, declared once.

Every compiled function of the model uses numba in nopython mode, cached on disk, with numpy's
error model (a division by zero gives inf or NaN, as the Mesa model's numpy arithmetic does).

:data:`procedure` is for the functions the engine calls for every item: they neither allocate
nor return an array (they write into arrays they are given and return numbers or nothing), so
they are compiled without numba's reference counting. The counts are atomic operations; before,
they took about 40% of the compiled engine's time. A function that allocates, or returns an
array, must not use it: its caller would count a reference it was never given.
"""

from __future__ import annotations

from numba import njit

#: decorator: compiled without reference counts (no allocation, no array returned)
procedure = njit(cache=True, error_model="numpy", _nrt=False)
