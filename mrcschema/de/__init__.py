"""Direct Electron files: the ``*_info.txt`` schema (:mod:`.info`), the files of one acquisition
(:mod:`.files`) and the number of frames a movie should hold (:mod:`.frames`)."""
