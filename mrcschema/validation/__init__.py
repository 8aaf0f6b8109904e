"""The validation layer: the rule table (:mod:`.rules`), the file as the rules see it
(:mod:`.context`), findings and reports (:mod:`.report`) and ``validate`` (:mod:`.validator`)."""
