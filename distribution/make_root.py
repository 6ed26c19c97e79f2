"""Makes (or finds cached) a debootstrapped root and prints its path: the build root with
`--build`, else a bare minbase root with no Python, where the tests run frozen executables.

    /usr/bin/python3.11 distribution/make_root.py bullseye --build"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_root  # noqa: E402
from progress import BuildError, Progress  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("suite")
    parser.add_argument("--build", action="store_true", help="install the build packages")
    args = parser.parse_args()
    log = os.path.join(build_root.cache_dir(), "roots", f"{args.suite}.log")
    progress = Progress(log)
    try:
        root = build_root.ensure_root(progress, args.suite, build_root.BUILD_PACKAGES if args.build else [])
    except BuildError as error:
        sys.exit(f"freeze-distribution: error: {error}")
    print(root)


if __name__ == "__main__":
    main()
