"""napari plugin (npe2): MRC files open as image layers; the manifest is ``napari.yaml`` here, the
reader :mod:`.reader`.  Installed with the ``napari`` extra (``pip install ".[napari]"``)."""
