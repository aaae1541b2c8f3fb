#!/usr/bin/env bash
# Builds nginx with kaltura/nginx-vod-module, the anchor of the cold bench (`npm run bench --
# --vod bench/.work/vod/nginx/sbin/nginx`), from source directories the operator provides
# (docs/benchmarks.md, "Building the nginx-vod-module anchor", says where to get them and which
# packages the build needs). Never part of CI or `npm ci`.
#
#   bench/vod/build.sh <nginx source dir> <nginx-vod-module source dir>
#   NGINX_SRC=… VOD_SRC=… bench/vod/build.sh
#
# Everything it writes is under bench/.work/vod/ (gitignored): a copy of both source trees
# (the originals are not modified), the build, and nginx/sbin/nginx.
# JOBS (default 2) sets make's parallelism; the build runs under nice.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(cd "$here/.." && pwd)/.work/vod"
nginx_src="${1:-${NGINX_SRC:-}}"
vod_src="${2:-${VOD_SRC:-}}"
jobs="${JOBS:-2}"

usage() {
  echo "usage: $0 <nginx source dir> <nginx-vod-module source dir>  (or NGINX_SRC=… VOD_SRC=…)" >&2
  exit 2
}
[[ -n "$nginx_src" && -n "$vod_src" ]] || usage
[[ -x "$nginx_src/auto/configure" || -x "$nginx_src/configure" ]] || {
  echo "$nginx_src: not an nginx source tree (no configure or auto/configure)" >&2
  exit 2
}
[[ -f "$vod_src/config" && -d "$vod_src/vod" ]] || {
  echo "$vod_src: not an nginx-vod-module source tree (no config, no vod/)" >&2
  exit 2
}
for header in pcre.h zlib.h openssl/ssl.h; do
  echo "#include <$header>" | cc -E - >/dev/null 2>&1 || {
    echo "missing $header: apt-get install build-essential libpcre3-dev zlib1g-dev libssl-dev" >&2
    exit 1
  }
done

mkdir -p "$work"
build="$work/build"
prefix="$work/nginx"
rm -rf "$build"
mkdir -p "$build/nginx" "$build/vod"
cp -a "$nginx_src/." "$build/nginx/"
cp -a "$vod_src/." "$build/vod/"

cd "$build/nginx"
# A GitHub tree keeps configure in auto/; the release tarball has it at the top.
configure=./configure
[[ -x ./configure ]] || configure=./auto/configure
# Only the binary is installed (the bench writes its own configuration and passes -p and -c):
# copied under a temporary name and renamed, so a failed build never leaves a half-written
# nginx where the bench looks for one.
"$configure" \
  --prefix="$prefix" \
  --with-threads \
  --with-file-aio \
  --with-cc-opt='-O2' \
  --add-module="$build/vod" \
  >"$work/configure.log" 2>&1 || {
  tail -20 "$work/configure.log" >&2
  exit 1
}
nice -n 10 make -j"$jobs" >"$work/make.log" 2>&1 || {
  tail -30 "$work/make.log" >&2
  exit 1
}
mkdir -p "$prefix/sbin" "$prefix/logs"
cp objs/nginx "$prefix/sbin/nginx.part"
mv "$prefix/sbin/nginx.part" "$prefix/sbin/nginx"
"$prefix/sbin/nginx" -V 2>&1 | head -1
echo "built $prefix/sbin/nginx"
