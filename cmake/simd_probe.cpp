// Preprocessed (never compiled) at configure time with libminidl's CPU flags; CMakeLists.txt reads
// the expanded line below to learn which SIMD instruction sets the library targets.
#include "minidl/detail/simd_signature.hpp"
minidl_simd_signature = MINIDL_DETAIL_SIMD_SIGNATURE ;
