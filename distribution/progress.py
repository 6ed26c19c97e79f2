"""Phase-by-phase progress on stderr, and the full log of every command in one file.

Each phase prints its name when it starts and its elapsed time when it ends; the commands'
output goes only to the log, whose path every error names."""
import os
import subprocess
import sys
import time


class BuildError(Exception):
    """A failed step: the message is one line, the log holds the details."""


class Progress:
    def __init__(self, log_path):
        self.log_path = log_path
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        self.log = open(log_path, "a", buffering=1)
        self.start = time.monotonic()
        self.phase_name = None
        self.phase_start = None

    def phase(self, name):
        self.end_phase()
        self.phase_name = name
        self.phase_start = time.monotonic()
        print(f"freeze-distribution: {name} ...", file=sys.stderr, flush=True)
        self.log.write(f"\n===== {name} ({time.strftime('%H:%M:%S')}) =====\n")

    def end_phase(self, failed=False):
        if self.phase_name is None:
            return
        took = time.monotonic() - self.phase_start
        outcome = "failed after" if failed else "done in"
        print(f"freeze-distribution: {self.phase_name}: {outcome} {took:.0f} s", file=sys.stderr, flush=True)
        self.log.write(f"===== {self.phase_name}: {outcome} {took:.1f} s =====\n")
        self.phase_name = None

    def note(self, text):
        print(f"freeze-distribution: {text}", file=sys.stderr, flush=True)
        self.log.write(text + "\n")

    def run(self, command, what, **kwargs):
        """Runs command with its output appended to the log; a failure names what and the log."""
        self.log.write("$ " + " ".join(map(str, command)) + "\n")
        self.log.flush()
        try:
            result = subprocess.run(command, stdout=self.log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, **kwargs)
        except FileNotFoundError:
            raise BuildError(f"{what} failed: {command[0]} is not installed") from None
        if result.returncode != 0:
            raise BuildError(f"{what} failed (exit status {result.returncode}); see {self.log_path}")

    def output(self, command, what):
        """Runs command and returns its stdout; stderr goes to the log."""
        self.log.write("$ " + " ".join(map(str, command)) + "\n")
        self.log.flush()
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=self.log,
                                stdin=subprocess.DEVNULL, text=True)
        if result.returncode != 0:
            raise BuildError(f"{what} failed (exit status {result.returncode}); see {self.log_path}")
        return result.stdout

    def total(self):
        self.end_phase()
        return time.monotonic() - self.start
