/* libFuzzer target for the mobile node daemon's configuration parser
 * (src/mip4/mn_config.c): any input that loads must print a normalised
 * configuration that loads again and prints identically, and that the
 * registration client accepts (mn_cfg_to_reg, mn_reg_init); any error must
 * name the input "file:line" (STYLE 10, 13). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip4/mn_config.h"
#include "mip4/mn_reg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 leaks its string buffer when the input ends inside a string
 * literal (fixed upstream in later releases); not ours to report. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static char *print_to_string(const struct mn_cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	mn_cfg_print(f, c);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mn_reg m;
	struct mn_reg_config rc;
	struct mn_cfg *c = NULL, *c2 = NULL;
	char err[512];
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "@include")) {       /* would read files */
		free(text);
		return 0;
	}
	if (mn_cfg_load_string(text, "fuzz.conf", &c, err, sizeof(err)) < 0) {
		if (c || strncmp(err, "fuzz.conf:", 10) != 0)
			abort();
		free(text);
		return 0;
	}
	char *out1 = print_to_string(c);
	if (mn_cfg_load_string(out1, "printout", &c2, err, sizeof(err)) < 0) {
		fprintf(stderr, "printout does not load: %s\n%s", err, out1);
		abort();
	}
	char *out2 = print_to_string(c2);
	if (strcmp(out1, out2) != 0) {
		fprintf(stderr, "printout not stable:\n%s\n---\n%s", out1, out2);
		abort();
	}
	mn_cfg_to_reg(c, &rc);
	if (mn_reg_init(&m, &rc) != 0) {
		fprintf(stderr, "the registration client refuses:\n%s", out1);
		abort();
	}
	free(out1);
	free(out2);
	mn_cfg_free(c2);
	mn_cfg_free(c);
	free(text);
	return 0;
}
