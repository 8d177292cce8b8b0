SUMMARY = "Make and check cramfs images whose programs run in place from flash"
DESCRIPTION = "mkcramfs makes cramfs images; with -X it stores the read-only \
pages of every ELF file uncompressed and page aligned, so that the kernel \
maps them straight from NOR flash or ROM (execute in place). cramfsck checks \
any cramfs image and reports what the kernel will map directly. libcramfs \
is the library both are built on."
SECTION = "devel"
LICENSE = "GPL-2.0-or-later"
# The SPDX line that opens every source file. RELEASE: once the tree ships
# COPYING (the GPL version 2 text), use
# "file://COPYING;md5=b234ee4d69f5fce4486a80fdaf4a4263" instead.
LIC_FILES_CHKSUM = "file://mkcramfs/main.c;beginline=1;endline=1;md5=7226e442a172bcf25807246d7ef1eba1"

# RELEASE: replace the placeholder address with the one the release
# tarballs ("make dist") are published at, and the checksum with the
# tarball's. To build from a source tree instead, see README.md
# (externalsrc).
SRC_URI = "https://releases.invalid/mkcramfs-xip/v${PV}/mkcramfs-xip-${PV}.tar.gz"
SRC_URI[sha256sum] = "0000000000000000000000000000000000000000000000000000000000000000"

inherit autotools pkgconfig

DEPENDS = "zlib"

# libdeflate (faster, smaller compression) is in meta-oe, without a
# native variant: enable "deflate" only where it is available.
PACKAGECONFIG ??= "cap acl"
PACKAGECONFIG[deflate] = "--with-deflate,--without-deflate,libdeflate"
PACKAGECONFIG[cap] = "--with-cap,--without-cap,libcap"
PACKAGECONFIG[acl] = "--with-acl,--without-acl,acl"

# The Debian rootfs and qemu kernel tests are not part of a recipe build.
EXTRA_OECONF = "--disable-system-tests"

# The board's tool in a package of its own, for the target image:
# IMAGE_INSTALL += "cramfs-xip".  It needs only the C library.
PACKAGES =+ "cramfs-xip"
FILES:cramfs-xip = "${sbindir}/cramfs-xip"
SUMMARY:cramfs-xip = "See on the board what execute in place from a cramfs image saves"

BBCLASSEXTEND = "native nativesdk"
