"""``python -m mrcschema``: see :mod:`mrcschema.cli`."""

import sys

from .cli.main import main

sys.exit(main())
