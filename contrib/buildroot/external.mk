include $(sort $(wildcard $(BR2_EXTERNAL_MKCRAMFS_XIP_PATH)/package/*/*.mk))
include $(sort $(wildcard $(BR2_EXTERNAL_MKCRAMFS_XIP_PATH)/fs/*/*.mk))
