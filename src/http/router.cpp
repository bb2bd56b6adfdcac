// Router is a header-only template; this unit keeps it compiled on its own.
#include "http/router.hpp"
