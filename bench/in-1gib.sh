#!/bin/sh
# in-1gib.sh runs a command in a memory cgroup of 1 GiB (page cache
# included), with the Go heap's soft limit at 900 MiB: what issue 15's
# "a server that fits in 1 GiB" means on a box of that size. It needs
# root and a writable cgroup file system (v2, or v1's memory controller).
#
#   bench/in-1gib.sh go test -run '^$' -bench Million -benchtime 1x -timeout 90m -v ./bench/ -args -badger-floor=false
#
# (The raw Badger floor crawls in the group: its tables outgrow the page
# cache the group leaves them.)
#
# BENCHMARKS.md ("What stands in the way", memory) gives what it measured.
set -eu
[ $# -gt 0 ] || { echo "usage: $0 command [args...]" >&2; exit 2; }
limit=$((1 << 30))
name=dossier-1gib-$$
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	# v2: the memory controller must be delegated to the root's children.
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	group=/sys/fs/cgroup/$name
	mkdir "$group"
	echo "$limit" >"$group/memory.max"
elif [ -d /sys/fs/cgroup/memory ]; then
	group=/sys/fs/cgroup/memory/$name
	mkdir "$group"
	echo "$limit" >"$group/memory.limit_in_bytes"
else
	echo "$0: no cgroup file system with a memory controller here" >&2
	exit 1
fi
parent=$(dirname "$group")
echo $$ >"$group/cgroup.procs"
echo "$0: in $group, 1 GiB with the page cache; GOMEMLIMIT=900MiB" >&2
status=0
GOMEMLIMIT=900MiB "$@" || status=$?
# The group can only go once nothing is in it, this shell included.
echo $$ >"$parent/cgroup.procs"
rmdir "$group"
exit $status
