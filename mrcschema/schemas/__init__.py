"""The layouts of the format, each written once as a ``construct`` schema.

``mrc2014`` holds the 1024-byte main header (and the IMOD view of its EXTRA
bytes); ``fei`` the Thermo Fisher extended-header records; ``seri`` the
SerialEM per-section items.  :mod:`mrcschema.engine` derives dtypes, record
classes and field tables from them.
"""
