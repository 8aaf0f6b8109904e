"""HyperSpy / RosettaSciIO plugin: ``file_reader`` (:mod:`.reader`) and ``file_writer`` (:mod:`.writer`)."""
