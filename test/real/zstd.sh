# zstd with 4 worker threads: compress and decompress a generated file.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REAL_ROOT/test/real/lib-compress.sh"
real_need zstd || exit 1
real_dynamic "$(command -v zstd)" || exit 1
real_compressor zstd "$(zstd --version | sed -n 's/.* v\([0-9.]*\),.*/\1/p')" zst \
	zstd -q -T4 -c -- zstd -q -T4 -d -c
