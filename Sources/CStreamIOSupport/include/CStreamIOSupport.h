// C helpers for StreamIO's hot loops, static inline so Swift inlines them.
#include "byte_masks.h"
#include "powers_of_ten.h"
