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
#                                     by file (for a no-MMU kernel with
#                                     CRAMFS_XIP_NOMMU)
#
# IMAGE_FSTYPES += "cramfs-xip-flash" also makes a NOR flash image holding
# it, with genimage (a layer with a genimage recipe is needed, such as
# meta-ptx) and mkcramfs-xip's flash-xip.cfg:
#   <image name>.cramfs-xip-flash          the flash image
#   <image name>.cramfs-xip-flash.xip.txt  the report for the image at its
#                                          physical address

inherit siteinfo

# The block size: the page size of the kernel that mounts the image, 4096,
# 16384 or 65536. The kernel never checks it.
CRAMFS_XIP_PAGE_SIZE ?= "4096"
# "1" for a kernel without an MMU: in-place data aligned to 8 bytes
# (mkcramfs --nommu). A kernel with an MMU maps nothing of such an image.
CRAMFS_XIP_NOMMU ?= "0"
# a profile of cramfs-xip(8): only the pages it names in place; stock or page layout
CRAMFS_XIP_PROFILE ?= ""
CRAMFS_XIP_LAYOUT ?= "stock"
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

# The NOR flash image (cramfs-xip-flash), laid out by flash-xip.cfg: a boot
# partition (erased flash, a placeholder) and the rootfs partition.  Empty
# values take flash-xip.cfg's defaults (shown); numbers in hex or decimal.
# The flash's physical address on the target (0): with the offset, it must
# give a page-aligned address, or the task fails.
CRAMFS_XIP_FLASH_BASE ?= ""
# The rootfs partition's offset (0x400000), a multiple of the erase block.
CRAMFS_XIP_ROOTFS_OFFSET ?= ""
# The flash's erase block size (0x40000) and number of erase blocks (256).
CRAMFS_XIP_ERASE_BLOCK ?= ""
CRAMFS_XIP_ERASE_BLOCKS ?= ""
# genimage's configuration: a copy of flash-xip.cfg for another layout.
CRAMFS_XIP_GENIMAGE_CONFIG ?= "${STAGING_DATADIR_NATIVE}/mkcramfs-xip/genimage/flash-xip.cfg"

IMAGE_TYPES:append = " cramfs-xip cramfs-xip-flash"
IMAGE_TYPEDEP:cramfs-xip-flash = "cramfs-xip"

do_image_cramfs_xip[depends] += "mkcramfs-xip-native:do_populate_sysroot"
do_image_cramfs_xip_flash[depends] += "mkcramfs-xip-native:do_populate_sysroot genimage-native:do_populate_sysroot"

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
	if [ -n "${CRAMFS_XIP_PROFILE}" ]; then
		set -- "$@" --xip-profile="${CRAMFS_XIP_PROFILE}" --xip-layout="${CRAMFS_XIP_LAYOUT}"
	fi
	set +f

	mkcramfs "$@" ${EXTRA_IMAGECMD} ${IMAGE_ROOTFS} ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip

	# the report is for the kind of kernel the layout is for
	cramfs_xip_report=--xip
	case "${CRAMFS_XIP_NOMMU}" in
	1|y|yes|true) cramfs_xip_report="--xip --nommu" ;;
	esac
	if [ -n "${CRAMFS_XIP_PROFILE}" ]; then
		cramfs_xip_report="$cramfs_xip_report --profile=${CRAMFS_XIP_PROFILE}"
	fi
	cramfsck -b ${CRAMFS_XIP_PAGE_SIZE} $cramfs_xip_report ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip \
		>${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip.xip.txt
	bbnote "cramfs-xip: $(tail -n 1 ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip.xip.txt)"
}

# genimage reads the layout's settings from the environment and the image
# from its input path, as rootfs.xip-cramfs; flash-xip.cfg runs cramfsck on
# it for the partition's physical address, which fails the task when the
# kernel could not map it from there.
IMAGE_CMD:cramfs-xip-flash () {
	cramfs_xip_dir="${WORKDIR}/cramfs-xip-flash"
	rm -rf "$cramfs_xip_dir"
	mkdir -p "$cramfs_xip_dir/images" "$cramfs_xip_dir/root"
	cp ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip "$cramfs_xip_dir/images/rootfs.xip-cramfs"

	set -- CRAMFS_XIP_PAGE_SIZE=${CRAMFS_XIP_PAGE_SIZE}
	[ -z "${CRAMFS_XIP_FLASH_BASE}" ] || set -- "$@" CRAMFS_XIP_FLASH_BASE=${CRAMFS_XIP_FLASH_BASE}
	[ -z "${CRAMFS_XIP_ROOTFS_OFFSET}" ] || set -- "$@" CRAMFS_XIP_ROOTFS_OFFSET=${CRAMFS_XIP_ROOTFS_OFFSET}
	[ -z "${CRAMFS_XIP_ERASE_BLOCK}" ] || set -- "$@" CRAMFS_XIP_ERASE_BLOCK=${CRAMFS_XIP_ERASE_BLOCK}
	[ -z "${CRAMFS_XIP_ERASE_BLOCKS}" ] || set -- "$@" CRAMFS_XIP_ERASE_BLOCKS=${CRAMFS_XIP_ERASE_BLOCKS}
	env "$@" genimage --config ${CRAMFS_XIP_GENIMAGE_CONFIG} --rootpath "$cramfs_xip_dir/root" \
		--tmppath "$cramfs_xip_dir/tmp" --inputpath "$cramfs_xip_dir/images" \
		--outputpath "$cramfs_xip_dir/images"

	mv "$cramfs_xip_dir/images/flash-xip.img" ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip-flash
	mv "$cramfs_xip_dir/images/flash-xip.img.xip.txt" ${IMGDEPLOYDIR}/${CRAMFS_XIP_IMAGE_NAME}.cramfs-xip-flash.xip.txt
	rm -rf "$cramfs_xip_dir"
}
