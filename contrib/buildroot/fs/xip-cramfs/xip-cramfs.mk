################################################################################
#
# Build the execute-in-place cramfs root filesystem image (mkcramfs-xip)
#
################################################################################

ROOTFS_XIP_CRAMFS_DEPENDENCIES = host-mkcramfs-xip

# The target kernel's page size
ROOTFS_XIP_CRAMFS_BLOCK_SIZE = $(BR2_TARGET_ROOTFS_XIP_CRAMFS_PAGE_SIZE)

ifeq ($(BR2_ENDIAN),"BIG")
ROOTFS_XIP_CRAMFS_OPTS = -N big
else
ROOTFS_XIP_CRAMFS_OPTS = -N little
endif

ROOTFS_XIP_CRAMFS_OPTS += -b $(ROOTFS_XIP_CRAMFS_BLOCK_SIZE) -X

ifeq ($(BR2_TARGET_ROOTFS_XIP_CRAMFS_NOMMU),y)
ROOTFS_XIP_CRAMFS_OPTS += --nommu
endif

ifeq ($(BR2_TARGET_ROOTFS_XIP_CRAMFS_DIRECT_LAST_PAGE),y)
ROOTFS_XIP_CRAMFS_OPTS += --xip-direct-last-page
endif

# A pattern "!P" is a --no-xip pattern, as in a --xip-from list.
ROOTFS_XIP_CRAMFS_PATTERNS = \
	$(call qstrip,$(BR2_TARGET_ROOTFS_XIP_CRAMFS_PATTERNS))
ROOTFS_XIP_CRAMFS_XIP = $(filter-out !%,$(ROOTFS_XIP_CRAMFS_PATTERNS))
ROOTFS_XIP_CRAMFS_NO_XIP = \
	$(patsubst !%,%,$(filter !%,$(ROOTFS_XIP_CRAMFS_PATTERNS)))
ROOTFS_XIP_CRAMFS_OPTS += \
	$(foreach p,$(ROOTFS_XIP_CRAMFS_XIP),--xip='$(p)') \
	$(foreach p,$(ROOTFS_XIP_CRAMFS_NO_XIP),--no-xip='$(p)')

ROOTFS_XIP_CRAMFS_PROFILE = $(call qstrip,$(BR2_TARGET_ROOTFS_XIP_CRAMFS_PROFILE))
ifneq ($(ROOTFS_XIP_CRAMFS_PROFILE),)
ROOTFS_XIP_CRAMFS_OPTS += --xip-profile='$(ROOTFS_XIP_CRAMFS_PROFILE)' \
	--xip-layout=$(if $(BR2_TARGET_ROOTFS_XIP_CRAMFS_LAYOUT_PAGE),page,stock)
endif

ROOTFS_XIP_CRAMFS_OPTS += $(call qstrip,$(BR2_TARGET_ROOTFS_XIP_CRAMFS_EXTRA_OPTS))

# cramfsck exits non-zero on any problem, and the fakeroot script that runs
# this command stops at the first failure, so a bad image fails the build.
# The --xip report is for the target's kind of kernel: without an MMU it says
# which requests get the flash address and which FLAT programs run in place.
ifeq ($(BR2_USE_MMU),y)
ROOTFS_XIP_CRAMFS_REPORT = --xip
else
ROOTFS_XIP_CRAMFS_REPORT = --xip --nommu
endif

ifneq ($(ROOTFS_XIP_CRAMFS_PROFILE),)
ROOTFS_XIP_CRAMFS_REPORT += --profile='$(ROOTFS_XIP_CRAMFS_PROFILE)'
endif

define ROOTFS_XIP_CRAMFS_CHECK
	$(HOST_DIR)/sbin/cramfsck -b $(ROOTFS_XIP_CRAMFS_BLOCK_SIZE) $(ROOTFS_XIP_CRAMFS_REPORT) $@ > $@.xip.txt
	tail -n 1 $@.xip.txt
endef

define ROOTFS_XIP_CRAMFS_CMD
	$(HOST_DIR)/sbin/mkcramfs $(ROOTFS_XIP_CRAMFS_OPTS) $(TARGET_DIR) $@
	$(ROOTFS_XIP_CRAMFS_CHECK)
endef

# The page size, for the check in genimage's configuration of a NOR flash image
# (contrib/genimage/flash-xip.cfg) when a post-image script runs genimage.
ifeq ($(BR2_TARGET_ROOTFS_XIP_CRAMFS),y)
export CRAMFS_XIP_PAGE_SIZE = $(ROOTFS_XIP_CRAMFS_BLOCK_SIZE)
endif

$(eval $(rootfs))
