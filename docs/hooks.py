"""mkdocs hooks: the README as the home page and the notebooks of ``examples/`` as pages, without copies.

The README's links point into ``docs/`` from the repository root; on the site the same files sit at
the root, so ``](docs/`` becomes ``](``. Nothing is written into the repository.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]


def home_page() -> str:
    """The README with its links made relative to the site's root instead of the repository's."""
    return (ROOT / "README.md").read_text(encoding="utf-8").replace("](docs/", "](")


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns the notebooks into pages
def on_files(files: Files, config) -> Files:
    """Add the home page, CONTRIBUTING.md and every ``examples/*.ipynb`` to the site's files."""
    files.append(File.generated(config, "index.md", content=home_page()))
    files.append(File.generated(config, "CONTRIBUTING.md",
                                content=(ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")))
    for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
        # a plain File rooted at the repository (mkdocs-jupyter's wrapper cannot read generated files)
        files.append(File(f"examples/{notebook.name}", src_dir=str(ROOT), dest_dir=config.site_dir,
                          use_directory_urls=config.use_directory_urls))
    return files
