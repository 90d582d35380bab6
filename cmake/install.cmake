# Installation and packaging: `cmake --install build --prefix P` and `cpack -G DEB`.
#
#   P/include/minidl/...            public headers, detail/ (needed by them), models/
#   P/lib/libminidl.a, libminidl_models.a   (or .so with BUILD_SHARED_LIBS=ON)
#   P/lib/cmake/minidl/             minidlConfig.cmake, minidlConfigVersion.cmake, minidlTargets*.cmake
#   P/lib/pkgconfig/minidl.pc
include(CMakePackageConfigHelpers)

set(MINIDL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/minidl)

install(TARGETS minidl minidl_models EXPORT minidlTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/minidl ${PROJECT_SOURCE_DIR}/models/minidl
                  ${MINIDL_GENERATED_INCLUDE_DIR}/minidl
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(EXPORT minidlTargets NAMESPACE minidl:: DESTINATION ${MINIDL_CMAKE_INSTALL_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/minidlConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/minidlConfig.cmake
                              INSTALL_DESTINATION ${MINIDL_CMAKE_INSTALL_DIR})
# 0.x: a minor release may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/minidlConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/minidlConfig.cmake ${PROJECT_BINARY_DIR}/minidlConfigVersion.cmake
        DESTINATION ${MINIDL_CMAKE_INSTALL_DIR})

# pkg-config. The prefix is computed from the .pc file's own place, so a staged or relocated install
# works as well as /usr. With static libraries the consumer links minidl's dependencies itself.
# OpenBLAS is not among them: libminidl loads it at run time (dlopen), after choosing its kernel, and
# a program linked with -lopenblas would load it first.
if(BUILD_SHARED_LIBS)
  set(MINIDL_PC_REQUIRES "xtensor xsimd nlohmann_json")
  set(MINIDL_PC_REQUIRES_PRIVATE "zlib libpng")
  set(MINIDL_PC_LIBS "")
  set(MINIDL_PC_LIBS_PRIVATE "-ldl")
else()
  set(MINIDL_PC_REQUIRES "xtensor xsimd nlohmann_json zlib libpng")
  set(MINIDL_PC_REQUIRES_PRIVATE "")
  set(MINIDL_PC_LIBS "-ldl")
  set(MINIDL_PC_LIBS_PRIVATE "")
endif()
file(RELATIVE_PATH MINIDL_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" MINIDL_PC_TO_PREFIX "${MINIDL_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/minidl.pc.in ${PROJECT_BINARY_DIR}/minidl.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/minidl.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# `cpack -G DEB` in the build folder: a -dev package installing into /usr. Only for minidl's own
# build: as a subproject (with MINIDL_INSTALL=ON) the packaging belongs to the parent.
if(NOT MINIDL_IS_TOP_LEVEL)
  return()
endif()
set(CPACK_PACKAGE_NAME minidl-dev)
set(CPACK_PACKAGE_VENDOR "minidl")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "minidl: a small C++17 deep-learning library with autodiff (headers, libraries, CMake and pkg-config files)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "minidl maintainers")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The headers include xtensor, xsimd and nlohmann-json, the static libraries need zlib and libpng
# (1.6.29 or later: PNG images are written to memory, then atomically to disk) at link time, and
# libminidl loads OpenBLAS at run time.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libxtensor-dev (>= 0.24), libxsimd-dev (>= 8), xtl-dev, nlohmann-json3-dev (>= 3), libopenblas-dev, zlib1g-dev, libpng-dev (>= 1.6.29)")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}.
 Built with the CPU flags '${MINIDL_ARCH_FLAGS_STRING}' (SIMD: ${MINIDL_SIMD_NAMES}); programs using it
 are compiled with the same flags.")
include(CPack)
