// The BLAS that runs is OpenBLAS (the reference BLAS would be 20-160x slower), and the flagged GEMM
// wrapper computes every transpose combination correctly.
#include <catch2/catch.hpp>

#include <minidl/core/blas.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

TEST_CASE("The BLAS linked at run time is OpenBLAS", "[blas]") {
  const std::string config = blas::config();
  INFO("openblas_get_config(): " << config);
  REQUIRE(config.find("OpenBLAS") != std::string::npos);
  REQUIRE(blas::threads() >= 1);
}

TEMPLATE_TEST_CASE("blas::gemm honours both transpose flags and beta", "[blas]", float, double) {
  using T = TestType;
  // A (2,3), B (3,2); their stored transposes At (3,2), Bt (2,3).
  const T A[] = {1, 2, 3, 4, 5, 6}, At[] = {1, 4, 2, 5, 3, 6};
  const T B[] = {7, 8, 9, 10, 11, 12}, Bt[] = {7, 9, 11, 8, 10, 12};
  const T expected[] = {58, 64, 139, 154};  // A·B
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      T C[4] = {1, 1, 1, 1};
      blas::gemm<T>(ta, tb, 2, 2, 3, T(1), ta ? At : A, ta ? 2 : 3, tb ? Bt : B, tb ? 3 : 2, T(1), C, 2);
      for (int i = 0; i < 4; ++i) {
        INFO("ta=" << ta << " tb=" << tb << " i=" << i);
        REQUIRE(C[i] == Approx(expected[i] + 1));  // beta = 1 accumulates onto the ones
      }
    }
  }
}
