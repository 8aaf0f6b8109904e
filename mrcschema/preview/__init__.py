"""``mrcschema preview``: a PNG picture of a file's data (needs the ``preview`` extra: Pillow).

:mod:`.render` chooses what to show and reads only that (the central section of a volume, sections
across it, the first frames of a stack, a virtual image of a 4D-STEM scan), sets the contrast from
percentiles and lays the panels out with a scale bar and a caption of the main header facts.
"""
