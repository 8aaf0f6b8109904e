"""Converting and sharing: OME-Zarr export (:mod:`.omezarr`) and kerchunk references that let zarr read
an MRC file's data block in place (:mod:`.references`).  Above ``reading/``, beside ``writing/``;
zarr, numcodecs and the NGFF models (the ``convert`` extra) are imported only here, when converting."""
