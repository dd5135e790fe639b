# fluidai — plain Makefile; knobs in config.mk.
#   make                build build/<cpu|cuda>/fluidai and libfluidai.a
#   make run            the main job on the embedded default scenario
#   make test           the Criterion suite (and its set-up)
#   make check-cuda     compile every .cu for each CUDA_ARCHS (no GPU needed)
#   make gpu-check      cpu-vs-cuda parity suite (skipped, saying so, without a GPU)
#   make install PREFIX=...
include config.mk

NVCC_FOUND := $(shell command -v nvcc 2>/dev/null || { test -x /usr/local/cuda/bin/nvcc && echo /usr/local/cuda/bin/nvcc; })
ifeq ($(CUDA),auto)
  USE_CUDA := $(if $(NVCC_FOUND),1,0)
else
  USE_CUDA := $(CUDA)
endif
ifeq ($(USE_CUDA),1)
  ifeq ($(NVCC_FOUND),)
    $(error CUDA=1 but nvcc was not found on PATH or in /usr/local/cuda/bin)
  endif
  VARIANT := cuda
else
  VARIANT := cpu
endif
ifeq ($(SAN),1)
  BUILD := build/$(VARIANT)-san
else
  BUILD := build/$(VARIANT)
endif

NVCC := $(NVCC_FOUND)
CUDA_HOME := $(patsubst %/bin/nvcc,%,$(NVCC))

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
  WARN += -Werror
endif
SANFLAGS :=
ifeq ($(SAN),1)
  SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

PKG_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CPPFLAGS += -DFAI_BUILD_VARIANT=\"$(VARIANT)\" -DFAI_BUILD_OPT=\"$(OPT)\" -DFAI_BUILD_SAN=$(SAN)
CPPFLAGS += -Iinclude -Ikernels -I$(BUILD)/gen -Icore -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
CFLAGS := -std=c11 $(OPT) -g -fopenmp -ffp-contract=off -fno-math-errno $(WARN) $(SANFLAGS) $(PKG_CFLAGS)
LDFLAGS += -fopenmp $(SANFLAGS)
LDLIBS := $(PKG_LIBS) -lglpk -lnlopt -lm

NVCCFLAGS := -std=c++17 $(OPT) --fmad=false -Xcompiler -fno-math-errno,-Wall -Iinclude -Ikernels \
             $(foreach a,$(CUDA_ARCHS),-gencode arch=compute_$(a),code=sm_$(a))
ifeq ($(WERROR),1)
  NVCCFLAGS += -Werror all-warnings
endif

LIB_SRC := $(wildcard core/*.c) $(wildcard kernels/*.c) $(wildcard orbitgen/*.c) \
           $(wildcard solvers/*/*.c)
CU_SRC := $(wildcard kernels/*.cu)
ifeq ($(USE_CUDA),1)
  LIB_SRC := $(filter-out kernels/cuda_stub.c,$(LIB_SRC))
  LIB_CU_OBJ := $(CU_SRC:%.cu=$(BUILD)/%.o)
  LDLIBS += -L$(CUDA_HOME)/lib64 -lcudart_static -lstdc++ -ldl -lrt -lpthread
else
  LIB_CU_OBJ :=
endif
CLI_SRC := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/*.c)

EMBED_FILES := data/scenarios/default.json $(wildcard data/ground-stations/*.csv) $(wildcard data/tle/*.tle) \
               $(wildcard data/profiles/*.json)
GEN_EMBED := $(BUILD)/gen/embedded_data.c

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_EMBED:.c=.o) $(LIB_CU_OBJ)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

LIB := $(BUILD)/libfluidai.a
BIN := $(BUILD)/fluidai
TESTBIN := $(BUILD)/fluidai-tests

# Optional cuRAND cross-check of the Philox generator (host API, no GPU needed).
CURAND_OK := $(shell test -n "$(CUDA_HOME)" && test -e "$(CUDA_HOME)/include/curand.h" && echo 1)
ifeq ($(CURAND_OK),1)
  TEST_CPPFLAGS := -DFAI_HAVE_CURAND -I$(CUDA_HOME)/include
  TEST_LIBS := -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcurand
endif

.PHONY: all deps run test check-cuda gpu-check install clean bench format
all: $(BIN) $(LIB)

deps:
	@scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# The SGP4 block's loops vectorise only when gcc may if-convert selects
# (see kernels/cpu_sgp4.c); rounding is unchanged.
$(BUILD)/kernels/cpu_sgp4.o: CFLAGS += -fno-trapping-math

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/kernels/%.o: kernels/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -o $@ $<

$(GEN_EMBED): $(BUILD)/tools/embed $(EMBED_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(EMBED_FILES)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(TESTBIN): $(TEST_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(LIB) $(LDLIBS) $(TEST_LIBS) -lcriterion

# The main job: orbitgen on the embedded default scenario, with a summary.
run: deps
	@$(MAKE) --no-print-directory all
	$(BIN) orbitgen -o out/default

test: deps
	@$(MAKE) --no-print-directory $(BIN) $(TESTBIN)
	FLUIDAI_BIN=$(abspath $(BIN)) $(TESTBIN) --jobs 2

check-cuda:
ifeq ($(NVCC_FOUND),)
	@echo "check-cuda: nvcc not found; nothing compiled"; exit 1
else
	@mkdir -p build/check-cuda
	@for f in $(CU_SRC); do for a in $(CUDA_ARCHS); do \
	  echo "nvcc sm_$$a $$f"; \
	  $(NVCC) -std=c++17 $(OPT) --fmad=false -Werror all-warnings -Xcompiler -Wall -Iinclude -Ikernels \
	    -gencode arch=compute_$$a,code=sm_$$a -c $$f -o build/check-cuda/$$(basename $$f .cu)_sm$$a.o || exit 1; \
	done; done
	@echo "check-cuda: $(words $(CU_SRC)) file(s) compiled for sm_$(subst $() ,/sm_,$(CUDA_ARCHS))"
endif

gpu-check: deps
	@$(MAKE) --no-print-directory CUDA=1 all build/cuda/fluidai-tests
	@if build/cuda/fluidai info --devices-only >/dev/null 2>&1; then \
	  FLUIDAI_BIN=$(abspath build/cuda/fluidai) build/cuda/fluidai-tests --filter 'parity/*' --verbose; \
	else \
	  echo "gpu-check: no usable CUDA device found here; cpu-vs-cuda parity tests SKIPPED"; \
	fi

bench: all
	bench/run.sh $(BIN)
	bench/sgp4.sh
	bench/memory.sh $(BIN)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/fluidai \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/fluidai
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libfluidai.a
	install -m 644 include/fluidai/*.h $(DESTDIR)$(PREFIX)/include/fluidai/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/.*FAI_VERSION_STRING "\(.*\)"/\1/p' include/fluidai/common.h)|' \
	  -e 's|@LIBS@|$(LDLIBS)|' fluidai.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/fluidai.pc

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) include/fluidai/*.h kernels/*.h kernels/*.cu

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
