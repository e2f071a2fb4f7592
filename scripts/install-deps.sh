#!/usr/bin/env bash
# Installs what rnntrain needs beyond the Swift toolchain: OpenBLAS's CBLAS
# (Debian's libopenblas-dev), zlib (zlib1g-dev, for .tfrecord.gz) and OpenMPI
# (libopenmpi-dev for the build's CMPI target, openmpi-bin for mpirun: the
# data-parallel tests launch real ranks).
# Idempotent: does nothing when the headers and libraries are already there.
# Uses sudo only when not running as root.
set -euo pipefail

have_openblas() {
    for h in /usr/include/cblas.h /usr/include/x86_64-linux-gnu/cblas.h /usr/include/aarch64-linux-gnu/cblas.h \
             /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h /usr/include/openblas/cblas.h; do
        if [ -f "$h" ]; then
            ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so' && return 0
            ls /usr/lib/*/libopenblas.so /usr/lib/libopenblas.so >/dev/null 2>&1 && return 0
        fi
    done
    return 1
}

have_zlib() {
    [ -f /usr/include/zlib.h ] || return 1
    ldconfig -p 2>/dev/null | grep -q 'libz\.so ' && return 0
    ls /usr/lib/*/libz.so /usr/lib/libz.so >/dev/null 2>&1
}

have_openmpi() {
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists ompi-c || return 1
    command -v mpirun >/dev/null 2>&1
}

packages=()
have_openblas || packages+=(libopenblas-dev)
have_zlib || packages+=(zlib1g-dev)
have_openmpi || packages+=(libopenmpi-dev openmpi-bin)
# SwiftPM finds OpenMPI's headers (outside the default include path) through pkg-config.
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
if [ ${#packages[@]} -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: ${packages[*]} missing and apt-get is not available;" >&2
    echo "       install your system's OpenBLAS, zlib and OpenMPI development packages and run make again" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: ${packages[*]} missing and installing needs root (no sudo found)" >&2
        exit 1
    fi
fi

echo "installing ${packages[*]}..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
have_openblas || { echo "error: libopenblas-dev installed but cblas.h or libopenblas.so still not found" >&2; exit 1; }
have_zlib || { echo "error: zlib1g-dev installed but zlib.h or libz.so still not found" >&2; exit 1; }
have_openmpi || { echo "error: OpenMPI installed but pkg-config ompi-c or mpirun still not found" >&2; exit 1; }
