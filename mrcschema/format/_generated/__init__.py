"""Compiled by ``python -m mrcschema.format.generate``: do not edit.

One module per schema module (mrcschema.format.mrc2014, mrcschema.format.fei, mrcschema.format.seri, mrcschema.format.agard): record classes, field tables, ``struct`` formats and
numpy dtype descriptions compiled from their construct schemas (``mrcschema.format.generate``).
"""
