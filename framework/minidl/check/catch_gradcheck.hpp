#pragma once
// Catch2 one-liners for gradient checks. This header includes nothing of Catch2 itself, so it works
// with whichever Catch2 v2 setup the test uses: include <catch2/catch.hpp> FIRST, then this file.
//
//   #include <catch2/catch.hpp>
//   #include <minidl/check/catch_gradcheck.hpp>
//   MINIDL_REQUIRE_GRADCHECK([](const auto& v) { return minidl::mul(v[0], v[1]); }, {a, b});
//   MINIDL_CHECK_GRADGRADCHECK(f, inputs, opts);
//
// Each macro runs the check, attaches the full report (report.str()) to the assertion with INFO, and
// asserts report.passed: a failure prints the worst element, both values and both errors.
// Arguments are forwarded as-is (f, inputs[, options]), so lambdas with commas are fine.

#include "minidl/check/gradcheck.hpp"

#ifndef REQUIRE
#error "include <catch2/catch.hpp> before minidl/check/catch_gradcheck.hpp"
#endif

#define MINIDL_GRADCHECK_ASSERT_(ASSERT, CHECKER, ...)                            \
  do {                                                                           \
    const ::minidl::GradcheckReport minidl_gradcheck_report_ = CHECKER(__VA_ARGS__); \
    INFO(minidl_gradcheck_report_.str());                                        \
    ASSERT(minidl_gradcheck_report_.passed);                                     \
  } while (false)

/// REQUIRE that minidl::gradcheck(f, inputs[, options]) passes; the report is printed on failure.
#define MINIDL_REQUIRE_GRADCHECK(...) MINIDL_GRADCHECK_ASSERT_(REQUIRE, ::minidl::gradcheck, __VA_ARGS__)
/// CHECK (non-fatal) that minidl::gradcheck(f, inputs[, options]) passes.
#define MINIDL_CHECK_GRADCHECK(...) MINIDL_GRADCHECK_ASSERT_(CHECK, ::minidl::gradcheck, __VA_ARGS__)
/// REQUIRE that minidl::gradgradcheck(f, inputs[, options]) passes.
#define MINIDL_REQUIRE_GRADGRADCHECK(...) MINIDL_GRADCHECK_ASSERT_(REQUIRE, ::minidl::gradgradcheck, __VA_ARGS__)
/// CHECK (non-fatal) that minidl::gradgradcheck(f, inputs[, options]) passes.
#define MINIDL_CHECK_GRADGRADCHECK(...) MINIDL_GRADCHECK_ASSERT_(CHECK, ::minidl::gradgradcheck, __VA_ARGS__)
