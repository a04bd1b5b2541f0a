#!/usr/bin/env bash
# Tests the context switch, the stacks and the stack overflow report in C, on
# every ABI we ship (and StreamIO's C helpers: SSE2, NEON and portable):
#  - x86_64 natively;
#  - arm64 Linux cross-compiled and run under qemu-user;
#  - the Mach-O forms (arm64 and x86_64 macOS) assembled with clang, and their
#    symbols checked.
# Needs gcc-aarch64-linux-gnu and qemu-user (.ci/run installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runtime="$here/../../Sources/CGeneratorsRuntime"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
runtime_c=("$runtime/stacks.c" "$runtime/stack_overflow.c" "$runtime/context.c" "$runtime/sanitizers.c")
sources=("$here/switch_test.c" "${runtime_c[@]}")
overflow=("$here/overflow_test.c" "${runtime_c[@]}")
support="$here/../../Sources/CStreamIOSupport/include"
support_c="$here/../../Sources/CStreamIOSupport/json_lines_masks.c"

echo "== x86_64 Linux (native)"
gcc -O2 -Wall -Wextra -Werror -o "$out/native" "${sources[@]}" "$runtime/switch_x86_64_sysv.S" -lpthread
"$out/native"
gcc -O2 -Wall -Wextra -Werror -o "$out/overflow" "${overflow[@]}" "$runtime/switch_x86_64_sysv.S" -lpthread
"$out/overflow"
gcc -O2 -Wall -Wextra -Werror -I"$support" -o "$out/masks" "$here/byte_masks_test.c" "$support_c" && "$out/masks"
gcc -O2 -Wall -Wextra -Werror -DCBS_FORCE_PORTABLE -I"$support" -o "$out/masks-portable" "$here/byte_masks_test.c" "$support_c"
"$out/masks-portable"

echo "== arm64 Linux (qemu-user)"
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -o "$out/arm64" "${sources[@]}" "$runtime/switch_arm64_aapcs64.S" -lpthread
CGR_TEST_UNDER_EMULATOR=1 qemu-aarch64 "$out/arm64"
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -o "$out/overflow-arm64" "${overflow[@]}" "$runtime/switch_arm64_aapcs64.S" -lpthread
CGR_TEST_UNDER_EMULATOR=1 qemu-aarch64 "$out/overflow-arm64"
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -I"$support" -o "$out/masks-arm64" "$here/byte_masks_test.c" "$support_c"
qemu-aarch64 "$out/masks-arm64"

nm=$(command -v llvm-nm || echo /opt/swift/usr/bin/llvm-nm)
for target in arm64-apple-macos13 x86_64-apple-macos13; do
  echo "== $target (assemble only)"
  case $target in arm64*) file=switch_arm64_aapcs64.S ;; *) file=switch_x86_64_sysv.S ;; esac
  clang -target "$target" -c "$runtime/$file" -o "$out/$target.o"
  symbols=$("$nm" "$out/$target.o")
  for symbol in _cgr_switch _cgr_switch_in _cgr_switch_out _cgr_trampoline; do
    grep -q " T $symbol\$" <<<"$symbols" || grep -q " t $symbol\$" <<<"$symbols" || { echo "missing $symbol in $target:"; echo "$symbols"; exit 1; }
  done
  echo "$symbols"
  # The other ABI's file must assemble to nothing on this target.
  other=$([ "$file" = switch_arm64_aapcs64.S ] && echo switch_x86_64_sysv.S || echo switch_arm64_aapcs64.S)
  clang -target "$target" -c "$runtime/$other" -o "$out/other.o"
  ! "$nm" "$out/other.o" | grep -q cgr_ || { echo "$other defines symbols on $target"; exit 1; }
done
echo "runtime C tests passed"
