"""glamupload: publish GLAM collections on Wikimedia Commons."""

__version__ = "0.1.0"
