"""A third-party app: pygments highlights a Python file to ANSI."""
import sys

from pygments import highlight
from pygments.formatters import TerminalFormatter
from pygments.lexers import PythonLexer

SOURCE = '''
import os

def walk(top):
    """Yield every file below top."""
    for root, dirs, files in os.walk(top):
        for name in files:
            yield os.path.join(root, name)  # full path

class Counter:
    def __init__(self):
        self.total = 0
''' * 20

sys.stdout.write(highlight(SOURCE, PythonLexer(), TerminalFormatter())[:80] + "\n")
