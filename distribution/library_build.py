"""A library built from the upstream tarball of a Debian source package inside the build root,
for what the root's own -dev packages cannot give (OpenSSL 3, a static libgdbm_compat). Built
once and cached in ~/.cache/freeze/libraries/<package>-<version>-<key>/, keyed by the tarball,
the build's options and the root; a killed build leaves only *.work and *.tmp directories,
which the next one removes."""
import hashlib
import json
import os
import shutil

import build_root
import chroot_run
import debian_source


def ensure_library(progress, root, package, name, suites, build_format, options, prefix_in_root, product, commands,
                   description):
    """The directory of `package` (called `name`) built in root (now unless cached).

    options: what the build depends on besides the tarball (its configure options); commands: the
    shell commands that build and install it into prefix_in_root, run in its unpacked source;
    product: a file of the installed tree that says it is complete; description: what is built,
    for the progress line."""
    def tarballs(directory):
        return debian_source.upstream_tarballs(directory, package)

    downloads = debian_source.download(progress, package, suites, tarballs)
    tarball = tarballs(downloads)[-1]
    version = os.path.basename(tarball).split("_")[1].split(".orig")[0]
    key = hashlib.sha256(json.dumps([build_format, os.path.basename(tarball), os.path.getsize(tarball),
                                     options, os.path.basename(root)]).encode()).hexdigest()[:12]
    final = os.path.join(build_root.cache_dir(), "libraries", f"{package}-{version}-{key}")
    if os.path.isfile(os.path.join(final, product)):
        progress.note(f"{name} {version}: cached ({final})")
        return final
    work = final + ".work"
    install = final + ".tmp"
    for directory in (work, install):
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
    progress.phase(f"building {name} {version} ({description}, in the {os.path.basename(root).split('-')[0]} root)")
    progress.run(["tar", "-xf", tarball, "-C", work, "--no-same-owner", "--strip-components=1"],
                 f"unpacking {tarball}")
    source = f"/freeze/{package}-source"
    progress.run(chroot_run.command(root, ["sh", "-c", f"cd {source} && {commands}"],
                                    binds=[(work, source), (install, prefix_in_root)]),
                 f"building {name} {version}")
    os.rename(install, final)
    shutil.rmtree(work, ignore_errors=True)
    progress.end_phase()
    return final
