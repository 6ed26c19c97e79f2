"""CPU-bound work in the interpreter itself, where a build's optimisation (LTO, PGO) shows:
the kinds of work issue #12 measured (calls, dict and str operations, class creation, the
cyclic GC). About a quarter of a second under python; prints a checksum so that no work can
be skipped."""
import gc


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def dicts_and_strings(rounds):
    total = 0
    for i in range(rounds):
        words = {f"key{j}": str(j * i) for j in range(50)}
        total += len("-".join(sorted(words.values())))
    return total


def classes(count):
    made = [type(f"C{i}", (object,), {"x": i, "f": lambda self: self.x}) for i in range(count)]
    return sum(cls().f() for cls in made)


def garbage(rounds):
    for _ in range(rounds):
        nodes = [[] for _ in range(200)]
        for a, b in zip(nodes, nodes[1:]):
            a.append(b)
            b.append(a)
    return gc.collect()


def main():
    print(fib(22), dicts_and_strings(1500), classes(1500), garbage(300) >= 0)


if __name__ == "__main__":
    main()
