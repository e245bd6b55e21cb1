"""The ``bandmate`` entry point (``python -m bandmate.cli``); the commands live in ``bandmate.surfaces``."""

from bandmate.surfaces.cli import build_app, main

__all__ = ["build_app", "main"]

if __name__ == "__main__":
    main()
