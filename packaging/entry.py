"""The frozen executable's entry point (build.spec): the same as the `voapi-desktop` command."""

import sys

from voapi_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
