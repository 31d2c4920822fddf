"""Kept so that ``python3 clients/python/dossier_client.py URL > relationships.csv``
and ``from dossier_client import Dossier`` go on working from a checkout.

The client is the ``dossier`` package (``pip install ./clients/python``);
without it installed, this file finds it in ``src/`` beside it.
"""

import os
import sys

try:
    import dossier  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from dossier import Dossier, DossierError  # noqa: E402
from dossier.__main__ import main  # noqa: E402

__all__ = ["Dossier", "DossierError", "main"]

if __name__ == "__main__":
    sys.exit(main(sys.argv))
