"""What is a URL, and the names of files beside one: text only, no fsspec (opening a local file
must not import it)."""

from __future__ import annotations

#: the characters of a URL scheme after its first letter (RFC 3986)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")


def is_url(target: str) -> bool:
    """A URL fsspec should read: ``protocol://...`` or a ``::`` chain (``zip://x::s3://...``)."""
    if "::" in target:
        return True
    scheme, found, _ = target.partition("://")  # no regex: reading a local file compiles none
    return bool(found) and len(scheme) > 1 and scheme[0].isascii() and scheme[0].isalpha() \
        and set(scheme) <= _SCHEME_CHARS


def protocol_of(url: str) -> str:
    head = url.split("::", 1)[0]
    return head.split("://", 1)[0].lower() if "://" in head else "file"


def local_path_of(url: str) -> str | None:
    """The local path of a plain ``file://`` URL (no chain), else None."""
    if "::" in url or protocol_of(url) != "file":
        return None
    from urllib.parse import unquote, urlsplit  # URLs only: urllib.parse compiles a regex on import

    parts = urlsplit(url)
    return unquote(parts.path) if parts.netloc in ("", "localhost") else None


def sibling(url: str, name: str) -> str:
    """The URL of the file ``name`` in the same folder as ``url`` (the innermost path of a chain)."""
    head, sep, rest = url.partition("::")
    protocol, _, path = head.rpartition("://")
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    return f"{protocol}://{folder}{name}{sep}{rest}" if protocol else f"{folder}{name}{sep}{rest}"


def basename(location: str) -> str:
    """The file name of a path or URL (the innermost path of a chain, query left out)."""
    head = location.partition("::")[0]
    if is_url(head) and "::" not in head:
        from urllib.parse import unquote, urlsplit

        head = urlsplit(head).path if protocol_of(head) in ("http", "https") else head.split("://", 1)[1]
        head = unquote(head)
    return head.rstrip("/").rsplit("/", 1)[-1]
