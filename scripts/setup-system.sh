#!/usr/bin/env bash
# Installs the Debian packages the tests use beyond Node: mosquitto (interoperability
# suite), gcc-multilib and qemu-user (the generated C compiled with -m32 and run as i386 even
# where the kernel has no 32-bit support) and openssl (test certificates).
# Pass --cross to add the rv32imc toolchain and QEMU used by `npm run bench:device`.
set -euo pipefail
packages=(mosquitto gcc-multilib qemu-user openssl)
if [ "${1:-}" = "--cross" ]; then
  packages+=(gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)
fi
if ! command -v apt-get >/dev/null; then
  echo "setup-system: no apt-get here; install ${packages[*]} with your package manager" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "setup-system: installed ${packages[*]}"
