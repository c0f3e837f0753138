"""``python -m fieldsafe``: the same as the ``fieldsafe`` command."""

import sys

from fieldsafe.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
