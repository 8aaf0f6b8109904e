"""The format layer: bytes <-> records, no file system.

Each layout is written once, as a ``construct`` schema with a doc string per field (``mrc2014``,
``fei``, ``seri``, ``agard``), compiled by :mod:`.generate` into ``_generated/`` (record classes,
``struct`` formats, dtypes, field tables); :mod:`.engine` parses and builds through the compiled
forms, :mod:`.records` is the record base class and :mod:`.deferred` imports numpy on first use.
Around the schemas: the mode table (:mod:`.modes`), byte order
(:mod:`.byteorder`), EXTTYP codes and signatures (:mod:`.exttyp`), where the data block is
(:mod:`.geometry`), what an extended header holds (:mod:`.extended`), header statistics
(:mod:`.statistics`), header records changed field by field (:mod:`.header_edits`) and record
values rendered for people (:mod:`.values`).
"""
