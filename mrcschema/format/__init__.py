"""The format layer: bytes <-> records, no file system.

Each layout is written once, as a ``construct`` schema with a doc string per field (``mrc2014``,
``fei``, ``seri``, ``agard``); :mod:`.engine` derives dtypes, record classes, field tables and
builders from them.  Around the schemas: the mode table (:mod:`.modes`), byte order
(:mod:`.byteorder`), EXTTYP codes and signatures (:mod:`.exttyp`), where the data block is
(:mod:`.geometry`), what an extended header holds (:mod:`.extended`), header statistics
(:mod:`.statistics`), header records changed field by field (:mod:`.header_edits`) and record
values rendered for people (:mod:`.values`).
"""
