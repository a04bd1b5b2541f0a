// C helpers for StreamIO's hot loops: static inline so Swift inlines them, but for
// json_lines_masks.h (out of line: it picks AVX2 at run time).
#include "byte_masks.h"
#include "powers_of_ten.h"
#include "json_lines_masks.h"
