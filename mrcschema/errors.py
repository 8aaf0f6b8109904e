"""Errors raised for malformed MRC input.

Every problem with a file's content is reported as :class:`MrcFormatError`, a
:class:`ValueError`, whose message names the header field, its byte offset and
what was expected, so a user can look the field up in ``mrcschema dump``.
"""


def location(field=None, offset=None) -> str:
    """Where a problem is, as messages and warnings say it: ``"<field> at offset <n>"``,
    ``"<field>"``, ``"offset <n>"``, or ``""`` when neither is known."""
    where = []
    if field is not None:
        where.append(field)
    if offset is not None:
        where.append(f"offset {offset}")
    return " at ".join(where)


class MrcFormatError(ValueError):
    """A file does not follow the format: names the field, the offset and what was expected."""

    def __init__(self, message, *, field=None, offset=None):
        where = location(field, offset)
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message  #: the text after "<field> at offset <n>: "
        self.field = field
        self.offset = offset


class MrcWarning(UserWarning):
    """A file departs from the specification in a way that can be read around."""


def os_error_text(exc: OSError, path: object = None) -> str:
    """What an ``OSError`` says, for a line that already names ``path``: the system's message
    without the class name, the ``[Errno N]`` number or a repeat of the path
    (``No such file or directory``); another file the error names is kept (``...: /other``)."""
    if exc.strerror is None:
        text = str(exc) or type(exc).__name__
        for prefix in (f"{path}: ", f"{path} "):  # "PATH: reading failed ...", "PATH is a directory ..."
            if path is not None and text.startswith(prefix):
                return text[len(prefix):]
        return text
    others = [str(n) for n in (exc.filename, exc.filename2) if n is not None and str(n) != str(path)]
    return exc.strerror + (": " + ", ".join(others) if others else "")
