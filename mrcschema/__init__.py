"""mrcschema: MRC files (MRC2014, IMOD, Thermo Fisher, Direct Electron) read from declared schemas.

Entry points: :func:`open`, :func:`read_header`; ``python -m mrcschema dump FILE``.
"""

from .acquisition import Acquisition, acquisition
from .errors import MrcFormatError, MrcWarning
from .extended import ExtendedHeader
from .file import MrcFile, Vec3, open
from .header import read_header
from .hyperspy_reader import file_reader

__version__ = "0.1.0"

__all__ = ["Acquisition", "ExtendedHeader", "acquisition", "MrcFile", "MrcFormatError", "MrcWarning", "Vec3", "file_reader", "open", "read_header", "__version__"]
