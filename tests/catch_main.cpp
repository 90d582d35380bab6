// The Catch2 test runner's main(). Kept alone so it is compiled once.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
