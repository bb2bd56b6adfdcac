#!/usr/bin/env bash
# Builds the Parley OCI image without a daemon and without a registry:
# buildah, from scratch, filled with the release binary and exactly the
# files it needs at run time, all taken from installed Debian packages:
#   - the shared libraries the binary links (ldd), and the dynamic loader
#   - CA certificates (ca-certificates) for Entra ID, Azure OpenAI and
#     PostgreSQL verify-full
#   - /etc/passwd and /etc/group with uid/gid 10001 (parley), /etc/nsswitch.conf
#   - each package's copyright file, and a list of the packages and versions
#     the files came from (/usr/share/parley/packages.txt, also a label)
# No shell, no package manager, no tzdata (Parley works in UTC only).
#
#   scripts/build-image.sh [binary]     (default build/release/src/app/parley)
#   scripts/build-image.sh --rootfs <dir> [binary]
#       only assembles the file tree into <dir> (deploy/Containerfile uses it)
# Environment: PARLEY_IMAGE_NAME (default localhost/parley),
#   SOURCE_DATE_EPOCH (default: the commit time) for reproducible timestamps.
# The last line printed is the image reference, e.g. localhost/parley:0.1.0.
set -euo pipefail
cd "$(dirname "$0")/.."

rootfs_only=""
if [[ ${1:-} == --rootfs ]]; then
  rootfs_only=$2
  shift 2
fi
binary=${1:-build/release/src/app/parley}
name=${PARLEY_IMAGE_NAME:-localhost/parley}
[[ -x $binary ]] || { echo "build-image: $binary is missing: make release builds it" >&2; exit 1; }
[[ -n $rootfs_only ]] || command -v buildah >/dev/null || { echo "build-image: buildah is missing: PARLEY_IMAGE_TOOLS=1 scripts/install-deps.sh" >&2; exit 1; }

version=$("$binary" version | awk '{print $NF}')
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || revision="$revision-dirty"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
ref="$name:$version"

work=$(mktemp -d /tmp/parley-image-XXXXXX)
ctr=""
cleanup() {
  [[ -n $ctr ]] && buildah rm "$ctr" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
root=$work/root
mkdir -p "$root"/{usr/local/bin,etc,tmp,usr/share/parley}
chmod 1777 "$root/tmp"

# The binary, without symbols (they are in the build tree for debugging).
objcopy --strip-unneeded "$binary" "$root/usr/local/bin/parley"
chmod 0755 "$root/usr/local/bin/parley"

# Every file below must come from an installed Debian package: its owner
# and version are recorded.
declare -A owners=()
owner_of() {  # dpkg registers a file under one of /lib and /usr/lib (usrmerge)
  local p alt
  for p in "$1" "$(readlink -f "$1")"; do
    for alt in "$p" "${p#/usr}" "/usr$p"; do
      dpkg-query -S "$alt" 2>/dev/null | head -n1 | cut -d: -f1 | grep . && return 0
    done
  done
  return 1
}
add_file() {  # <path on this machine>: copied to the same path, symlinks followed
  local path=$1 pkg
  pkg=$(owner_of "$path") || { echo "build-image: $path belongs to no Debian package" >&2; exit 1; }
  owners[$pkg]=1
  mkdir -p "$root$(dirname "$path")"
  cp -L "$path" "$root$path"
}

# Shared libraries: what the dynamic loader resolves for this binary, under
# the same paths, plus the loader itself (its canonical path and the
# /lib64 name the binary asks for).
while read -r lib; do
  add_file "$lib"
done < <(ldd "$binary" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | sort -u)
interp=$(readelf -l "$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
add_file "$interp"

# CA certificates: the bundle, where OpenSSL (/usr/lib/ssl/certs ->
# /etc/ssl/certs) and libpq (sslrootcert=/etc/ssl/certs/ca-certificates.crt)
# look for it.
# The bundle is built here from the package's own certificate files (what
# update-ca-certificates does with the default selection), so certificates
# added to this machine by hand never enter the image.
mkdir -p "$root/etc/ssl/certs"
for crt in $(dpkg-query -L ca-certificates | grep '^/usr/share/ca-certificates/mozilla/.*\.crt$' | sort); do
  cat "$crt"
done >"$root/etc/ssl/certs/ca-certificates.crt"
owners[ca-certificates]=1
mkdir -p "$root/usr/lib/ssl"
ln -s /etc/ssl/certs "$root/usr/lib/ssl/certs"
ln -s /etc/ssl/certs/ca-certificates.crt "$root/usr/lib/ssl/cert.pem"

# The one user; no login shell exists.
printf 'root:x:0:0:root:/nonexistent:/nonexistent\nparley:x:10001:10001:Parley:/nonexistent:/nonexistent\n' >"$root/etc/passwd"
printf 'root:x:0:\nparley:x:10001:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"

# Licences and provenance.
packages=""
for pkg in $(printf '%s\n' "${!owners[@]}" | sort); do
  base=${pkg%%:*}
  line="$base=$(dpkg-query -W -f='${Version}' "$pkg")"
  packages+="$line"$'\n'
  if [[ -f /usr/share/doc/$base/copyright ]]; then
    mkdir -p "$root/usr/share/doc/$base"
    cp "/usr/share/doc/$base/copyright" "$root/usr/share/doc/$base/copyright"
  fi
done
printf '%s' "$packages" >"$root/usr/share/parley/packages.txt"

if [[ -n $rootfs_only ]]; then
  mkdir -p "$rootfs_only"
  cp -a "$root/." "$rootfs_only/"
  echo "$rootfs_only"
  exit 0
fi

# One layer from a tarball with fixed owners, order and times: the same
# inputs give the same layer digest.
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$root" -cf "$work/rootfs.tar" .

ctr=$(buildah from scratch)
buildah add --quiet "$ctr" "$work/rootfs.tar" / >/dev/null
buildah config \
  --entrypoint '["/usr/local/bin/parley"]' --cmd serve \
  --user 10001:10001 --workingdir / \
  --env HOSTNAME=0.0.0.0 --env PORT=3000 \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --port 3000 \
  --os linux --arch amd64 \
  --label org.opencontainers.image.title=parley \
  --label org.opencontainers.image.description="Parley: internal AI assistant (Entra ID sign-in, Azure OpenAI)" \
  --label org.opencontainers.image.version="$version" \
  --label org.opencontainers.image.revision="$revision" \
  --label org.opencontainers.image.created="$created" \
  --label org.opencontainers.image.source="parley" \
  --label io.parley.debian-packages="$(printf '%s' "$packages" | paste -sd, -)" \
  --created-by "scripts/build-image.sh" \
  "$ctr"
buildah commit --quiet --format oci --rm --timestamp "$SOURCE_DATE_EPOCH" "$ctr" "$ref" >/dev/null
ctr=""

size=$(buildah inspect --type image --format '{{.Size}}' "$ref" 2>/dev/null || true)
id=$(buildah inspect --type image --format '{{.FromImageID}}' "$ref" 2>/dev/null || true)
echo "image: ${#owners[@]} Debian packages, $(du -sk "$root" | cut -f1) KiB unpacked, id ${id:0:19}" >&2
echo "$ref"
