"""``python -m teamspec`` runs the CLI."""

from teamspec.cli import main

raise SystemExit(main())
