/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A dynamically linked program for the test images: it runs from the image
 * with the image's own ld.so and libc. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	printf("hello from cramfs: %s\n", argc > 1 ? argv[1] : "no argument");
	return argc > 2 ? (int)strlen(argv[2]) : 0;
}
