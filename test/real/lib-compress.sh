# test/real/lib-compress.sh: the round trip pigz.sh and zstd.sh share
# (sourced after lib.sh). The input is generated: 200 MB in the full suite,
# 24 MB in the quick one; a quarter random bytes (incompressible), the rest
# numbered text lines (compressible).

real_input_bytes() {
	if ((REAL_QUICK)); then echo $((24 << 20)); else echo $((200 << 20)); fi
}

# real_compressor NAME VERSION EXT COMPRESS... -- DECOMPRESS...: in every
# mode, compresses input.bin with COMPRESS (to stdout), decompresses the
# result with DECOMPRESS (file name appended, to stdout); the round trip must
# give the input's sha256 and the compressed file must be byte for byte the
# native run's (both tools' output does not depend on their thread count or
# timing). Ends with real_report.
real_compressor() {
	local name=$1 version=$2 ext=$3 n want got cms mode
	shift 3
	local compress=() decompress=()
	while (($#)) && [[ $1 != -- ]]; do
		compress+=("$1")
		shift
	done
	shift
	decompress=("$@")

	n=$(real_input_bytes)
	{
		head -c $((n / 4)) /dev/urandom
		seq -f 'line %.0f of the goshim compressor input' 1 100000000 | head -c $((n - n / 4))
	} >input.bin
	want=$(sha256sum <input.bin | cut -d' ' -f1)

	local -A result ms
	for mode in "${real_modes[@]}"; do
		result[$mode]=failed
		real_run "$mode" 600 "c.$mode" "${compress[@]}" input.bin || {
			real_fail "$mode" "${compress[*]}: $(real_describe $?)"
			continue
		}
		cms=$real_ms
		mv "c.$mode.out" "input.$mode.$ext"
		real_run "$mode" 600 "d.$mode" "${decompress[@]}" "input.$mode.$ext" || {
			real_fail "$mode" "${decompress[*]}: $(real_describe $?)"
			continue
		}
		ms[$mode]=$((cms + real_ms))
		got=$(sha256sum <"d.$mode.out" | cut -d' ' -f1)
		rm -f "d.$mode.out"
		if [[ $got != "$want" ]]; then
			real_fail "$mode" "decompressed sha256 $got, the input's $want"
			continue
		fi
		if [[ $mode != native ]] && ! cmp -s "input.native.$ext" "input.$mode.$ext"; then
			real_fail "$mode" "compressed bytes differ from the native run's"
			continue
		fi
		result[$mode]="$cms + $real_ms ms"
	done
	rm -f input.bin ./*."$ext"

	real_report "$name" "$version" \
		"${compress[*]} then ${decompress[*]} of $((n >> 20)) MB: sha256 of the round trip; compressed bytes equal to native's" \
		"${result[native]}" "${result[p1]}" "${result[p4]}" \
		"$(real_ratio "${ms[native]:-}" "${ms[p4]:-}")"
}
