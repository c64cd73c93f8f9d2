"""`python -m voapi_desktop`: the same as the `voapi-desktop` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
