// CByteScan is header-only (static inline, for inlining into Swift); SwiftPM
// needs one source file per C target.
#include "CByteScan.h"
