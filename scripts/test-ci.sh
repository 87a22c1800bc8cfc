#!/usr/bin/env bash
# `npm run test:ci`: everything the tests need on a fresh machine of this kind, then the tests.
#  - Debian packages: chromium + fonts-dejavu-core (the browser tests: report, library in a page,
#    playground; playwright-core drives /usr/bin/chromium, it downloads no browser) and
#    dataset-fashion-mnist (two data tests). Installed only when missing (apt-get update once; root,
#    or sudo when available). The Python reference tools are for developers, not needed here.
#  - npm install (its `prepare` builds dist/ and the playground bundle), type-check, build, npm test.
# .ci/run calls exactly this command.
set -euo pipefail
cd "$(dirname "$0")/.."
node --version
apt_packages=()
[ -d /usr/share/datasets/fashion-mnist ] || apt_packages+=(dataset-fashion-mnist)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || apt_packages+=(fonts-dejavu-core)
if [ ${#apt_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "test:ci: missing Debian packages ${apt_packages[*]}; run as root: apt-get install ${apt_packages[*]}" >&2
    exit 1
  fi
  echo "test:ci: installing ${apt_packages[*]} (Debian)"
  "${as_root[@]}" apt-get update -qq >/dev/null
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi
# npm ci rejects lockfiles written with omit-lockfile-registry-resolved (optional platform
# packages show as "missing"); npm install follows the lockfile and installs the same tree.
npm install --no-audit --no-fund
npm run typecheck
npm run build
npm test
