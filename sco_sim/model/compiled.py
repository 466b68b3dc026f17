"""How the model's hot functions are compiled, declared once.

Every compiled function of the model uses numba in nopython mode, cached on disk, with numpy's
error model (a division by zero gives inf or NaN, as the Mesa model's numpy arithmetic does).

Two decorators serve the compiled engine's loop, which runs every item of a million runs:

* :data:`procedure`: a model function the engine calls for each item. It is inlined into the
  loop (no call, nothing copied), and where Python (the Mesa agents) calls it, it is compiled on
  its own without reference counts. So it neither allocates nor returns an array: it writes
  into arrays it is given and returns numbers or nothing.
* :data:`loop`: the engine's own loop over meetings and items, compiled without reference counts
  and not inlined. The same rule holds: nothing in it allocates.

numba's reference counts are atomic operations, and calls copy every array's descriptor; in the
per-item loop, the two took over half the engine's time. A function that allocates, or returns
an array to a caller that is not inlined, must use neither decorator: the caller would count a
reference it was never given.
"""

from __future__ import annotations

from numba import njit

#: decorator: inlined into the engine's loop; compiled without reference counts where Python calls it
procedure = njit(cache=True, error_model="numpy", _nrt=False, inline="always")
#: decorator: the engine's loop itself, without reference counts (nothing in it allocates)
loop = njit(cache=True, error_model="numpy", _nrt=False)
