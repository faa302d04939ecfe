/*
 * replay.c - runs a fuzz harness over saved inputs without libFuzzer.
 *
 * Each argument is a file or a directory; a directory's regular files are
 * run in name order. Linked with one tests/fuzz/fuzz_NAME.c into
 * replay_NAME and run under ASan/UBSan by `make check`: a finding aborts,
 * otherwise it prints "replay: N inputs" and exits 0.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config/wn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* run_file reads path whole and hands it to the harness. */
static int
run_file(const char *path)
{
	FILE *f = NULL;
	uint8_t *buf = NULL;
	long size;
	int rv = -1;

	if ((f = fopen(path, "rb")) == NULL)
		goto out;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	/* One spare byte so that an empty file still gets a real pointer. */
	if ((buf = malloc((size_t)size + 1)) == NULL)
		goto out;
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	rv = 0;
out:
	if (rv != 0)
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
	free(buf);
	if (f != NULL)
		fclose(f);
	return rv;
}

static int
not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* run_dir runs every regular file in dir, sorted; adds them to *count. */
static int
run_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	struct stat st;
	char path[4096];
	int n, rv = 0;

	if ((n = scandir(dir, &names, not_hidden, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		        names[i]->d_name) >= sizeof(path) ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path) != 0)
			rv = -1;
		else
			(*count)++;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rv;
}

int
main(int argc, char **argv)
{
	struct stat st;
	size_t count = 0;
	int rv = 0;

	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0)
				rv = 1;
		} else if (run_file(argv[i]) != 0) {
			rv = 1;
		} else {
			count++;
		}
	}
	printf("replay: %zu inputs\n", count);
	return rv;
}
