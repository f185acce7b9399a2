# CMake toolchain file: the aarch64 (arm64) cross build with Debian 12's
# cross compiler (g++-aarch64-linux-gnu) against the arm64 libraries of
# multiarch (dpkg --add-architecture arm64; tools/debian-packages-arm64.txt),
# with the programs run under qemu-aarch64 (qemu-user) for the tests.
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# tools/test-arm64 (make test-arm64) does that, builds and runs the suites.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian's cross compiler searches the multiarch directories itself
# (/usr/include/aarch64-linux-gnu, /usr/lib/aarch64-linux-gnu) beside the
# shared /usr/include, and CMake's find_* look in lib/aarch64-linux-gnu
# because of CMAKE_LIBRARY_ARCHITECTURE. Programs (minisign, ffmpeg,
# python3) are the host's.

# pkg-config reads the arm64 .pc files only. The directory beside this file
# comes first: it holds mpv.pc, because libmpv-dev:arm64 cannot be installed
# beside the host's libmpv-dev (see tools/debian-packages-arm64.txt).
set(ENV{PKG_CONFIG_LIBDIR}
    "${CMAKE_CURRENT_LIST_DIR}/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# CTest runs the test executables through qemu-user; the suites put it in
# front of the programs of the build they start themselves (tests/support).
# The dynamic loader and the C library are libc6:arm64's in
# /lib/aarch64-linux-gnu, found without -L: they must be one build, and
# /usr/aarch64-linux-gnu holds the cross toolchain's older copy of the loader.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64)
