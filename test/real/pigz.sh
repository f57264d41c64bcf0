# pigz with 4 threads: compress and decompress a generated file.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REAL_ROOT/test/real/lib-compress.sh"
real_need pigz || exit 1
real_dynamic "$(command -v pigz)" || exit 1
real_compressor pigz "$(pigz --version 2>&1 | awk '{ print $2 }')" gz \
	pigz -p 4 -c -- pigz -p 4 -d -c
