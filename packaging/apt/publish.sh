#!/usr/bin/env bash
# Publishes logmon's .deb files as a signed apt repository, for `apt install logmon`.
#
#   packaging/apt/publish.sh [OPTIONS] REPO_DIR DEB...
#
# Adds each DEB to REPO_DIR/pool/ (versions published earlier stay, so apt
# sees the newest and can still install an older one), writes the Packages
# indices and dists/SUITE/Release with apt-ftparchive, and signs the Release
# with gpg: InRelease (clear-signed) and Release.gpg (detached). It exports
# the signing key's public part to REPO_DIR/logmon-archive-keyring.gpg and
# writes the clients' sources entry, REPO_DIR/logmon.sources (deb822), then
# prints both forms of the entry and what a client runs. Serve REPO_DIR
# with any web server (only static files), or use it as a file:// URL. The
# private key stays in the keyring (--gnupghome), never in REPO_DIR.
#
# Options:
#   --gnupghome DIR     keyring with the signing key (default: $GNUPGHOME, else ~/.gnupg)
#   --key ID            sign with this key (default: the keyring's only secret key)
#   --create-key UID    when the keyring has no secret key, create one for this
#                       user id (ed25519, signing only, no passphrase)
#   --key-expire WHEN   expiry of a created key, as gpg takes it (default: never)
#   --url URL           where clients reach REPO_DIR (default: file://REPO_DIR)
#   --suite NAME        default: stable
#   --component NAME    default: main
#   --origin TEXT       Origin and Label of the Release file (default: logmon)
#   --keyring-path PATH where clients keep the public key, for Signed-By
#                       (default: /etc/apt/keyrings/logmon-archive-keyring.gpg)
#
# Needs apt-ftparchive (apt-utils), gpg (gnupg) and dpkg-deb; run as root,
# it installs apt-utils and gnupg with apt-get when they are missing.
#
# Example, a repository of one's own on a web server, with a new key kept
# in /root/logmon-signing (keep a backup of it):
#   packaging/apt/publish.sh --gnupghome /root/logmon-signing \
#       --create-key 'logmon repository <ops@example.com>' \
#       --url https://apt.example.com/logmon /var/www/apt/logmon ../logmon_*.deb

set -euo pipefail

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
}
die() { echo "publish.sh: $*" >&2; exit 1; }

GNUPGHOME=${GNUPGHOME:-$HOME/.gnupg}
KEY=
CREATE_UID=
KEY_EXPIRE=never
URL=
SUITE=stable
COMPONENT=main
ORIGIN=logmon
KEYRING_PATH=/etc/apt/keyrings/logmon-archive-keyring.gpg

while [ $# -gt 0 ]; do
    case "$1" in
        --gnupghome) GNUPGHOME=$2; shift 2 ;;
        --key) KEY=$2; shift 2 ;;
        --create-key) CREATE_UID=$2; shift 2 ;;
        --key-expire) KEY_EXPIRE=$2; shift 2 ;;
        --url) URL=$2; shift 2 ;;
        --suite) SUITE=$2; shift 2 ;;
        --component) COMPONENT=$2; shift 2 ;;
        --origin) ORIGIN=$2; shift 2 ;;
        --keyring-path) KEYRING_PATH=$2; shift 2 ;;
        -h | --help) usage ;;
        --) shift; break ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || usage
REPO_DIR=$1
shift
DEBS=("$@")
for deb in "${DEBS[@]}"; do
    [ -f "$deb" ] || die "no such file: $deb"
done
case "$KEYRING_PATH" in *.gpg) ;; *) die "--keyring-path must end in .gpg (a binary keyring, as apt wants it)" ;; esac
export GNUPGHOME

# ------------------------------------------------------------ tools

missing=()
command -v apt-ftparchive >/dev/null || missing+=(apt-utils)
command -v gpg >/dev/null && command -v gpgv >/dev/null || missing+=(gnupg)
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing: this needs a Debian system"
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "${missing[*]} missing: install them (apt-get install ${missing[*]}) or run as root"
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" ||
        { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } ||
        die "could not install ${missing[*]}"
fi

# ------------------------------------------------------------ the key

mkdir -p "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
# gpg starts an agent (and on gnupg 2.4 a keyboxd) for the keyring; stop them
# at the end unless they were already running.
if ! gpg-connect-agent --no-autostart 'GETINFO pid' /bye 2>/dev/null | grep -q '^D '; then
    trap 'gpgconf --kill all >/dev/null 2>&1 || true' EXIT
fi

secret_keys() { # fingerprints of the keyring's secret (primary) keys
    gpg --batch --with-colons --list-secret-keys 2>/dev/null |
        awk -F: '$1 == "sec" { want = 1; next } $1 == "fpr" && want { print $10; want = 0 }'
}

if [ -z "$KEY" ]; then
    mapfile -t fprs < <(secret_keys)
    if [ ${#fprs[@]} = 0 ] && [ -n "$CREATE_UID" ]; then
        echo "creating a signing key for \"$CREATE_UID\" in $GNUPGHOME (ed25519, expires: $KEY_EXPIRE)"
        gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
            --quick-gen-key "$CREATE_UID" ed25519 sign "$KEY_EXPIRE"
        mapfile -t fprs < <(secret_keys)
    fi
    case ${#fprs[@]} in
        0) die "no secret key in $GNUPGHOME: name one with --key or create one with --create-key UID" ;;
        1) KEY=${fprs[0]} ;;
        *) die "several secret keys in $GNUPGHOME (${fprs[*]}): choose one with --key" ;;
    esac
