################################################################################
#
# mkcramfs-xip
#
################################################################################

# RELEASE: the version of configure.ac's AC_INIT.
MKCRAMFS_XIP_VERSION = 0.1.0

ifeq ($(BR2_PACKAGE_HOST_MKCRAMFS_XIP_SOURCE_TREE),y)
# contrib/buildroot/../.. is the top of the mkcramfs-xip source tree.
MKCRAMFS_XIP_SITE = $(BR2_EXTERNAL_MKCRAMFS_XIP_PATH)/../..
MKCRAMFS_XIP_SITE_METHOD = local
# A git checkout has no configure script.
MKCRAMFS_XIP_AUTORECONF = YES
else
# RELEASE: replace this placeholder with the address where the release
# tarballs (made by "make dist") are published, then fill in the
# tarball's line in mkcramfs-xip.hash.
MKCRAMFS_XIP_SITE = https://releases.invalid/mkcramfs-xip/v$(MKCRAMFS_XIP_VERSION)
endif

MKCRAMFS_XIP_LICENSE = GPL-2.0+
MKCRAMFS_XIP_LICENSE_FILES = COPYING

HOST_MKCRAMFS_XIP_DEPENDENCIES = host-pkgconf host-zlib

# zlib only, for the same images on every build machine. libdeflate has
# no host package in Buildroot; without libcap and libacl, capabilities
# and ACLs in the target tree are still reported (by name) as lost.
HOST_MKCRAMFS_XIP_CONF_OPTS = \
	--without-deflate \
	--without-cap \
	--without-acl

# On the target, the board's tool alone: cramfs-xip needs only the C
# library, but configure wants zlib for the rest of the tree.
MKCRAMFS_XIP_DEPENDENCIES = host-pkgconf zlib
MKCRAMFS_XIP_CONF_OPTS = \
	--without-deflate \
	--without-cap \
	--without-acl \
	--disable-system-tests
MKCRAMFS_XIP_MAKE_OPTS = cramfs-xip/cramfs-xip

define MKCRAMFS_XIP_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/cramfs-xip/cramfs-xip $(TARGET_DIR)/usr/sbin/cramfs-xip
endef

$(eval $(autotools-package))
$(eval $(host-autotools-package))
