// CStreamIOSupport is header-only (static inline, for inlining into Swift);
// SwiftPM needs one source file per C target.
#include "CStreamIOSupport.h"
