// The system's zlib (Debian: zlib1g-dev; macOS: in the SDK).
#include <zlib.h>
