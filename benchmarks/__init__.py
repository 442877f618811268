"""``clueguard bench``: the benchmarks behind docs/performance.md. Not part of the product.

This package lives in the source checkout beside bot/, web/, vault/ and models/ and is not in the
wheel (pyproject's ``packages.find`` lists only those four). ``clueguard`` offers its ``bench``
group only where this package can be imported (web/cli/main.py looks for it, and imports it only
when ``bench`` is run). ``cli`` holds the group and the in-process benches; ``inbox``, ``served``,
``bot`` and ``evidence`` the others; ``report`` and ``chart`` the figures' JSON, table and SVG;
``layout`` the production layout of deploy/ on one machine, which tests/production runs too.
"""

from pathlib import Path

# The source checkout this package sits in (deploy/ and tests/peers are found from here).
CHECKOUT = Path(__file__).resolve().parent.parent
