# The "cramfs-xip" image type: a cramfs image whose programs and libraries
# the kernel maps straight from NOR flash or ROM (execute in place), made
# with mkcramfs -X from mkcramfs-xip and checked with cramfsck.
#
# In local.conf, or in the image recipe:
#   IMAGE_CLASSES += "image_types_cramfs_xip"
#   IMAGE_FSTYPES += "cramfs-xip"
#   CRAMFS_XIP_PAGE_SIZE = "65536"    # the target kernel's page size
#
# Output, in the image deploy directory:
#   <image name>.cramfs-xip           the image
#   <image name>.cramfs-xip.xip.txt   what the kernel maps from flash, file
#                                     by file (not for CRAMFS_XIP_NOMMU)

inherit siteinfo

# The block size: the page size of the kernel that mounts the image, 4096,
# 16384 or 65536. The kernel never checks it.
CRAMFS_XIP_PAGE_SIZE ?= "4096"
# "1" for a kernel without an MMU: in-place data aligned to 8 bytes
# (mkcramfs --nommu). A kernel with an MMU maps nothing of such an image.
CRAMFS_XIP_NOMMU ?= "0"
# "1" only if the target kernel has the fix for the cramfs last-page read
# bug (mkcramfs --xip-direct-last-page).
CRAMFS_XIP_DIRECT_LAST_PAGE ?= "0"
# Space-separated patterns of files to store wholly in place (--xip);
# "!PATTERN" keeps files out of place (--no-xip). See man mkcramfs.
CRAMFS_XIP_PATTERNS ?= ""
# The file name without the type. Releases before nanbield (kirkstone) add
# IMAGE_NAME_SUFFIX to image files: set "${IMAGE_NAME}${IMAGE_NAME_SUFFIX}".
CRAMFS_XIP_IMAGE_NAME ?= "${IMAGE_NAME}"
# More mkcramfs options, for example "--best".
EXTRA_IMAGECMD:cramfs-xip ?= ""

IMAGE_TYPES:append = " cramfs-xip"

do_image_cramfs_xip[depends] += "mkcramfs-xip-native:do_populate_sysroot"

# The byte order comes from the target (SITEINFO_ENDIANNESS: le or be).
# cramfsck exits non-zero on any problem in the image, which fails the task.
IMAGE_CMD:cramfs-xip () {
	set -f
	case "${SITEINFO_ENDIANNESS}" in
	le) set -- -N little ;;
	be) set -- -N big ;;
	*) bbfatal "cramfs-xip: SITEINFO_ENDIANNESS is '${SITEINFO_ENDIANNESS}', not le or be" ;;
	esac
	set -- "$@" -b ${CRAMFS_XIP_PAGE_SIZE} -X
	case "${CRAMFS_XIP_NOMMU}" in
	1|y|yes|true) set -- "$@" --nommu ;;
	esac
	case "${CRAMFS_XIP_DIRECT_LAST_PAGE}" in
	1|y|yes|true) set -- "$@" --xip-direct-last-page ;;
	esac
	for cramfs_xip_pattern in ${CRAMFS_XIP_PATTERNS}; do
		case "$cramfs_xip_pattern" in
		"!"*) set -- "$@" --no-xip="${cramfs_xip_pattern#!}" ;;
		*) set -- "$@" --xip="$cramfs_xip_pattern" ;;
		esac
	done
	set +f

	mkcramfs "$@" ${EXTRA_IMAGECMD} ${IMAGE_ROOTFS} ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip

	case "${CRAMFS_XIP_NOMMU}" in
	1|y|yes|true)
		cramfsck -b ${CRAMFS_XIP_PAGE_SIZE} ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip
		;;
	*)
		cramfsck -b ${CRAMFS_XIP_PAGE_SIZE} --xip ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip \
			>${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip.xip.txt
		bbnote "cramfs-xip: $(tail -n 1 ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip.xip.txt)"
		;;
	esac
}
