"""Run nrbook as ``python -m nrbook``."""

from .cli import main

raise SystemExit(main())
