"""mrcschema: MRC files (MRC2014, IMOD, Thermo Fisher, Direct Electron) read from declared schemas.

Entry points: :func:`open`, :func:`read_header`, :func:`validate`, :func:`write`, :func:`new`,
:func:`file_reader` (HyperSpy); ``python -m mrcschema dump|validate FILE``.

The names below are loaded on first use (PEP 562): ``import mrcschema`` costs almost nothing, and a
script that only opens files never imports the validator, the writer or the HyperSpy reader.
"""

import importlib
import sys
import types

__version__ = "0.1.0"

#: public name -> submodule that defines it
_EXPORTS = {
    "MrcFormatError": "errors", "MrcWarning": "errors",
    "MrcFile": "file", "Vec3": "file", "open": "file",
    "read_header": "header",
    "Acquisition": "acquisition", "acquisition": "acquisition",
    "ExtendedHeader": "extended",
    "file_reader": "hyperspy_reader", "file_writer": "hyperspy_writer",
    "write": "write", "new": "write", "set_extended_header": "write",
    "validate": "validate", "Finding": "validate", "Report": "validate",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__


#: functions that share their module's name (``mrcschema.write`` the function, not the module)
_SAME_NAME = {name for name, module in _EXPORTS.items() if name == module}


class _Package(types.ModuleType):
    """Keeps the functions ``write``, ``validate`` and ``acquisition`` when their modules of the
    same name are imported (the import system would otherwise set the module over the function)."""

    def __setattr__(self, name, value):
        if name in _SAME_NAME and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
