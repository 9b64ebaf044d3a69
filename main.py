"""Launch Segue: ``python main.py [--version] [--screenshot PATH] [FILE]``."""

from gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
