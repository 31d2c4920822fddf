"""``python3 -m dossier SERVER_URL > relationships.csv``: the relationships as CSV.

For a spreadsheet, or a shell pipeline, without writing any Python.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
from typing import Any, List, Optional

from .client import Dossier
from .errors import DossierError


def _cell(value: Any) -> Any:
    # ISO 8601 with its "T", which spreadsheets and pandas.read_csv parse.
    return value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else value


def main(argv: Optional[List[str]] = None) -> int:
    """Writes every relationship of the server at argv[1] to stdout as CSV."""
    argv = sys.argv if argv is None else argv
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print("usage: python3 -m dossier SERVER_URL > relationships.csv", file=sys.stderr)
        return 2
    try:
        rows = Dossier(argv[1]).relationships()
    except DossierError as e:
        print(f"dossier: {e}", file=sys.stderr)
        return 3 if e.code is None else 1
    out = csv.DictWriter(sys.stdout, fieldnames=rows.columns, lineterminator="\n")
    try:
        out.writeheader()
        out.writerows({k: _cell(v) for k, v in r.items()} for r in rows)
        sys.stdout.flush()
    except BrokenPipeError:
        # `| head` closed the pipe: not an error. Point stdout at devnull
        # so that the interpreter's last flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
