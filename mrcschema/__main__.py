"""``python -m mrcschema``: see :mod:`mrcschema.cli`."""

import sys

from .cli import main

sys.exit(main())
