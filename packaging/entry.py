"""The frozen executable's entry point (build.spec): the same as the `voapi-desktop` command.

Packages the bootloader does not unpack on every start (Qt, psycopg2, the tokenizer, nh3) are
unpacked from the executable on their first import (voapi_desktop/frozen_bundle.py).
"""

import sys

from voapi_desktop import frozen_bundle

frozen_bundle.install()

from voapi_desktop.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
