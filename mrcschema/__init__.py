"""mrcschema: MRC files (MRC2014, IMOD, Thermo Fisher, Direct Electron) read from declared schemas.

Entry points: :func:`open`, :func:`read_header`; ``python -m mrcschema dump FILE``.
"""

from .acquisition import Acquisition, acquisition
from .errors import MrcFormatError, MrcWarning
from .extended import ExtendedHeader
from .file import MrcFile, Vec3, open
from .header import read_header
from .hyperspy_reader import file_reader
from .hyperspy_writer import file_writer
from .write import new, set_extended_header, write  # the function shadows the module name on purpose
from .validate import Finding, Report, validate  # the function shadows the module name on purpose

__version__ = "0.1.0"

__all__ = ["Acquisition", "ExtendedHeader", "acquisition", "MrcFile", "MrcFormatError", "MrcWarning", "Vec3", "file_reader", "open", "read_header", "__version__",
           "file_writer", "new", "set_extended_header", "write",
           "Finding", "Report", "validate"]
