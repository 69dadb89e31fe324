// The install test's agent compiled as C++: the same source as agent.c.
#include "agent.c"
