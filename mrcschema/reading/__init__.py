"""The reading layer: :class:`~.mrc_file.MrcFile` and ``open``, ``read_header``, the one data-window
reader (:mod:`.window`) that opening, validation, the lazy graphs and the HyperSpy reader share,
the description ``dump`` prints (:mod:`.describe`), acquisition metadata (:mod:`.metadata`) and
lazy dask graphs (:mod:`.lazy`)."""
