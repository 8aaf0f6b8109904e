"""mrcschema: MRC files (MRC2014, IMOD, Thermo Fisher, Direct Electron) read from declared schemas.

Entry points: :func:`open`, :func:`read_header`, :func:`validate`, :func:`write`, :func:`new`,
:func:`file_reader` (HyperSpy); ``python -m mrcschema dump|validate FILE``.

The package is layered (``docs/architecture.md``): ``format`` (bytes <-> records) <- ``sources``
(where bytes come from) <- ``reading`` <- ``writing``, ``validation``, ``hyperspy``, ``cli``.
No module shares a name with a function exported here.

The names below are loaded on first use (PEP 562): ``import mrcschema`` costs almost nothing, and a
script that only opens files never imports the validator, the writer or the HyperSpy reader.  Type
checkers and IDEs see the same names through the ``TYPE_CHECKING`` imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .version import __version__

#: public name -> module that defines it
_EXPORTS = {
    "MrcFormatError": "errors", "MrcWarning": "errors",
    "MrcFile": "reading.mrc_file", "Vec3": "reading.mrc_file", "open": "reading.mrc_file",
    "read_header": "reading.header",
    "Acquisition": "reading.metadata", "acquisition": "reading.metadata",
    "ExtendedHeader": "format.extended",
    "file_reader": "hyperspy.reader", "file_writer": "hyperspy.writer",
    "write": "writing.writer", "new": "writing.writer", "set_extended_header": "writing.extended_ranges",
    "edit": "writing.editing", "append": "writing.appending", "fix": "validation.fixes",
    "recover": "writing.inplace",
    "to_ome_zarr": "convert.omezarr", "to_references": "convert.references",
    "validate": "validation.validator", "Finding": "validation.report", "Report": "validation.report",
}

if TYPE_CHECKING:  # what the lazy loader below returns, for type checkers and IDEs
    from .convert.omezarr import to_ome_zarr
    from .convert.references import to_references
    from .errors import MrcFormatError, MrcWarning
    from .format.extended import ExtendedHeader
    from .hyperspy.reader import file_reader
    from .hyperspy.writer import file_writer
    from .reading.header import read_header
    from .reading.metadata import Acquisition, acquisition
    from .reading.mrc_file import MrcFile, Vec3, open
    from .validation.fixes import fix
    from .validation.report import Finding, Report
    from .validation.validator import validate
    from .writing.appending import append
    from .writing.editing import edit
    from .writing.extended_ranges import set_extended_header
    from .writing.inplace import recover
    from .writing.writer import new, write

__all__ = [
    "Acquisition", "Finding", "MrcFile", "MrcFormatError", "MrcWarning", "Report", "Vec3", "__version__",
    "acquisition", "file_reader", "file_writer", "new", "open", "read_header", "recover", "set_extended_header",
    "to_ome_zarr", "to_references", "validate", "write", "ExtendedHeader", "edit", "fix", "append",
]


assert set(__all__) == set(_EXPORTS) | {"__version__"}


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
