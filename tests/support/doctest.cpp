// doctest's implementation, apart from main (main.cpp): programs with a
// main of their own, like the soak, link support.cpp, which uses doctest.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
