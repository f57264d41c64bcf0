# goshim: make (all), make demo, make check, make bench, make clean.

CC      ?= gcc
BUILD   := build
CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -fno-omit-frame-pointer
# runtime/ and asm/ are internal to the library; shim/ and syscall_wrappers/ define the
# interposed functions, and the version script keeps every other symbol of theirs local.
HIDDEN   = -fvisibility=hidden $(shell pkg-config --cflags libunwind)
LDFLAGS := -shared -Wl,--version-script=shim/exports.map -Wl,-z,now -Wl,-z,nodelete
# Expanded when used, after scripts/deps has installed what pkg-config describes.
LDLIBS   = -ldl -pthread $(shell pkg-config --libs libunwind)

RUNTIME := $(wildcard runtime/*.c)
SHIM    := $(wildcard shim/*.c)
WRAP    := $(wildcard syscall_wrappers/*.c)
WRAP_ASM := $(wildcard syscall_wrappers/*.S)
ASM     := $(wildcard asm/*.S)
HEADERS := $(wildcard runtime/*.h shim/*.h asm/*.h syscall_wrappers/*.h)
RT_OBJS := $(RUNTIME:%.c=$(BUILD)/obj/%.o) $(ASM:%.S=$(BUILD)/obj/%.o)
OBJS    := $(RT_OBJS) $(SHIM:%.c=$(BUILD)/obj/%.o) $(WRAP:%.c=$(BUILD)/obj/%.o) \
	   $(WRAP_ASM:%.S=$(BUILD)/obj/%.o)
LIB     := $(BUILD)/libgoshim.so

UNIT      := $(wildcard test/unit/*.c)
UNIT_BINS := $(UNIT:test/unit/%.c=$(BUILD)/unit/%)

.PHONY: all deps demo check unit progs env exports schedtrace sigquit launcher overflow real real-quick bench clean

all: deps $(LIB)

deps:
	@scripts/deps

$(BUILD)/obj/runtime/%.o: runtime/%.c $(HEADERS) Makefile | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HIDDEN) -c $< -o $@

$(BUILD)/obj/shim/%.o: shim/%.c $(HEADERS) Makefile | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/syscall_wrappers/%.o: syscall_wrappers/%.c $(HEADERS) Makefile | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(OBJS) shim/exports.map
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

# Unit tests link the runtime (and the shim's env parser) without the constructor.
$(BUILD)/libgoshim_rt.a: $(RT_OBJS) $(BUILD)/obj/shim/env.o
	rm -f $@ && ar rcs $@ $^

$(BUILD)/unit/%: test/unit/%.c test/unit/unit.h $(BUILD)/libgoshim_rt.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror $(shell pkg-config --cflags check) \
		-o $@ $< $(BUILD)/libgoshim_rt.a $(shell pkg-config --libs check) $(shell pkg-config --libs libunwind) -ldl -pthread

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

exports: $(LIB)
	@test/exports $(LIB) shim/exports.map

progs: $(LIB)
	@test/progs/run $(LIB) $(BUILD)

env: $(LIB)
	@test/env/run $(LIB) $(BUILD)

schedtrace: $(LIB)
	@test/schedtrace $(LIB) $(BUILD)

sigquit: $(LIB)
	@test/sigquit $(LIB) $(BUILD)

launcher: $(LIB)
	@test/launcher $(BUILD)

overflow: $(LIB)
	@test/overflow $(LIB) $(BUILD)

# Debian programs under goshim (test/real); the full run rewrites the README's
# table of them, failures included, then fails if any program did.
real: $(LIB)
	@status=0; test/real/run $(LIB) $(BUILD) || status=$$?; \
	if [ $$status -le 1 ]; then scripts/real-table $(BUILD)/real README.md || status=2; fi; \
	exit $$status

real-quick: $(LIB)
	@test/real/run --quick $(LIB) $(BUILD)

check: all
	@status=0; \
	$(MAKE) --no-print-directory exports || status=1; \
	$(MAKE) --no-print-directory unit || status=1; \
	$(MAKE) --no-print-directory env || status=1; \
	$(MAKE) --no-print-directory schedtrace || status=1; \
	$(MAKE) --no-print-directory sigquit || status=1; \
	$(MAKE) --no-print-directory launcher || status=1; \
	$(MAKE) --no-print-directory overflow || status=1; \
	$(MAKE) --no-print-directory progs || status=1; \
	$(MAKE) --no-print-directory real-quick || status=1; \
	if [ $$status = 0 ]; then echo "check: all suites passed"; else echo "check: FAILED"; fi; \
	exit $$status

demo: all
	@scripts/demo $(LIB) $(BUILD)

bench: all
	@scripts/bench

clean:
	rm -rf $(BUILD)
