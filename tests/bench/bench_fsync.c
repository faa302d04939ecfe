/*
 * bench_fsync.c - the disk's own durability cost, the floor under every
 * commit: writes 4 KiB and fdatasyncs it, COUNT times, in DIR (the folder
 * the nodes' stores are in), and prints the p50/p99 of each round.
 *
 *   bench_fsync DIR COUNT
 *
 * A delivery at the latency step waits for three such commits in a row
 * (the enqueue, the receiver's, the sender's receipt), so this is the
 * baseline the latency figures are read against. Prints one line of
 * key=value pairs; exit 0, or 1 on an error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/wn.h"

int main(int argc, char **argv);

static int64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	char path[4200];
	uint64_t count;
	static uint8_t page[4096];
	if (argc != 3 || !wn_parse_u64(argv[2], 1000000, &count) || count < 2) {
		fprintf(stderr, "usage: bench_fsync DIR COUNT\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bench_fsync.tmp", argv[1]);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int64_t *d = calloc(count, sizeof(*d));
	if (fd < 0 || d == NULL) {
		perror("bench_fsync");
		return 1;
	}
	memset(page, 0x5a, sizeof(page));
	/* rounds overwrite the same 64 pages, as a WAL that was reset does */
	for (uint64_t i = 0; i < count; i++) {
		int64_t t = now_ns();
		if (pwrite(fd, page, sizeof(page), (off_t)(i % 64) * 4096) !=
			(ssize_t)sizeof(page) ||
		    fdatasync(fd) != 0) {
			perror("bench_fsync");
			return 1;
		}
		d[i] = now_ns() - t;
	}
	close(fd);
	unlink(path);
	qsort(d, count, sizeof(*d), cmp);
	printf("rounds=%llu fdatasync_p50_us=%lld fdatasync_p99_us=%lld\n",
	    (unsigned long long)count, (long long)(d[count / 2] / 1000),
	    (long long)(d[count * 99 / 100] / 1000));
	free(d);
	return 0;
}
