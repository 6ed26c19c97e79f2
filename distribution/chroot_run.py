"""Runs a command inside a debootstrapped root: a private mount namespace (`unshare -m`) with
/proc, /dev and the given host directories bind-mounted, then `chroot`. Nothing stays mounted
on the host when the command ends, whatever happens to it."""
import os
import shlex


def as_root():
    """The prefix that runs a command as root: none for root, else sudo (debootstrap, chroot and
    mount need it)."""
    return [] if os.geteuid() == 0 else ["sudo"]


def command(root, argv, binds=(), env=None):
    """The host command that runs argv in root; binds are (host_dir, dir_in_root) pairs."""
    steps = [f"mount -t proc proc {shlex.quote(root)}/proc",
             f"mount --rbind /dev {shlex.quote(root)}/dev"]
    for host_dir, inside in binds:
        target = root + inside
        steps.append(f"mkdir -p {shlex.quote(target)} && mount --bind {shlex.quote(host_dir)} {shlex.quote(target)}")
    environment = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "HOME": "/root", "LC_ALL": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
    environment.update(env or {})
    inner = " ".join(shlex.quote(a) for a in ["env", "-i", *(f"{k}={v}" for k, v in environment.items()), *argv])
    steps.append(f"exec chroot {shlex.quote(root)} {inner}")
    return as_root() + ["unshare", "-m", "--propagation", "private", "sh", "-c", " && ".join(steps)]
