"""sco-sim: an agent-based model of Shanghai Cooperation Organization consensus decisions."""

from importlib import metadata

try:
    __version__ = metadata.version("sco-sim")
except metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
