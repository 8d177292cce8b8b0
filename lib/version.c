// SPDX-License-Identifier: GPL-2.0-or-later
/* The installed library's own object: its version.  Everything else comes from libcramfs-internal. */
#include "cramfs/cramfs.h"

const char *cramfs_version(void)
{
	return PACKAGE_VERSION;
}
