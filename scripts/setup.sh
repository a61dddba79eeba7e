#!/usr/bin/env bash
# Installs what Consortia needs beyond npm packages. Idempotent; safe to re-run.
#  - the pinned CometBFT, built from its Go module into .bin/ (reused when already that version)
#  - iproute2 (network namespaces for partition tests), when running as root and missing
set -euo pipefail
cd "$(dirname "$0")/.."

COMETBFT_VERSION="v0.38.26"
BIN_DIR="$(pwd)/.bin"
mkdir -p "$BIN_DIR"

have_version() {
  [ -x "$1" ] && [ "$("$1" version 2>/dev/null | head -n1)" = "${COMETBFT_VERSION#v}" ]
}

if have_version "$BIN_DIR/cometbft"; then
  echo "setup: cometbft ${COMETBFT_VERSION} already in .bin/"
elif command -v cometbft >/dev/null 2>&1 && have_version "$(command -v cometbft)"; then
  ln -sf "$(command -v cometbft)" "$BIN_DIR/cometbft"
  echo "setup: using cometbft ${COMETBFT_VERSION} from PATH"
else
  if ! command -v go >/dev/null 2>&1; then
    echo "setup: Go >= 1.22 is required to build cometbft ${COMETBFT_VERSION} (or put that cometbft on PATH)" >&2
    exit 1
  fi
  echo "setup: building cometbft ${COMETBFT_VERSION} with go install (about 2 minutes the first time)..."
  GOBIN="$BIN_DIR" GOFLAGS="-mod=mod" go install "github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}"
  have_version "$BIN_DIR/cometbft" || { echo "setup: built cometbft reports the wrong version" >&2; exit 1; }
fi

if ! command -v ip >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing iproute2 (network namespaces for partition tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
fi
echo "setup: done"
