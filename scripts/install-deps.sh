#!/usr/bin/env bash
# Installs what rnntrain needs beyond the Swift toolchain: OpenBLAS's CBLAS
# (Debian's libopenblas-dev). Idempotent: does nothing when cblas.h and the
# library are already there. Uses sudo only when not running as root.
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

if have_openblas; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: OpenBLAS (cblas.h, libopenblas) is missing and apt-get is not available;" >&2
    echo "       install your system's OpenBLAS development package and run make again" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: libopenblas-dev is missing and installing it needs root (no sudo found)" >&2
        exit 1
    fi
fi

echo "installing libopenblas-dev (OpenBLAS with CBLAS headers)..." >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libopenblas-dev >/dev/null
have_openblas || { echo "error: libopenblas-dev installed but cblas.h or libopenblas.so still not found" >&2; exit 1; }
