/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A program the no-MMU guest runs from the cramfs image, to see where the
 * kernel put its text (in flash, straight from the image, or in RAM):
 *
 *   nommuprog where FD [EXIT]    writes "text=ADDR pc=ADDR" to FD, exits EXIT (0)
 *   nommuprog hold READY RELEASE writes one byte to READY, then waits for one
 *                                byte on RELEASE (so that several copies
 *                                are alive at once while RAM is measured)
 *
 * ADDR of text is where file offset 0 (the bFLT header) was put: the address
 * of the linker script's __flat_base, taken PC-relative.  Built with
 * -DBIG_TEXT=N it also carries N bytes of read-only constants in its text,
 * for the RAM figure of programs run in place.
 */
#include "nommu.h"

#ifdef BIG_TEXT
/* one non-zero byte so the array is not a candidate for .bss */
static const unsigned char big_text[BIG_TEXT] __attribute__((used)) = { 1 };
#endif

static int number(const char *s)
{
	u64 v;

	return parse_num(s, &v) ? -1 : (int)v;
}

int nommu_main(long argc, char **argv)
{
	struct line l;

	if (argc >= 3 && seq(argv[1], "where")) {
		int fd = number(argv[2]);

		if (fd < 0)
			return 2;
		l_init(&l, fd);
		l_str(&l, "text=");
		l_hex(&l, text_base());
		l_str(&l, " pc=");
		l_hex(&l, current_pc());
#ifdef BIG_TEXT
		l_str(&l, " big=");
		l_hex(&l, (unsigned long)big_text);
		l_str(&l, " first=");
		l_dec(&l, *(volatile const unsigned char *)big_text);
#endif
		l_end(&l);
		return argc >= 4 ? number(argv[3]) : 0;
	}
	if (argc >= 4 && seq(argv[1], "hold")) {
		char c = 'r';
		int ready = number(argv[2]), release = number(argv[3]);

		if (ready < 0 || release < 0 || sys_write(ready, &c, 1) != 1)
			return 2;
		return sys_read(release, &c, 1) == 1 ? 0 : 3;
	}
	l_init(&l, 2);
	l_str(&l, "usage: nommuprog where FD [EXIT] | hold READY RELEASE");
	l_end(&l);
	return 2;
}
