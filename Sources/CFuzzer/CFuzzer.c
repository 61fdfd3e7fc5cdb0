// A C target needs one source file; the declaration in include/CFuzzer.h is all it provides.
#include "CFuzzer.h"
