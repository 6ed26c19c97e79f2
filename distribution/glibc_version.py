"""The newest GLIBC_x.y symbol version an ELF file needs, read from `objdump -T`."""
import re
import subprocess


def newest_glibc(path):
    dump = subprocess.run(["objdump", "-T", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True, check=True).stdout
    versions = {tuple(map(int, m.groups())) for m in re.finditer(r"\bGLIBC_(\d+)\.(\d+)(?:\.\d+)?\b", dump)}
    if not versions:
        return None
    return "%d.%d" % max(versions)


if __name__ == "__main__":
    import sys
    print(newest_glibc(sys.argv[1]))
