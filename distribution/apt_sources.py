"""The Debian mirrors this machine already uses, read from its apt sources file.

Nothing here names a host: the build root and the source downloads use whatever mirror the
machine is configured with (deb822 `debian.sources` or the one-line `sources.list`)."""
import os

DEB822 = "/etc/apt/sources.list.d/debian.sources"
ONE_LINE = "/etc/apt/sources.list"


def _deb822_entries(text):
    for stanza in text.split("\n\n"):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if fields.get("uris") and fields.get("suites"):
            yield {"types": fields.get("types", "deb").split(), "uri": fields["uris"].split()[0],
                   "suites": fields["suites"].split(), "components": fields.get("components", "main").split(),
                   "signed_by": fields.get("signed-by")}


def _one_line_entries(text):
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 3 or words[0] not in ("deb", "deb-src"):
            continue
        if words[1].startswith("["):  # options such as [signed-by=...]
            while words and not words[1].endswith("]"):
                words.pop(1)
            words.pop(1)
        yield {"types": [words[0]], "uri": words[1], "suites": [words[2]], "components": words[3:] or ["main"],
               "signed_by": None}


def entries():
    if os.path.exists(DEB822):
        with open(DEB822) as f:
            found = list(_deb822_entries(f.read()))
        if found:
            return found
    if os.path.exists(ONE_LINE):
        with open(ONE_LINE) as f:
            found = list(_one_line_entries(f.read()))
        if found:
            return found
    raise SystemExit(f"freeze-distribution: error: no Debian mirror found in {DEB822} or {ONE_LINE}")


def main_mirror():
    """The URI of the main archive (the entry whose suites are not *-security)."""
    for entry in entries():
        if not any(s.endswith("-security") for s in entry["suites"]):
            return entry["uri"].rstrip("/")
    raise SystemExit("freeze-distribution: error: the apt sources name no main Debian archive")


def security_mirror():
    for entry in entries():
        if any(s.endswith("-security") for s in entry["suites"]):
            return entry["uri"].rstrip("/")
    return None


def source_list(suite):
    """The deb-src line for `suite` on this machine's main mirror. Not the security suite: its
    mirror here serves the upstream tarball but not the .dsc and .debian.tar.xz (404), and only
    the upstream tarball is used."""
    keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    return f"deb-src [signed-by={keyring}] {main_mirror()} {suite} main\n"
