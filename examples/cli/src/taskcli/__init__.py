"""taskcli: a small task-list tool used as freeze's example of a multi-module app."""
__version__ = "1.0"
