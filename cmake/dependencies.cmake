# minidl's dependencies, found for the build. cmake/minidlConfig.cmake.in finds the same ones, the
# same way, for consumers of an installed minidl; keep the two in step. Each failure names the
# Debian package that provides the missing piece.

function(minidl_require_package package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR "minidl needs ${package}, but CMake could not find it. "
                        "On Debian: apt-get install ${debian_package}")
  endif()
endfunction()

minidl_require_package(xtl xtl-dev)
minidl_require_package(xsimd libxsimd-dev)
minidl_require_package(xtensor libxtensor-dev)
minidl_require_package(xtensor-blas libxtensor-blas-dev)
minidl_require_package(ZLIB zlib1g-dev)   # gzip-compressed IDX files
# PNG reading and writing (io/image.hpp): predict reads users' digits, evaluate draws its pictures.
minidl_require_package(PNG libpng-dev)
# JSON for the self-describing parts of checkpoints (model and optimizer specs, run state).
minidl_require_package(nlohmann_json nlohmann-json3-dev 3)

# BLAS must be OpenBLAS: the reference BLAS is 20-160x slower and would silently ruin training speed.
set(BLA_VENDOR OpenBLAS)
find_package(BLAS QUIET)
if(NOT BLAS_FOUND)
  message(FATAL_ERROR "minidl needs OpenBLAS, but CMake could not find it. "
                      "On Debian: apt-get install libopenblas-dev")
endif()
set(_minidl_blas_is_openblas FALSE)
foreach(lib IN LISTS BLAS_LIBRARIES)
  if(lib MATCHES "openblas")
    set(_minidl_blas_is_openblas TRUE)
    set(MINIDL_OPENBLAS_LIBRARY "${lib}")  # detail/blas.cpp loads it at run time if the soname fails
  endif()
endforeach()
if(NOT _minidl_blas_is_openblas)
  message(FATAL_ERROR "minidl links only against OpenBLAS, but the BLAS found was: ${BLAS_LIBRARIES}")
endif()
find_path(MINIDL_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas openblas-pthread
          HINTS /usr/include/x86_64-linux-gnu/openblas-pthread)
if(NOT MINIDL_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h not found: apt-get install libopenblas-dev")
endif()
message(STATUS "minidl: BLAS = ${BLAS_LIBRARIES}")
