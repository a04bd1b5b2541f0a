// CStreamIOSupport is mostly header-only (static inline, for inlining into
// Swift); json_lines_masks.c holds what is chosen at run time. SwiftPM needs
// one source file per C target at least.
#include "CStreamIOSupport.h"
