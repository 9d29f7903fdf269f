/* libFuzzer target for the DSTM server configuration parser: any input that
 * loads must print a normalised configuration that loads again and prints
 * identically (STYLE 10, 13). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dstm/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 leaks its string buffer when the input ends inside a string
 * literal (fixed upstream in later releases); not ours to report. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static char *print_cfg(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();
	cfg_print(f, c);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], *text, *out1, *out2;
	struct cfg *c = NULL, *c2 = NULL;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* @include would read files outside the input. */
	if (strstr(text, "@include")) {
		free(text);
		return 0;
	}
	if (cfg_load_string(text, "fuzz.conf", &c, err, sizeof(err)) < 0) {
		if (c || strncmp(err, "fuzz.conf:", 10) != 0)
			abort();
		free(text);
		return 0;
	}
	out1 = print_cfg(c);
	if (cfg_load_string(out1, "printout", &c2, err, sizeof(err)) < 0) {
		fprintf(stderr, "printout does not load: %s\n%s", err, out1);
		abort();
	}
	out2 = print_cfg(c2);
	if (strcmp(out1, out2) != 0) {
		fprintf(stderr, "printout not stable:\n%s\n---\n%s", out1, out2);
		abort();
	}
	free(out1);
	free(out2);
	cfg_free(c2);
	cfg_free(c);
	free(text);
	return 0;
}
