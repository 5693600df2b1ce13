# pyhawk: a sampling profiler for Python on eBPF.
#   make          build ./pyhawk
#   make deps     install the Debian packages the build and the tests need
#   make demo     deps + build + profile the bundled example workload
#   make test     deps + build + every test (unit, golden, integration)
#   make bench    deps + build + the overhead benchmarks (tools/bench*.py)
#   make V=1      show the commands
OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := $(shell uname -m | sed 's/x86_64/x86/')
ifneq ($(ARCH),x86)
$(error pyhawk supports x86_64 only for now (thread state lookup uses the x86 fs base))
endif
VMLINUX_H ?= vmlinux/$(ARCH)/vmlinux.h
PYTHON ?= /usr/bin/python3

# Debian's clang 14 needs the multiarch include dir for <bpf/usdt.bpf.h> (asm/errno.h).
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wextra -Werror \
	-Wno-unused-parameter -I$(OUTPUT) -Ibpf -I$(dir $(VMLINUX_H)) $(CLANG_BPF_SYS_INCLUDES)
CFLAGS ?= -g -O2
CFLAGS += -pthread -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Iuser -Ibpf -I$(OUTPUT) -D_GNU_SOURCE
LDLIBS := -lbpf -lelf -lz -lm -lncursesw

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
DEPS := $(USER_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(UNIT_BINS:=.d)

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all deps demo test unit unit-asan fuzz integration bench clean lint format install
.DELETE_ON_ERROR:
.SECONDARY:

all: pyhawk

pyhawk: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Every user object may include a skeleton: build them first.
$(OUTPUT)/user/%.o: user/%.c $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit -MMD -MP $< $(LIB_OBJS) $(LDLIBS) -o $@

# libFuzzer targets for every parser of target-controlled bytes; `make
# fuzz` runs each for FUZZ_SECONDS (make test: a short run).
FUZZ_SECONDS ?= 10
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(filter-out user/main.c,$(USER_SRCS)) $(SKELS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(OUTPUT)/fuzz
	$(Q)$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iuser -Ibpf -I$(OUTPUT) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $< $(filter-out user/main.c,$(USER_SRCS)) \
		$(LDLIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_BINS); do \
		echo "  FUZZ     $$f ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) > $$f.log 2>&1 || { tail -40 $$f.log; exit 1; }; \
		tail -1 $$f.log; \
	done

deps:
	$(Q)tools/install-deps.sh

unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

# The unit tests again, sources and tests built with ASan + UBSan (no BPF).
ASAN_DIR := $(OUTPUT)/asan
ASAN_FLAGS := -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_BINS := $(patsubst tests/unit/%.c,$(ASAN_DIR)/%,$(UNIT_SRCS))
$(ASAN_DIR)/%: tests/unit/%.c $(filter-out user/main.c,$(USER_SRCS)) $(SKELS)
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(ASAN_DIR)
	$(Q)$(CC) $(filter-out -O2,$(CFLAGS)) $(ASAN_FLAGS) -Itests/unit $< \
		$(filter-out user/main.c,$(USER_SRCS)) $(LDLIBS) -o $@

unit-asan: $(ASAN_BINS)
	$(Q)tests/run-unit.sh $(ASAN_BINS)

demo: deps pyhawk
	$(Q)tools/demo.sh

test: deps pyhawk $(UNIT_BINS)
	$(Q)tests/run-all.sh

bench: deps pyhawk
	$(Q)tools/fetch-austin.sh >/dev/null || echo "bench: no austin to compare with (tools/fetch-austin.sh failed)"
	$(Q)$(PYTHON) tools/bench.py
	$(Q)$(PYTHON) tools/bench_system.py
	$(Q)$(PYTHON) tools/bench_idle.py
	$(Q)$(PYTHON) tools/bench_top.py
	$(Q)$(PYTHON) tools/bench_probes.py
	$(Q)$(PYTHON) tools/bench_targeted.py

lint:
	$(Q)clang-format --dry-run -Werror bpf/*.c bpf/*.h user/*.c user/*.h tests/unit/*.c tests/unit/*.h

format:
	$(Q)clang-format -i bpf/*.c bpf/*.h user/*.c user/*.h tests/unit/*.c tests/unit/*.h

install: pyhawk
	install -m 0755 pyhawk $(DESTDIR)/usr/local/bin/pyhawk

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) pyhawk

-include $(DEPS)
