"""slawatch processing: the pure clock engine and the Faust runtime around it."""
