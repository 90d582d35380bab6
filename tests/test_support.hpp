#pragma once
// Small helpers the test files share for checking error messages.

#include <catch2/catch.hpp>

#include <exception>
#include <string>

namespace minidl_test {

/// The message of the exception of type E that f() throws. Fails the test when f() throws nothing
/// (an exception of another type propagates, so Catch reports it with its own message).
template <typename E = std::exception, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

/// True when `part` occurs in `s`.
inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace minidl_test
