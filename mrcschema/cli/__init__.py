"""The command line: ``python -m mrcschema dump|validate`` (:mod:`.main`), text layout of ``dump``
(:mod:`.dump`)."""