fi
FPR=$(gpg --batch --with-colons --list-secret-keys "$KEY" 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
[ -n "$FPR" ] || die "no secret key $KEY in $GNUPGHOME"

# ------------------------------------------------------------ the pool

umask 022
mkdir -p "$REPO_DIR"
REPO_DIR=$(cd "$REPO_DIR" && pwd)
URL=${URL:-file://$REPO_DIR}

for deb in "${DEBS[@]}"; do
    pkg=$(dpkg-deb -f "$deb" Package)
    version=$(dpkg-deb -f "$deb" Version)
    arch=$(dpkg-deb -f "$deb" Architecture)
    [ -n "$pkg" ] && [ -n "$version" ] && [ -n "$arch" ] || die "$deb is not a binary package"
    case "$pkg" in lib?*) prefix=${pkg:0:4} ;; *) prefix=${pkg:0:1} ;; esac
    dir="$REPO_DIR/pool/$COMPONENT/$prefix/$pkg"
    dest="$dir/${pkg}_${version#*:}_$arch.deb"
    mkdir -p "$dir"
    if [ -e "$dest" ] && ! cmp -s "$deb" "$dest"; then
        echo "warning: replacing $(basename "$dest") with different contents; clients that saw the old one" >&2
        echo "         will refuse it (hash mismatch) until they run apt update: publish a new version instead" >&2
    fi
    cp "$deb" "$dest.new"
    chmod 644 "$dest.new"
    mv -f "$dest.new" "$dest"
    echo "pool: ${dest#"$REPO_DIR"/} ($pkg $version $arch)"
done

# ------------------------------------------------------------ indices and Release

cd "$REPO_DIR"
mapfile -t archs < <(find "pool/$COMPONENT" -name '*.deb' -exec dpkg-deb -f {} Architecture \; | grep -vx all | sort -u)
[ ${#archs[@]} -gt 0 ] || archs=("$(dpkg --print-architecture)")

# The new dists/SUITE is built aside and swapped in whole.
new="dists/.$SUITE.new"
rm -rf "$new"
for arch in "${archs[@]}"; do
    mkdir -p "$new/$COMPONENT/binary-$arch"
    apt-ftparchive --arch "$arch" packages "pool/$COMPONENT" >"$new/$COMPONENT/binary-$arch/Packages"
    gzip -9 -n -k "$new/$COMPONENT/binary-$arch/Packages"
    echo "$COMPONENT/binary-$arch: $(grep -c '^Package:' "$new/$COMPONENT/binary-$arch/Packages") package versions"
done
apt-ftparchive \
    -o APT::FTPArchive::Release::Origin="$ORIGIN" \
    -o APT::FTPArchive::Release::Label="$ORIGIN" \
    -o APT::FTPArchive::Release::Suite="$SUITE" \
    -o APT::FTPArchive::Release::Codename="$SUITE" \
    -o APT::FTPArchive::Release::Architectures="${archs[*]}" \
    -o APT::FTPArchive::Release::Components="$COMPONENT" \
    -o APT::FTPArchive::Release::Description="$ORIGIN packages" \
    release "$new" >"$REPO_DIR/dists/.Release.new"
mv "$REPO_DIR/dists/.Release.new" "$new/Release"

gpg --batch --yes --quiet --local-user "$FPR" --digest-algo SHA512 \
    --clearsign --output "$new/InRelease" "$new/Release"
gpg --batch --yes --quiet --local-user "$FPR" --digest-algo SHA512 \
    --armor --detach-sign --output "$new/Release.gpg" "$new/Release"

keyfile="$REPO_DIR/$(basename "$KEYRING_PATH")"
gpg --batch --export "$FPR" >"$keyfile.new"
mv "$keyfile.new" "$keyfile"
# What apt will do: check both signatures against the exported key alone.
gpgv --quiet --keyring "$keyfile" "$new/InRelease" 2>/dev/null || die "InRelease does not verify with $keyfile"
gpgv --quiet --keyring "$keyfile" "$new/Release.gpg" "$new/Release" 2>/dev/null || die "Release.gpg does not verify with $keyfile"

rm -rf "dists/.$SUITE.old"
[ ! -e "dists/$SUITE" ] || mv "dists/$SUITE" "dists/.$SUITE.old"
mv "$new" "dists/$SUITE"
rm -rf "dists/.$SUITE.old"
echo "dists/$SUITE: Release signed by $FPR (InRelease, Release.gpg)"

# ------------------------------------------------------------ the clients' entry

cat >"$REPO_DIR/logmon.sources" <<EOF
Types: deb
URIs: $URL
Suites: $SUITE
Components: $COMPONENT
Signed-By: $KEYRING_PATH
EOF

cat <<EOF

Public key: $keyfile
  fingerprint $FPR
Sources entry: $REPO_DIR/logmon.sources
$(sed 's/^/  /' "$REPO_DIR/logmon.sources")
or, in one line (/etc/apt/sources.list.d/logmon.list):
  deb [signed-by=$KEYRING_PATH] $URL $SUITE $COMPONENT

On a client (check the key's fingerprint, gpg --show-keys FILE, before trusting it):
  sudo install -d -m 0755 $(dirname "$KEYRING_PATH")
  sudo curl -fsSL -o $KEYRING_PATH $URL/$(basename "$KEYRING_PATH")
  sudo curl -fsSL -o /etc/apt/sources.list.d/logmon.sources $URL/logmon.sources
  sudo apt update && sudo apt install logmon
EOF
