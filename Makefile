# ds46 build.  Variants live in their own directories:
#   make            -> build/        (-O2 -g, strict warnings)
#   make asan       -> build-asan/   (ASan + UBSan; every test suite runs on it in CI)
#   make fuzz       -> build-fuzz/   (clang libFuzzer targets, one per decoder)
#   make check      -> unit tests (cmocka) of build/
# Each directory under src/ is a module archive.  A unit test or fuzz target
# named <kind>_<module>_<what>.c links its module and the modules below it.

.DEFAULT_GOAL := all
V        ?= build
CC       ?= cc
PKGS     := libconfig json-c libevent libcrypto sqlite3 libmnl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wimplicit-fallthrough -Wformat=2 -Wvla -Wpointer-arith -Werror
OPT     ?= -O2 -g
CFLAGS  := -std=c17 -D_GNU_SOURCE -pthread -Isrc $(WARN) $(PKG_CFLAGS) $(OPT) $(EXTRA_CFLAGS)
LDFLAGS += -pthread $(EXTRA_LDFLAGS)

# ---- modules (lowest first) and what each one links against --------------
common_SRC := $(wildcard src/common/*.c)
wire_SRC   := $(wildcard src/wire/*.c)
store_SRC  := $(wildcard src/store/*.c)
ctl_SRC    := src/ctl/ctl_proto.c src/ctl/ctl_server.c
os_SRC     := $(wildcard src/os/*.c)
dataplane_SRC := $(wildcard src/dataplane/*.c)
dstm_SRC   := $(filter-out %_main.c,$(wildcard src/dstm/*.c))
mip4_SRC   := $(filter-out %_main.c,$(wildcard src/mip4/*.c))

common_DEPS := common
wire_DEPS   := wire common
store_DEPS  := store wire common
ctl_DEPS    := ctl wire common
os_DEPS     := os common
dataplane_DEPS := dataplane os wire common
dstm_DEPS   := dstm dataplane os ctl store wire common
mip4_DEPS   := mip4 dataplane os ctl store wire common

obj = $(patsubst %.c,$(V)/obj/%.o,$(1))
lib = $(foreach m,$(1),$(V)/lib/lib$(m).a)

define MODULE_RULES
$(V)/lib/lib$(1).a: $(call obj,$($(1)_SRC))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,common wire store ctl os dataplane dstm mip4,$(eval $(call MODULE_RULES,$(m))))

# ---- programs ---------------------------------------------------------------
# every src/<dstm|mip4>/<name>_main.c is a program ds46-<name>
DSTM_MAINS := $(wildcard src/dstm/*_main.c)
MIP4_MAINS := $(wildcard src/mip4/*_main.c)
PROGS := $(patsubst src/dstm/%_main.c,$(V)/ds46-%,$(DSTM_MAINS)) \
         $(patsubst src/mip4/%_main.c,$(V)/ds46-%,$(MIP4_MAINS)) $(V)/ds46ctl
CTLCLI_SRC := src/ctl/ds46ctl.c $(wildcard src/ctl/ctl_cmd_*.c)

all: $(PROGS) unit bench-tools

$(V)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(foreach m,$(DSTM_MAINS),$(eval $(V)/ds46-$(patsubst src/dstm/%_main.c,%,$(m)): $(call obj,$(m)) $(call lib,$(dstm_DEPS))))
$(foreach m,$(MIP4_MAINS),$(eval $(V)/ds46-$(patsubst src/mip4/%_main.c,%,$(m)): $(call obj,$(m)) $(call lib,$(mip4_DEPS))))
$(V)/ds46-%:
	$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(PKG_LIBS)

$(V)/ds46ctl: $(call obj,$(CTLCLI_SRC)) $(call lib,$(ctl_DEPS))
	$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(PKG_LIBS)

# ---- unit tests: tests/unit/test_<module>_<what>.c ------------------------
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(V)/tests/%,$(UNIT_SRCS))
modof = $(word 2,$(subst _, ,$(notdir $(1))))
define UNIT_RULE
$(V)/tests/$(basename $(notdir $(1))): $(call obj,$(1)) $(call lib,$($(call modof,$(1))_DEPS))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$^ -o $$@ $$(LDFLAGS) $$(PKG_LIBS) -lcmocka
endef
$(foreach t,$(UNIT_SRCS),$(eval $(call UNIT_RULE,$(t))))
unit: $(UNIT_TESTS)

check: all
	scripts/run-unit.sh $(V)

# ---- benchmark helpers written in C: bench/<name>.c links every module -----
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(V)/bench/%,$(BENCH_SRCS))
bench-tools: $(BENCH_BINS)
$(V)/bench/%: $(V)/obj/bench/%.o $(call lib,mip4 $(dstm_DEPS))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(PKG_LIBS)

asan:
	$(MAKE) V=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined"

# ---- fuzz targets: tests/fuzz/fuzz_<module>_<what>.c, clang + libFuzzer ---
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
ifneq ($(filter %-fuzz build-fuzz,$(V)),)
define FUZZ_RULE
$(V)/fuzz/$(basename $(notdir $(1))): $(call obj,$(1)) $(call lib,$($(call modof,$(1))_DEPS))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -fsanitize=fuzzer $$^ -o $$@ $$(PKG_LIBS)
endef
$(foreach t,$(FUZZ_SRCS),$(eval $(call FUZZ_RULE,$(t))))
endif
fuzz:
	$(MAKE) V=build-fuzz CC=clang OPT="-O1 -g" \
	  EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -DDS46_FUZZING" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" \
	  $(patsubst tests/fuzz/%.c,build-fuzz/fuzz/%,$(FUZZ_SRCS))

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all unit check asan fuzz clean bench-tools
.SECONDARY:

-include $(shell find $(V)/obj -name '*.d' 2>/dev/null)
