// JSON Lines' eight masks for a run of 64-byte blocks (json_lines_masks.c).
#ifndef CSTREAMIO_JSON_LINES_MASKS_H
#define CSTREAMIO_JSON_LINES_MASKS_H

#include <stddef.h>
#include "byte_masks.h"

/// cbs_masks_json_lines(p + 64 * i) into out[i] for i in 0..<blocks; `p`
/// must have 64 * blocks readable bytes.
void cbs_masks_json_lines_run(const void *p, size_t blocks, cbs_json_lines_masks *out);

#endif
