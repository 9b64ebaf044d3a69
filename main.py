"""Launch Segue: ``python main.py [--version] [--screenshot PATH] [FILE]``."""

from segue.gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())
