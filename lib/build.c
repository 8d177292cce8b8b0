// SPDX-License-Identifier: GPL-2.0-or-later
/* cramfs_build: run the passes in order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void cramfs_build_options_init(struct cramfs_build_options *o)
{
	memset(o, 0, sizeof(*o));
	o->blksize = 4096;
	o->endian = cramfs_host_endian();
	o->level = CRAMFS_DEFAULT_LEVEL;
	o->force_uid = -1;
	o->force_gid = -1;
	o->log.max_level = CRAMFS_WARNING;
}

static int check_options(const struct cramfs_build_options *o)
{
	if (o->blksize != 4096 && o->blksize != 16384 && o->blksize != 65536)
		return -EINVAL;
	if (o->endian != CRAMFS_LITTLE_ENDIAN && o->endian != CRAMFS_BIG_ENDIAN)
		return -EINVAL;
	return 0;
}

int cramfs_build(const char *srcdir, int outfd, const struct cramfs_build_options *opts,
		 struct cramfs_build_stats *stats)
{
	struct cramfs_build_stats dummy;
	struct build b = {
		.opts = opts,
		.log = &opts->log,
		.srcdir = srcdir,
		.outfd = outfd,
		.stats = stats ? stats : &dummy,
	};
	int err;

	memset(b.stats, 0, sizeof(*b.stats));
	err = check_options(opts);
	if (err) {
		cr_err(b.log, "block size must be 4096, 16384 or 65536");
		return err;
	}
	err = cr_scan(&b);
	if (!err)
		err = cr_policy(&b);
	if (!err)
		err = cr_xip_plan(&b);
	if (!err)
		err = cr_dedupe(&b);
	if (!err)
		err = cr_block_census(&b);
	if (!err)
		err = cr_layout(&b);
	if (!err)
		err = cr_write_data(&b);
	if (!err)
		err = cr_finalize(&b);

	/* conversions that lost data are listed once, at the end */
	if (!err) {
		for (size_t i = 0; i < b.nwarnings; i++)
			cr_warn(b.log, "%s", b.warnings[i]);
		err = cr_lost_attrs_report(&b);
	}
	b.stats->warnings = b.nwarnings;
	b.stats->output_error = err ? b.out_err : 0;
	for (size_t i = 0; i < b.nwarnings; i++)
		free(b.warnings[i]);
	free(b.warnings);
	cr_lost_attrs_free(&b);
	cr_blocktab_free(b.shared);
	cramfs_profile_free(b.profile);
	free(b.order);
	cr_tree_free(b.root);
	return err;
}
