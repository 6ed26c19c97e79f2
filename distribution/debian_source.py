"""A Debian source package's files, downloaded with `apt-get source --download-only` through a
private apt configuration (its own sources list, lists and caches under
~/.cache/freeze/apt/<package>, deb-src entries derived from this machine's mirrors), so that
the system's apt setup is untouched. Cached in ~/.cache/freeze/sources/<package>.

A suite's index can name a version whose files the mirror no longer (or not yet) serves: a
point release whose files moved, a security update whose .dsc is missing (seen here for
openssl 3.5.9-1~deb13u1 and 3.0.22-1~deb12u2). The versions the indexes list are tried newest
first until one downloads."""
import glob
import os
import shutil
import subprocess

import apt_sources
import build_root
from progress import BuildError


def upstream_tarballs(directory, package):
    """The upstream tarballs (<package>_<version>.orig.tar.*) in a download, oldest first; not
    the detached signatures (.orig.tar.xz.asc) some packages carry beside them."""
    return sorted(path for path in glob.glob(os.path.join(directory, f"{package}_*.orig.tar.*"))
                  if not path.endswith((".asc", ".sig")))


def _apt_options(state):
    return ["-o", f"Dir::Etc::SourceList={state}/sources.list", "-o", f"Dir::Etc::SourceParts={state}/sources.list.d",
            "-o", f"Dir::State::Lists={state}/lists", "-o", f"Dir::Cache={state}/cache",
            "-o", f"Dir::State::status={state}/status", "-o", "APT::Sandbox::User=root",
            "-o", "Debug::NoLocking=1"]


def _versions(options, package):
    """The versions of package's source the indexes list, newest first."""
    shown = subprocess.run(["apt-cache", *options, "showsrc", package], capture_output=True, text=True).stdout
    versions = [line.split(None, 1)[1].strip() for line in shown.splitlines() if line.startswith("Version:")]
    unique = sorted(set(versions), key=versions.index)

    def newer(a, b):  # dpkg's own ordering
        return subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0

    ordered = []
    for version in unique:
        position = next((i for i, other in enumerate(ordered) if newer(version, other)), len(ordered))
        ordered.insert(position, version)
    return ordered


def download(progress, package, suites, is_complete):
    """The directory holding package's source files from the newest downloadable version in
    suites; `is_complete(directory)` says whether a download holds what the caller needs."""
    downloads = os.path.join(build_root.cache_dir(), "sources", package)
    if os.path.isdir(downloads) and is_complete(downloads):
        progress.note(f"{package} source: cached ({downloads})")
        return downloads
    state = os.path.join(build_root.cache_dir(), "apt", package)
    for sub in ("lists/partial", "cache/archives/partial", "sources.list.d"):
        os.makedirs(os.path.join(state, sub), exist_ok=True)
    with open(os.path.join(state, "sources.list"), "w") as f:
        f.writelines(apt_sources.source_list(suite) for suite in suites)
    open(os.path.join(state, "status"), "a").close()
    progress.phase(f"apt-get source {package} ({', '.join(suites)})")
    options = _apt_options(state)
    progress.run(["apt-get", *options, "update"], f"apt-get update for {', '.join(suites)}'s deb-src entries")
    versions = _versions(options, package)
    if not versions:
        raise BuildError(f"no source package {package} in {', '.join(suites)}")
    temporary = downloads + ".tmp"
    for version in versions:
        shutil.rmtree(temporary, ignore_errors=True)
        os.makedirs(temporary)
        try:
            progress.run(["apt-get", *options, "source", "--download-only", f"{package}={version}"],
                         f"apt-get source {package}={version}", cwd=temporary)
        except BuildError:
            progress.note(f"{package} {version}: not downloadable from this mirror, trying an older version")
            continue
        if is_complete(temporary):
            shutil.rmtree(downloads, ignore_errors=True)
            os.rename(temporary, downloads)
            progress.end_phase()
            return downloads
    shutil.rmtree(temporary, ignore_errors=True)
    raise BuildError(f"this mirror serves none of {package}'s source versions {', '.join(versions)} "
                     f"listed in {', '.join(suites)} (apt-get source: 404)")
