"""Every KPI of the center, each defined once (DESIGN.md: "one owner per rule").

`measure(codes, period=..., scope=..., grain=..., by=..., options=...)` is how every page, export,
API answer and report asks for figures; `FIGURES` is the catalogue (code → Figure, with its name,
unit, better direction, options and the formula's docstring). The families' modules below register
their figures when this package is imported.
"""

# The families' modules: importing one registers its figures.
from kefu.reports.metrics import agents, calls, chat, conversion, quality, surveys, work_orders  # noqa: E402, F401
from kefu.reports.metrics.base import (  # noqa: F401 - the package's public names
    FIGURES,
    Better,
    Figure,
    Grain,
    Measure,
    Period,
    Scope,
    Table,
    Unit,
    measure,
)
