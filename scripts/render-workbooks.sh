#!/usr/bin/env bash
# Renders workbooks as a reviewer prints them: LibreOffice (headless) to PDF, then pdftoppm to one
# PNG per page, so a change to the layout can be looked at before it ships.
#
#   scripts/render-workbooks.sh OUT_DIR WORKBOOK.xlsx...
#
# Needs Debian's libreoffice-calc and poppler-utils (and fonts-noto-cjk for the Chinese labels).
set -euo pipefail
if [ "$#" -lt 2 ]; then
    echo "usage: $0 OUT_DIR WORKBOOK.xlsx..." >&2
    exit 2
fi
out=$1
shift
mkdir -p "$out"
for tool in libreoffice pdftoppm; do
    command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install libreoffice-calc poppler-utils)" >&2; exit 1; }
done
for workbook in "$@"; do
    name=$(basename "${workbook%.*}")
    libreoffice --headless --convert-to pdf --outdir "$out" "$workbook" >/dev/null
    pdftoppm -r 80 -png "$out/$name.pdf" "$out/$name"
    echo "$out/$name.pdf: $(ls "$out/$name"-*.png | wc -l) page(s)"
done
