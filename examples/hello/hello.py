"""The smallest freeze app: one module."""
import sys


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "world"
    print(f"Hello, {name}! (frozen: {getattr(sys, 'frozen', False)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
