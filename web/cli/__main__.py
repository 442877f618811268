"""``python -m web.cli``: the same as the ``clueguard`` console script."""

from web.cli.main import main

main()
