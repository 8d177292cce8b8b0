#!/bin/sh
# Stands in for the unit tests when configure did not find Check: fail loudly, never skip.
echo "the unit tests need the Check framework (Debian: apt-get install check); configure did not find it" >&2
exit 1
