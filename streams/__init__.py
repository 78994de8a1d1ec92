"""slawatch processing: the pure clock engine and the Faust runtime around it."""

from models import _native

_native.install()  # before any compiled module is looked up
