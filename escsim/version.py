"""The escsim version: one place, read by the package, the results it writes and the build."""

__version__ = "0.2.0"
