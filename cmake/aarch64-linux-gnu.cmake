# Cross-compiling the native core for linux-arm64 with Debian's toolchain (g++-aarch64-linux-gnu):
#   cmake -S . -B target/native-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# CPU only. The CTest suite runs through qemu-user (qemu-aarch64-static) when it is installed.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_STRIP aarch64-linux-gnu-strip)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(JGRAD_CUDA OFF CACHE STRING "" FORCE)
find_program(JGRAD_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(JGRAD_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${JGRAD_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()
