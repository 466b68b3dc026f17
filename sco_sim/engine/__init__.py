"""Running replications: the compiled engine, the Mesa reference, and the one dispatch between them.

``simulate(config, replications, seed, engine=...)`` is the only entry point the rest of the
package uses; both engines give the same tables to the last bit.
"""

from .dispatch import ENGINES, final_status_quo, simulate
from .results import RunResults

__all__ = ["ENGINES", "RunResults", "final_status_quo", "simulate"]
