#!/usr/bin/env bash
# Installs what building and testing freeze needs on Debian 12, from Debian's own packages.
set -euo pipefail
packages=(
  cmake make g++ pkg-config
  python3.11 libpython3.11-dev        # the embedded CPython: static library, headers, stdlib
  libzstd-dev libzip-dev libexpat1-dev zlib1g-dev libxxhash-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev doctest-dev
  util-linux                          # unshare, for the hidden-stdlib test
  # Real packages with extension modules that the tests freeze from dist-packages:
  python3-yaml python3-jinja2 python3-markupsafe python3-psutil python3-cffi
)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "freeze: build dependencies installed"
