# The vitrine .deb (CPack's DEB generator, `make deb`): the program, its
# translations, the demo pack, and the device files of image/: the systemd
# unit, the USB stick rule and its mount helper, the default configuration.
# The binary and the assets have their install() rules next to their
# targets (kiosk/, assets/); the device files are installed here. Paths of
# the device files are absolute because the unit and the rule name them.

include(GNUInstallDirs)
set(VITRINE_IMAGE_DIR ${PROJECT_SOURCE_DIR}/image)
set(VITRINE_PACKAGE_DIR ${PROJECT_BINARY_DIR}/package)

# The default configuration trusts the demo pack's key, made for this build
# tree (its secret half never leaves the build tree); without the demo pack
# it trusts nothing. Written at build time, once the key exists.
set(device_config ${VITRINE_PACKAGE_DIR}/vitrine.toml)
add_custom_target(device_config ALL
  COMMAND ${CMAKE_COMMAND} -DIN=${VITRINE_IMAGE_DIR}/vitrine.toml.in -DOUT=${device_config}
          "-DKEY_FILE=$<$<BOOL:${VITRINE_DEMO_PACK}>:${VITRINE_DEMO_DIR}/keys/demo.pub>"
          -P ${PROJECT_SOURCE_DIR}/cmake/device-config.cmake
  COMMENT "Writing the package's default configuration"
  VERBATIM)
if(VITRINE_DEMO_PACK)
  add_dependencies(device_config demo_pack)
endif()

# Debian wants a changelog in every binary package.
string(TIMESTAMP changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(VITRINE_DEB_MAINTAINER "Vitrine maintainers <vitrine@example.org>" CACHE STRING "the .deb's Maintainer field")
file(WRITE ${VITRINE_PACKAGE_DIR}/changelog.Debian
  "vitrine (${PROJECT_VERSION}-1) bookworm; urgency=medium\n\n"
  "  * Built from the Vitrine repository.\n\n"
  " -- ${VITRINE_DEB_MAINTAINER}  ${changelog_date}\n")
add_custom_command(
  OUTPUT ${VITRINE_PACKAGE_DIR}/changelog.Debian.gz
  COMMAND sh -c "gzip -9nc changelog.Debian > changelog.Debian.gz"
  WORKING_DIRECTORY ${VITRINE_PACKAGE_DIR}
  DEPENDS ${VITRINE_PACKAGE_DIR}/changelog.Debian
  VERBATIM)
add_custom_target(deb_changelog ALL DEPENDS ${VITRINE_PACKAGE_DIR}/changelog.Debian.gz)

# Debian installs manual pages compressed
add_custom_command(
  OUTPUT ${VITRINE_PACKAGE_DIR}/vitrine.1.gz
  COMMAND sh -c "gzip -9nc '${VITRINE_IMAGE_DIR}/vitrine.1' > vitrine.1.gz"
  WORKING_DIRECTORY ${VITRINE_PACKAGE_DIR}
  DEPENDS ${VITRINE_IMAGE_DIR}/vitrine.1
  VERBATIM)
add_custom_target(deb_man_page ALL DEPENDS ${VITRINE_PACKAGE_DIR}/vitrine.1.gz)
install(FILES ${VITRINE_PACKAGE_DIR}/vitrine.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES ${device_config} DESTINATION /etc/vitrine)
install(FILES ${VITRINE_IMAGE_DIR}/vitrine.service DESTINATION /lib/systemd/system)
install(FILES ${VITRINE_IMAGE_DIR}/udev/99-vitrine-usb.rules DESTINATION /lib/udev/rules.d)
install(PROGRAMS ${VITRINE_IMAGE_DIR}/udev/usb-mount DESTINATION /usr/libexec/vitrine)
install(FILES ${VITRINE_IMAGE_DIR}/debian/tmpfiles.conf DESTINATION /usr/lib/tmpfiles.d RENAME vitrine.conf)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${VITRINE_IMAGE_DIR}/debian/copyright
              ${VITRINE_PACKAGE_DIR}/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${VITRINE_IMAGE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME README.device.md)

file(WRITE ${VITRINE_PACKAGE_DIR}/conffiles "/etc/vitrine/vitrine.toml\n")

# `make deb` builds everything first (in parallel); cpack then only packs
# what is built, instead of running the whole build again, one job at a time
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vitrine)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# CPack asks dpkg for the architecture, which is the build machine's: a
# cross build (cmake/aarch64-linux-gnu.cmake) names the target's
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
endif()
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${VITRINE_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "trade-fair showroom kiosk
Vitrine is a fullscreen touch kiosk for a board with a panel and no
desktop (KMSDRM): it loops campaign films, lets visitors browse the
region's showcases and register their interest in working there, keeps
every record in an offline queue synced to a talent platform, and takes
new content from signed packs on USB sticks.

The package holds the program, a systemd unit, a udev rule that mounts
USB sticks read-only, the default configuration and a demo pack.")
# the libraries the binary links, found by dpkg-shlibdeps; then what it
# loads at run time or runs: Mesa's drivers and GBM (KMSDRM), the fonts the
# UI looks for, systemd-mount and udev (USB sticks), adduser (postinst),
# the CA certificates (HTTPS to the platform)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "adduser, ca-certificates, fonts-noto-core | fonts-dejavu-core, libegl-mesa0, libgbm1, libgl1-mesa-dri, systemd, udev")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${VITRINE_PACKAGE_DIR}/conffiles;${VITRINE_IMAGE_DIR}/debian/postinst;${VITRINE_IMAGE_DIR}/debian/prerm;${VITRINE_IMAGE_DIR}/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
