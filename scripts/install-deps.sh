#!/bin/sh
# install-deps.sh — system and Python dependencies for the C examples and the
# interop suite, on Debian 12. Idempotent and non-interactive; run as root (CI)
# or with sudo. Installs only what is missing:
#   apt:  gnutls-bin (gnutls-serv, gnutls-cli), openssl, libssl-dev, a C
#         compiler (gcc brings the ASan/UBSan runtimes for `make test-asan`) and
#         make, python3 with pip, valgrind (`make test-valgrind`)
#   pip:  requirements-test.txt (pytest, nassl, cryptography, tlslite-ng)
#   cargo: cargo-fuzz (`make fuzz-smoke`), from crates.io with its lock file
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
requirements=$repo/requirements-test.txt

say() { echo "install-deps: $*"; }
die() { echo "install-deps: error: $*" >&2; exit 1; }

[ -f "$requirements" ] || die "$requirements not found"

# --- Debian packages ------------------------------------------------------------
# package:command-or-file pairs; a package is installed when its probe is absent.
need_pkgs=""
probe() {
    pkg=$1 what=$2
    case $what in
        /*) [ -e "$what" ] && return 0 ;;
        *) command -v "$what" >/dev/null 2>&1 && return 0 ;;
    esac
    need_pkgs="$need_pkgs $pkg"
}
probe gnutls-bin gnutls-serv
probe gnutls-bin gnutls-cli
probe openssl openssl
probe libssl-dev /usr/include/openssl/ssl.h
probe gcc cc
probe libc6-dev /usr/include/stdio.h
probe make make
probe python3 python3
probe coreutils stdbuf
probe curl curl
probe valgrind valgrind
# pip itself: needed when python3 is absent or has no pip module.
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
    need_pkgs="$need_pkgs python3-pip"
fi

# Deduplicate (gnutls-bin is probed twice).
# shellcheck disable=SC2086 # word splitting of the package list is intended
set -- $(printf '%s\n' $need_pkgs | sort -u)
need_pkgs="$*"
if [ -n "$need_pkgs" ]; then
    command -v apt-get >/dev/null 2>&1 || die "missing packages ($need_pkgs) and no apt-get to install them"
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO="sudo -n"
        else
            die "missing packages ($need_pkgs): run as root"
        fi
    else
        SUDO=""
    fi
    say "installing $need_pkgs"
    export DEBIAN_FRONTEND=noninteractive
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    if ! { $SUDO apt-get update -q && \
           $SUDO apt-get install -y -q --no-install-recommends $need_pkgs; } >"$log" 2>&1; then
        cat "$log" >&2
        die "apt-get failed"
    fi
    need_pkgs=""
    probe gnutls-bin gnutls-serv
    probe openssl openssl
    probe gcc cc
    probe python3-pip python3
    probe valgrind valgrind
    [ -z "$need_pkgs" ] || die "still missing after apt-get:$need_pkgs"
fi

# --- Python packages ------------------------------------------------------------
# Probe by import so that an already-working environment is left alone.
if ! python3 -c 'import pytest, nassl.legacy_ssl_client, cryptography, tlslite' >/dev/null 2>&1; then
    say "installing Python packages from requirements-test.txt"
    # Debian's python3 is "externally managed" (PEP 668); CI machines are
    # throwaway, so install into it anyway. Older pips ignore the variable.
    if ! PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
         python3 -m pip install -q -r "$requirements"; then
        die "pip install -r $requirements failed"
    fi
    python3 -c 'import pytest, nassl.legacy_ssl_client' >/dev/null 2>&1 \
        || die "pytest / nassl still not importable after pip install"
fi

# --- Rust tools -----------------------------------------------------------------
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust first)"
    say "installing cargo-fuzz"
    cargo install --quiet --locked cargo-fuzz || die "cargo install cargo-fuzz failed"
fi

say "ok"
