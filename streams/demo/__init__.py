"""``slawatch demo``: the live pipeline on the embedded parts (:mod:`.live`), what it prints
(:mod:`.display`), and the offline replay of the examples (:mod:`.offline`)."""
