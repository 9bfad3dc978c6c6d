#!/bin/bash
# Rebuild the real-page evaluation set (docs/real-pages.md) outside the repository: the saved
# pages from their repositories (sources.tsv), their labels, then the PDF and DOCX documents.
# usage: scripts/real_pages/rebuild.sh MIRRORS [DEST]
#   MIRRORS holds one git clone (or bare snapshot) a repository, named owner+name (as `fetch`
#   names /work/.mirror/owner+name/repo); DEST defaults to ../pages beside the checkout, where
#   scripts/eval_pages.py looks by default.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); mirrors=$1
dest=${2:-$(cd "$here/../../.." && pwd)/pages}
mkdir -p "$dest"
tail -n +2 "$here/sources.tsv" | while IFS=$'\t' read -r file repo commit path blob filter; do
    git_dir="$mirrors/${repo/\//+}/repo"
    [ -d "$git_dir/.git" ] && git_dir="$git_dir/.git"
    mkdir -p "$dest/$(dirname "$file")"
    case $filter in
        gunzip) git --git-dir="$git_dir" cat-file -p "$blob" | gunzip -c > "$dest/$file" ;;
        unxz) git --git-dir="$git_dir" cat-file -p "$blob" | xz -dc > "$dest/$file" ;;
        *) git --git-dir="$git_dir" cat-file -p "$blob" > "$dest/$file" ;;
    esac
done
cp "$here/labels.jsonl" "$here/SOURCES.md" "$here/sources.tsv" "$dest/"
python3 "$here/make_documents.py" "$dest"
