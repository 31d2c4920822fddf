"""Dossier from Python: the knowledge graph as rows, DataFrames and graphs.

::

    from dossier import Dossier

    d = Dossier("http://127.0.0.1:8080")
    owns = d.relationships(predicate="OWNS")          # a list of flat dicts
    df = owns.to_pandas()                              # one row per relationship
    g = d.neighbors("ByteDance", depth=2).to_networkx()  # nodes carry their type
    then = d.relationships(as_of=40)                   # the graph after event 40
    for a in d.live_assertions(predicates=["BANS"]):   # new claims as they come
        print(a["subject"], a["predicate"], a["object"], a["sentence"])

Only the standard library is needed; pandas and networkx are used when
asked for (``to_pandas()``, ``to_networkx()``).
"""

from .client import DEFAULT_URL, Dossier
from .errors import DossierError, OntologyError, UnreachableError
from .live import Subscription
from .rows import Rows, parse_date, parse_time

__all__ = ["Dossier", "DossierError", "OntologyError", "UnreachableError", "Rows", "Subscription",
           "DEFAULT_URL", "parse_time", "parse_date"]
__version__ = "0.2.0"
