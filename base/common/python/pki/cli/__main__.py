"""``python -m pki.cli``: run the ``pki`` command-line client."""

from __future__ import annotations

from pki.cli.main import main

raise SystemExit(main())
