"""The writing layer: ``write`` and ``new`` (:mod:`.writer`), headers for new data
(:mod:`.new_header`), dtype conversion (:mod:`.conversion`), extended headers (:mod:`.extended`),
atomic temporary files (:mod:`.atomic`) and extended headers set in place (:mod:`.extended_ranges`)."""
