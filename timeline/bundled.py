"""The migrations and curated seeds that ship with timeline, wherever it is installed.

Their source is the repository's top-level ``migrations/`` and ``seeds/``. A wheel carries
copies inside the package, at ``timeline/_bundled/`` (hatch's ``force-include`` in
pyproject.toml), found through ``importlib.resources``; a checkout, installed editable, has
no such copies and reads the top-level folders themselves.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import timeline

Bundle = Literal["migrations", "seeds"]


def bundled_directory(name: Bundle) -> Path:
    """The directory of ``name``: the wheel's copy if there is one, else the checkout's."""
    packaged = resources.files(timeline).joinpath("_bundled", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(timeline.__file__).resolve().parents[1] / name
